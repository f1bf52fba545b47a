import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  AuthError,
  HubError,
  InvalidPayloadError,
  RateLimitedError,
  TransientError,
} from '../../libs/connector-sdk/src/errors';
import {
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
} from '../../libs/resilience/src/constants';
import { fromStatus, parseRetryAfter, toHubError } from '../../libs/resilience/src/http-errors';
import {
  NETSUITE_AUTH_FAULTS,
  NETSUITE_RATE_FAULTS,
  NETSUITE_REFUSED_FAULTS,
} from './netsuite.constants';

export interface SuiteTalkTransportOptions {
  connector: string;
  /** Hosts (`name` or `name:port`) the transport may post to; checked on every request. */
  allowedHosts: ReadonlySet<string>;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** A SOAP fault as NetSuite sends it: faultstring, and the detail element with its code. */
export interface SoapFault {
  faultcode?: string;
  faultstring?: string;
  /** Local name of the detail element, e.g. `invalidCredentialsFault`. */
  detail?: string;
  code?: string;
}

const faultParser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  processEntities: false,
});

/** The SOAP fault in a response body, if it has one. */
export function readSoapFault(body: string): SoapFault | undefined {
  if (!/<(?:\w+:)?Fault[\s>]/.test(body) || /<!DOCTYPE|<!ENTITY/i.test(body)) return undefined;
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

/**
 * The hub error class for a failed SuiteTalk answer: invalid login / credentials faults and
 * HTTP 401/403 → AUTH (the breaker opens); HTTP 429 and request-limit / concurrency faults →
 * RATE_LIMITED with the Retry-After the server sent; unexpectedErrorFault and 5xx → TRANSIENT;
 * record-count / request-size faults → INVALID_PAYLOAD. `where` never holds a credential.
 */
export function classifySuiteTalkFailure(
  status: number,
  retryAfter: unknown,
  body: string,
  where: string,
): HubError {
  const fault = readSoapFault(body);
  const names = [fault?.detail, fault?.code].filter((n): n is string => !!n);
  const said = fault
    ? ` — ${fault.faultstring ?? 'SOAP fault'}${fault.code ? ` (${fault.code})` : ''}`
    : '';
  if (status === 401 || status === 403 || names.some((n) => NETSUITE_AUTH_FAULTS.has(n))) {
    return new AuthError(
      'ingress',
      `${where}: HTTP ${status}${said} — check the instance's account, consumer key/secret and token id/secret, and the role's web services permission`,
    );
  }
  if (status === 429 || names.some((n) => NETSUITE_RATE_FAULTS.has(n))) {
    const ms = parseRetryAfter(retryAfter);
    return new RateLimitedError(
      'ingress',
      `${where}: HTTP ${status}${said} — NetSuite's request or concurrency limit${ms === undefined ? '' : ` (Retry-After ${ms} ms)`}`,
      ms,
    );
  }
  if (names.some((n) => NETSUITE_REFUSED_FAULTS.has(n))) {
    return new InvalidPayloadError('ingress', `${where}: HTTP ${status}${said}`, [
      { pointer: '', rule: fault?.detail ?? 'fault', message: fault?.faultstring ?? 'refused' },
    ]);
  }
  if (status >= 500 || fault) {
    return new TransientError('ingress', `${where}: HTTP ${status}${said}`);
  }
  return fromStatus(status, retryAfter, where);
}

type SoapCallback = (error: unknown, res?: unknown, body?: unknown) => unknown;

/**
 * The `soap` package's HTTP client, replaced: posts each envelope with axios under the hub's
 * limits (allowed hosts only, no redirects, time and size bounds, no proxy), turns every failure
 * into a hub error class before `soap` sees it, and refuses a 200 body that is not well-formed
 * XML (or declares a DOCTYPE) as INVALID_PAYLOAD. Retries and the breaker sit one level up,
 * around the whole operation (suitetalk.client.ts), so each retry signs a fresh passport.
 */
export class SuiteTalkHttpTransport {
  private readonly http: AxiosInstance;

  constructor(private readonly o: SuiteTalkTransportOptions) {
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
    const where = `connector '${this.o.connector}' NetSuitePort ${op}`;
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
      throw classifySuiteTalkFailure(res.status, res.headers['retry-after'], body, where);
    }
    if (/<!DOCTYPE|<!ENTITY/i.test(body)) {
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
