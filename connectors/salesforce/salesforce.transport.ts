import { PassThrough } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import { AuthError, InvalidPayloadError, RateLimitedError, type HubError } from '@exhub/core';
import { DEFAULT_HTTP_TIMEOUT_MS, DEFAULT_MAX_RESPONSE_BYTES } from '@exhub/resilience';
import { fromStatus, parseRetryAfter, toHubError } from '@exhub/resilience';

/** Where the transport gets its session (SalesforceAuth), and drops it when Salesforce refuses it. */
export interface SessionSource {
  get(): Promise<{ accessToken: string; instanceUrl: string }>;
  invalidate(): void;
}

/** An HTTP request as jsforce hands it to its transport. */
export interface SalesforceRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** An HTTP response as jsforce expects it back from its transport. */
export interface SalesforceResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP exchange, allow-listed and bounded; `where` names it in errors. */
export type RawHttp = (
  req: SalesforceRequest & { where: string; body?: string },
) => Promise<SalesforceResponse>;

export interface RawHttpOptions {
  connector: string;
  /** Hosts (`name` or `name:port`) the connector may call. */
  allowedHosts: readonly string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/**
 * Plain HTTP for the connector, on axios like libs/resilience: only allowed hosts, no redirects,
 * bounded time and size, network failures as hub errors. Statuses are the caller's to judge.
 */
export function rawHttp(o: RawHttpOptions): RawHttp {
  const allowed = new Set(o.allowedHosts.map((h) => h.toLowerCase()));
  const http: AxiosInstance = axios.create({
    timeout: o.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
    maxContentLength: o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(d: unknown) => d],
    validateStatus: () => true,
    proxy: false,
  });
  return async (req) => {
    assertAllowed(o.connector, allowed, new URL(req.url));
    try {
      const res = await http.request<string>({
        method: req.method,
        url: req.url,
        headers: req.headers,
        data: req.body,
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
      }
      return {
        statusCode: res.status,
        headers,
        body: typeof res.data === 'string' ? res.data : '',
      };
    } catch (err) {
      throw toHubError(err, req.where);
    }
  };
}

export function assertAllowed(connector: string, allowed: ReadonlySet<string>, url: URL): void {
  if (!allowed.has(url.host.toLowerCase()) && !allowed.has(url.hostname.toLowerCase())) {
    throw new AuthError(
      'ingress',
      `connector '${connector}': host ${url.host} is not in allowedHosts ` +
        `(${[...allowed].join(', ')}) — add it to the instance's allowedHosts if it is trusted`,
    );
  }
}

/** Salesforce REST error body: `[{"message": "…", "errorCode": "…"}]`. */
function salesforceError(body: string): { errorCode?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as unknown;
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | null;
    return {
      errorCode: typeof first?.errorCode === 'string' ? first.errorCode : undefined,
      message: typeof first?.message === 'string' ? first.message : undefined,
    };
  } catch {
    return {};
  }
}

/** Salesforce errors that mean the SOQL names something the org does not have. */
const QUERY_ERRORS = new Set(['INVALID_FIELD', 'MALFORMED_QUERY', 'INVALID_TYPE']);

/** A promise jsforce can also ask a stream of (`HttpApi` pipes it; we end it with the body). */
type StreamingPromise<T> = Promise<T> & { stream(): PassThrough };

/**
 * The transport jsforce's Connection sends every REST call through (set as `conn._transport`).
 * It owns authentication: the bearer token of the current session on every request; after a 401
 * `INVALID_SESSION_ID` it fetches one fresh session and sends once more, a second 401 is AUTH.
 * Every status ≥ 400 becomes a hub error here, so jsforce rethrows it untouched: 429 and
 * `REQUEST_LIMIT_EXCEEDED` → RATE_LIMITED with `Retry-After`, 5xx → TRANSIENT, 404 → NOT_FOUND,
 * other 4xx (MALFORMED_QUERY, INVALID_FIELD) → INVALID_PAYLOAD naming Salesforce's error code.
 * A 2xx body that is not JSON is INVALID_PAYLOAD. Retries and breakers wrap the jsforce call.
 */
export class SalesforceTransport {
  constructor(
    private readonly connector: string,
    private readonly http: RawHttp,
    private readonly auth: SessionSource,
    /** The configured instance URL; without one, the session's `instance_url` is used. */
    private readonly instanceUrl?: string,
  ) {}

  httpRequest(req: SalesforceRequest): StreamingPromise<SalesforceResponse> {
    const stream = new PassThrough();
    const promise = this.send(req).then(
      (res) => {
        stream.end(res.body);
        return res;
      },
      (err: unknown) => {
        stream.end();
        throw err;
      },
    ) as StreamingPromise<SalesforceResponse>;
    promise.stream = () => stream;
    return promise;
  }

  private async send(req: SalesforceRequest): Promise<SalesforceResponse> {
    const path = new URL(req.url).pathname.replace(/\/query\/[^/]+$/, '/query/<locator>');
    const where = `connector '${this.connector}' ${req.method} ${path}`;
    for (let refreshed = false; ; refreshed = true) {
      const session = await this.auth.get();
      // jsforce builds URLs from the instance URL it was given; a fresh session may name another.
      const url = new URL(req.url);
      const instance = new URL(this.instanceUrl ?? session.instanceUrl);
      url.protocol = instance.protocol;
      url.host = instance.host;
      const res = await this.http({
        method: req.method,
        url: url.toString(),
        headers: {
          accept: 'application/json',
          ...req.headers,
          Authorization: `Bearer ${session.accessToken}`,
        },
        body: typeof req.body === 'string' ? req.body : undefined,
        where,
      });
      if (res.statusCode === 401) {
        const sf = salesforceError(res.body);
        if (!refreshed) {
          this.auth.invalidate();
          continue;
        }
        throw new AuthError(
          'ingress',
          `${where}: HTTP 401 ${sf.errorCode ?? ''} even with a fresh session — check the ` +
            "app's run-as user is active and allowed API access",
        );
      }
      if (res.statusCode >= 400) throw this.statusError(res, where);
      const type = res.headers['content-type'] ?? '';
      if (/json/.test(type) || type === '') {
        try {
          JSON.parse(res.body);
        } catch (err) {
          throw new InvalidPayloadError(
            'parse',
            `${where}: response is not JSON (${(err as Error).message})`,
            [{ pointer: '', rule: 'json', message: (err as Error).message }],
            { cause: err },
          );
        }
      }
      return res;
    }
  }

  private statusError(res: SalesforceResponse, where: string): HubError {
    const sf = salesforceError(res.body);
    const said = sf.errorCode ? ` ${sf.errorCode}${sf.message ? `: ${sf.message}` : ''}` : '';
    if (res.statusCode === 429 || sf.errorCode === 'REQUEST_LIMIT_EXCEEDED') {
      const ms = parseRetryAfter(res.headers['retry-after']);
      return new RateLimitedError(
        'ingress',
        `${where}: HTTP ${res.statusCode}${said}${ms === undefined ? '' : ` (Retry-After ${ms} ms)`}`,
        ms,
      );
    }
    const err = fromStatus(res.statusCode, res.headers['retry-after'], where);
    if (!said) return err;
    const hint = QUERY_ERRORS.has(sf.errorCode ?? '')
      ? " — check the instance's caseFilter and accountFields settings against the org"
      : '';
    err.message = `${err.message} —${said}${hint}`;
    return err;
  }
}
