import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { AuthError, InvalidPayloadError } from '@exhub/core';
import { type AuthProvider } from './auth';
import {
  EndpointBreaker,
  type BreakerMetrics,
  type BreakerOptions,
  type BreakerState,
} from './breaker';
import {
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RESPONSE_BYTES,
} from './constants';
import { fromStatus, toHubError } from './http-errors';
import { withRetry, type RetryOptions } from './retry.policy';

export interface HttpClientOptions {
  /** Connector instance id: named in every error and metric. */
  connector: string;
  /** e.g. `https://my-s4.example.com/sap/opu/odata/sap/API_SUPPLIERINVOICE_PROCESS_SRV` */
  baseUrl: string;
  /** Hosts (`name` or `name:port`) this instance may call; default: the base URL's host only. */
  allowedHosts?: readonly string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
  auth?: AuthProvider;
  headers?: Record<string, string>;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  metrics?: BreakerMetrics;
}

export interface HttpResult<T> {
  status: number;
  data: T;
  headers: Record<string, unknown>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const STATE_RANK: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Encodes query parameters with %20 for spaces (OData servers do not all read `+`). */
export function encodeQuery(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(
      ([k, v]) => `${encodeURIComponent(k).replace(/%24/g, '$')}=${encodeURIComponent(String(v))}`,
    );
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * Outbound HTTP for connectors, on axios: only allowed hosts (redirects are followed by hand and
 * only to allowed hosts), bounded time and size, credentials from an `AuthProvider` (one fresh
 * retry after a 401 when it can refresh), every failure converted to a hub error class, retries
 * with backoff for TRANSIENT and `Retry-After` for 429, and one breaker per endpoint around it all.
 */
export class ResilientHttpClient {
  private readonly http: AxiosInstance;
  private readonly allowed: Set<string>;
  private readonly breakers = new Map<string, EndpointBreaker>();
  private readonly base: URL;

  constructor(private readonly o: HttpClientOptions) {
    this.base = new URL(o.baseUrl);
    this.allowed = new Set(
      (o.allowedHosts?.length ? o.allowedHosts : [this.base.host]).map((h) => h.toLowerCase()),
    );
    this.assertAllowed(this.base);
    this.http = axios.create({
      timeout: o.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
      maxContentLength: o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      proxy: false,
    });
  }

  /** The breaker of one endpoint (created on first use). */
  breaker(endpoint: string): EndpointBreaker {
    let b = this.breakers.get(endpoint);
    if (!b) {
      b = new EndpointBreaker(this.o.connector, endpoint, this.o.breaker, this.o.metrics);
      this.breakers.set(endpoint, b);
    }
    return b;
  }

  /** The worst state over this client's breakers: `open` if any endpoint's is open. */
  get breakerState(): BreakerState {
    let worst: BreakerState = 'closed';
    for (const b of this.breakers.values()) {
      if (STATE_RANK[b.state] > STATE_RANK[worst]) worst = b.state;
    }
    return worst;
  }

  /** GET `path` (relative to the base URL) as JSON, through breaker and retries. */
  getJson<T = unknown>(
    endpoint: string,
    path: string,
    query: Record<string, string | number | undefined> = {},
  ): Promise<HttpResult<T>> {
    const url = `${this.o.baseUrl.replace(/\/$/, '')}${path}${encodeQuery(query)}`;
    return this.breaker(endpoint).fire(() =>
      withRetry(async () => {
        const res = await this.send(url, endpoint);
        return {
          status: res.status,
          data: parseJson<T>(res.data, endpoint, this.o.connector),
          headers: res.headers,
        };
      }, this.o.retry),
    );
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
  }

  private where(endpoint: string): string {
    return `connector '${this.o.connector}' ${endpoint}`;
  }

  private assertAllowed(url: URL): void {
    if (
      !this.allowed.has(url.host.toLowerCase()) &&
      !this.allowed.has(url.hostname.toLowerCase())
    ) {
      throw new AuthError(
        'ingress',
        `connector '${this.o.connector}': host ${url.host} is not in allowedHosts ` +
          `(${[...this.allowed].join(', ')}) — add it to the instance's allowedHosts if it is trusted`,
      );
    }
  }

  /** One logical request: auth, manual redirects (allowed hosts only), one refresh after a 401. */
  private async send(first: string, endpoint: string): Promise<AxiosResponse<string>> {
    let url = new URL(first);
    let refreshed = false;
    for (let hops = 0; ;) {
      this.assertAllowed(url);
      const headers = {
        accept: 'application/json',
        ...this.o.headers,
        ...(await this.o.auth?.headers()),
      };
      let res: AxiosResponse<string>;
      try {
        res = await this.http.get<string>(url.toString(), { headers });
      } catch (err) {
        throw toHubError(err, this.where(endpoint));
      }
      if (REDIRECTS.has(res.status)) {
        const location = res.headers.location as string | undefined;
        if (!location || ++hops > (this.o.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) {
          throw new InvalidPayloadError(
            'ingress',
            `${this.where(endpoint)}: too many or empty redirects`,
            [
              {
                pointer: '',
                rule: 'redirect',
                message: `HTTP ${res.status} to ${location ?? '(none)'}`,
              },
            ],
          );
        }
        url = new URL(location, url);
        continue;
      }
      if (res.status === 401 && !refreshed && this.o.auth?.invalidate?.()) {
        refreshed = true;
        continue;
      }
      if (res.status >= 400) {
        throw fromStatus(res.status, res.headers['retry-after'], this.where(endpoint));
      }
      return res;
    }
  }
}

function parseJson<T>(body: unknown, endpoint: string, connector: string): T {
  if (typeof body !== 'string') return body as T;
  try {
    return JSON.parse(body) as T;
  } catch (err) {
    throw new InvalidPayloadError(
      'parse',
      `connector '${connector}' ${endpoint}: response is not JSON (${(err as Error).message})`,
      [{ pointer: '', rule: 'json', message: (err as Error).message }],
      { cause: err },
    );
  }
}

/** What every HTTP connector's config carries for its client (its instance id and resilience). */
export interface ConnectorHttpSettings {
  id: string;
  allowedHosts?: readonly string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  metrics?: BreakerMetrics;
}

/**
 * The one way a connector builds its resilient client: its instance id, allowed hosts, time and
 * size bounds, retries, breaker and metrics as its settings say, for `baseUrl` with `auth`.
 */
export function httpClientFromSettings(
  settings: ConnectorHttpSettings,
  baseUrl: string,
  auth?: AuthProvider,
): ResilientHttpClient {
  return new ResilientHttpClient({
    connector: settings.id,
    baseUrl,
    allowedHosts: settings.allowedHosts,
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
    auth,
    retry: settings.retry,
    breaker: settings.breaker,
    metrics: settings.metrics,
  });
}
