/**
 * SOAP through the `soap` package under the hub's limits and resilience: the package's HTTP client
 * is replaced by `SoapHttpTransport` (allowed hosts, no redirects, time and size bounds, every
 * failure a hub error class, no DOCTYPE, well-formed XML only), and `ResilientSoapClient` runs each
 * operation inside one circuit breaker for the port and the hub's retry policy. `soap` is loaded
 * lazily, so a hub without a SOAP connector instance never loads it. Used by connectors/netsuite
 * and by connectors scaffolded with `exhub connectors new <name> --kind soap`.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Client, IHttpClient } from 'soap';
import {
  AuthError,
  HubError,
  InvalidPayloadError,
  RateLimitedError,
  TransientError,
} from '@exhub/core';
import {
  EndpointBreaker,
  type BreakerMetrics,
  type BreakerOptions,
  type BreakerState,
} from './breaker';
import { DEFAULT_HTTP_TIMEOUT_MS, DEFAULT_MAX_RESPONSE_BYTES } from './constants';
import { fromStatus, parseRetryAfter, toHubError } from './http-errors';
import { withRetry, type RetryOptions } from './retry.policy';

/** A SOAP 1.1 fault: faultcode, faultstring, and the detail element with its code. */
export interface SoapFault {
  faultcode?: string;
  faultstring?: string;
  /** Local name of the detail's first element, e.g. `invalidCredentialsFault`. */
  detail?: string;
  /** Text of that element's `code` child, when it has one. */
  code?: string;
}

const faultParser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  processEntities: false,
});
const DTD = /<!DOCTYPE|<!ENTITY/i;

/** The SOAP fault in a response body, if it has one (never parses a body with a DOCTYPE). */
export function readSoapFault(body: string): SoapFault | undefined {
  if (!/<(?:\w+:)?Fault[\s>]/.test(body) || DTD.test(body)) return undefined;
  try {
    const doc = faultParser.parse(body) as {
      Envelope?: { Body?: { Fault?: Record<string, unknown> } };
    };
    const f = doc.Envelope?.Body?.Fault;
    if (!f) return undefined;
    const detail = (f.detail ?? undefined) as Record<string, { code?: unknown }> | undefined;
    const name = detail && typeof detail === 'object' ? Object.keys(detail)[0] : undefined;
    const code = name ? detail?.[name]?.code : undefined;
    return {
      faultcode: typeof f.faultcode === 'string' ? f.faultcode : undefined,
      faultstring: typeof f.faultstring === 'string' ? f.faultstring : undefined,
      detail: name,
      code: typeof code === 'string' ? code : undefined,
    };
  } catch {
    return undefined;
  }
}

/** What a service's faults mean: detail element names or codes, and advice for the message. */
export interface SoapFaultRules {
  /** Credentials refused → AUTH (the breaker opens). */
  auth?: ReadonlySet<string>;
  /** Too many requests now → RATE_LIMITED (with the Retry-After the server sent). */
  rateLimited?: ReadonlySet<string>;
  /** The request itself is refused and a retry will not fix it → INVALID_PAYLOAD. */
  refused?: ReadonlySet<string>;
  /** Appended to an AUTH message: what to check. */
  authAdvice?: string;
  /** Appended to a RATE_LIMITED message: whose limit it is. */
  rateAdvice?: string;
}

/** Turns a failed SOAP answer into a hub error; `where` never holds a credential. */
export type SoapFailureClassifier = (
  status: number,
  retryAfter: unknown,
  body: string,
  where: string,
) => HubError;

/**
 * The hub error class for a failed SOAP answer: HTTP 401/403 and `rules.auth` faults → AUTH;
 * HTTP 429 and `rules.rateLimited` faults → RATE_LIMITED with the Retry-After; `rules.refused`
 * faults → INVALID_PAYLOAD; any other fault and 5xx → TRANSIENT; the rest by HTTP status.
 */
export function classifySoapFailure(
  status: number,
  retryAfter: unknown,
  body: string,
  where: string,
  rules: SoapFaultRules = {},
): HubError {
  const fault = readSoapFault(body);
  const names = [fault?.detail, fault?.code].filter((n): n is string => !!n);
  const has = (set?: ReadonlySet<string>): boolean => !!set && names.some((n) => set.has(n));
  const said = fault
    ? ` — ${fault.faultstring ?? 'SOAP fault'}${fault.code ? ` (${fault.code})` : ''}`
    : '';
  if (status === 401 || status === 403 || has(rules.auth)) {
    return new AuthError(
      'ingress',
      `${where}: HTTP ${status}${said} — ${rules.authAdvice ?? "check the instance's credentials"}`,
    );
  }
  if (status === 429 || has(rules.rateLimited)) {
    const ms = parseRetryAfter(retryAfter);
    return new RateLimitedError(
      'ingress',
      `${where}: HTTP ${status}${said} — ${rules.rateAdvice ?? "the service's request limit"}${ms === undefined ? '' : ` (Retry-After ${ms} ms)`}`,
      ms,
    );
  }
  if (has(rules.refused)) {
    return new InvalidPayloadError('ingress', `${where}: HTTP ${status}${said}`, [
      { pointer: '', rule: fault?.detail ?? 'fault', message: fault?.faultstring ?? 'refused' },
    ]);
  }
  if (status >= 500 || fault) {
    return new TransientError('ingress', `${where}: HTTP ${status}${said}`);
  }
  return fromStatus(status, retryAfter, where);
}

export interface SoapTransportOptions {
  connector: string;
  /** The WSDL port's name, as messages and the breaker's `endpoint` label show it. */
  port: string;
  /** Hosts (`name` or `name:port`, lower case) the transport may post to; checked on every request. */
  allowedHosts: ReadonlySet<string>;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Default: `classifySoapFailure` with no service-specific fault rules. */
  classify?: SoapFailureClassifier;
}

type SoapCallback = (error: unknown, res?: unknown, body?: unknown) => unknown;

/**
 * The `soap` package's HTTP client, replaced: posts each envelope with axios under the hub's
 * limits (allowed hosts only, no redirects, time and size bounds, no proxy), turns every failure
 * into a hub error class before `soap` sees it, and refuses a 200 body that is not well-formed
 * XML (or declares a DOCTYPE) as INVALID_PAYLOAD. Retries and the breaker sit one level up,
 * around the whole operation, so each retry builds fresh SOAP headers (e.g. a new signature).
 */
export class SoapHttpTransport {
  private readonly http: AxiosInstance;

  constructor(private readonly o: SoapTransportOptions) {
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

  /** soap's IHttpClient.request: same signature, callback style. */
  request(
    rurl: string,
    data: unknown,
    callback: SoapCallback,
    exheaders?: Record<string, unknown>,
  ): Promise<AxiosResponse<string>> {
    const op = String(exheaders?.SOAPAction ?? 'request').replace(/"/g, '');
    const where = `connector '${this.o.connector}' ${this.o.port} ${op}`;
    const p = this.post(rurl, data, exheaders ?? {}, where);
    p.then(
      (res) => callback(null, res, res.data),
      (err: unknown) => callback(err),
    );
    return p;
  }

  private async post(
    rurl: string,
    data: unknown,
    headers: Record<string, unknown>,
    where: string,
  ): Promise<AxiosResponse<string>> {
    const url = new URL(rurl);
    if (
      !this.o.allowedHosts.has(url.host.toLowerCase()) &&
      !this.o.allowedHosts.has(url.hostname.toLowerCase())
    ) {
      throw new AuthError(
        'ingress',
        `connector '${this.o.connector}': host ${url.host} is not in allowedHosts (${[...this.o.allowedHosts].join(', ')}) — add it to the instance's allowedHosts if it is trusted`,
      );
    }
    let res: AxiosResponse<string>;
    try {
      res = await this.http.post<string>(url.toString(), data, {
        headers: { ...(headers as Record<string, string>), accept: 'text/xml' },
      });
    } catch (err) {
      throw toHubError(err, where);
    }
    const body = typeof res.data === 'string' ? res.data : String(res.data ?? '');
    if (res.status >= 300) {
      const classify = this.o.classify ?? classifySoapFailure;
      throw classify(res.status, res.headers['retry-after'], body, where);
    }
    if (DTD.test(body)) {
      throw new InvalidPayloadError(
        'parse',
        `${where}: the response declares a DOCTYPE or entity`,
        [{ pointer: '', rule: 'xml', message: 'DOCTYPE and ENTITY declarations are refused' }],
      );
    }
    const valid = XMLValidator.validate(body);
    if (valid !== true) {
      throw new InvalidPayloadError(
        'parse',
        `${where}: the response is not well-formed XML (line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg})`,
        [
          {
            pointer: '',
            rule: 'xml',
            message: `line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
          },
        ],
      );
    }
    res.data = body;
    return res;
  }
}

/** Dates and decimals stay the text the service sent (no float, no time zone lost). */
const KEEP_TEXT = (text: string): string => text;
const TEXT_TYPES = {
  dateTime: KEEP_TEXT,
  date: KEEP_TEXT,
  double: KEEP_TEXT,
  decimal: KEEP_TEXT,
  float: KEEP_TEXT,
};

export interface ResilientSoapClientOptions {
  connector: string;
  /** The WSDL port's name: the breaker's `endpoint` label and the `where` of every message. */
  port: string;
  /** A local WSDL file (never fetched from the service). */
  wsdlPath: string;
  /** The port's URL; overrides the WSDL's soap:address. */
  endpoint: string;
  /** Default: the endpoint's host only. */
  allowedHosts?: readonly string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  metrics?: BreakerMetrics;
  classify?: SoapFailureClassifier;
  /** SOAP header XML for one attempt (called on every attempt, so signatures are fresh). */
  headers?: (soapAction: string) => string;
}

/**
 * One SOAP port: `call(op, args)` resolves to what `soap` parsed from the `<op>Response`, inside
 * the port's breaker and the retry policy (backoff with jitter for TRANSIENT, Retry-After for
 * RATE_LIMITED). A well-formed answer `soap` cannot read as the operation's response is
 * INVALID_PAYLOAD. The `soap` client is built once, lazily, from the local WSDL.
 */
export class ResilientSoapClient {
  readonly breaker: EndpointBreaker;
  readonly transport: SoapHttpTransport;
  private client?: Promise<Client>;

  constructor(private readonly o: ResilientSoapClientOptions) {
    const url = new URL(o.endpoint);
    const allowed = new Set(
      (o.allowedHosts?.length ? o.allowedHosts : [url.host]).map((h) => h.toLowerCase()),
    );
    if (!allowed.has(url.host.toLowerCase()) && !allowed.has(url.hostname.toLowerCase())) {
      throw new Error(
        `connector '${o.connector}': endpoint host ${url.host} is not in allowedHosts (${[...allowed].join(', ')})`,
      );
    }
    this.transport = new SoapHttpTransport({
      connector: o.connector,
      port: o.port,
      allowedHosts: allowed,
      timeoutMs: o.timeoutMs,
      maxResponseBytes: o.maxResponseBytes,
      classify: o.classify,
    });
    this.breaker = new EndpointBreaker(o.connector, o.port, o.breaker, o.metrics);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  call(op: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.breaker.fire(() =>
      withRetry(async () => {
        const client = await this.soapClient();
        const method = client[`${op}Async`] as ((a: unknown) => Promise<[unknown]>) | undefined;
        if (typeof method !== 'function') {
          throw new Error(`connector '${this.o.connector}': the WSDL has no operation ${op}`);
        }
        try {
          const [result] = await method.call(client, args);
          if (!result || typeof result !== 'object') {
            throw new Error(`no ${op}Response element in the SOAP body`);
          }
          return result as Record<string, unknown>;
        } catch (err) {
          if (err instanceof HubError) throw err;
          // Well-formed XML that soap could not read as this operation's response.
          throw new InvalidPayloadError(
            'parse',
            `connector '${this.o.connector}' ${this.o.port} ${op}: the response is not a ${op}Response envelope (${(err as Error).message})`,
            [{ pointer: '', rule: 'soap', message: (err as Error).message }],
            { cause: err },
          );
        }
      }, this.o.retry),
    );
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private soapClient(): Promise<Client> {
    this.client ??= this.create().catch((err: unknown) => {
      this.client = undefined;
      throw err;
    });
    return this.client;
  }

  private async create(): Promise<Client> {
    const soap = await import('soap');
    const client = await soap.createClientAsync(this.o.wsdlPath, {
      endpoint: this.o.endpoint,
      httpClient: this.transport as unknown as IHttpClient,
      customDeserializer: TEXT_TYPES,
      disableCache: true,
    });
    const headers = this.o.headers;
    if (headers) {
      client.addSoapHeader((_method: unknown, _location: unknown, soapAction: string) =>
        headers(soapAction),
      );
    }
    return client;
  }
}
