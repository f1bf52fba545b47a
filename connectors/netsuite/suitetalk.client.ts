import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Client, IHttpClient } from 'soap';
import { HubError, InvalidPayloadError } from '../../libs/connector-sdk/src/errors';
import type { NetSuiteTbaCredentials } from '../../libs/resilience/src/auth';
import {
  EndpointBreaker,
  type BreakerMetrics,
  type BreakerOptions,
  type BreakerState,
} from '../../libs/resilience/src/breaker';
import { signTokenPassport } from '../../libs/resilience/src/netsuite-tba';
import { withRetry, type RetryOptions } from '../../libs/resilience/src/retry.policy';
import { NETSUITE_ENDPOINT, NETSUITE_WSDL_FILE, NS_CORE, NS_MESSAGES } from './netsuite.constants';
import { SuiteTalkHttpTransport } from './suitetalk.transport';

/** Beside the source, or (built into dist/) back in the source tree. */
export const NETSUITE_WSDL_PATH = [
  join(__dirname, 'wsdl', NETSUITE_WSDL_FILE),
  join(__dirname, '../../../connectors/netsuite/wsdl', NETSUITE_WSDL_FILE),
].find((p) => existsSync(p)) as string;

export interface SuiteTalkClientOptions {
  connector: string;
  /** The SOAP port URL, e.g. https://1234567.suitetalk.api.netsuite.com/services/NetSuitePort_2015_1 */
  endpoint: string;
  allowedHosts?: readonly string[];
  credentials: NetSuiteTbaCredentials;
  pageSize: number;
  timeoutMs?: number;
  maxResponseBytes?: number;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  metrics?: BreakerMetrics;
}

export type SuiteTalkOperation = 'search' | 'searchMoreWithId' | 'getServerTime';

const xmlText = (s: string | number): string =>
  String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** Dates and decimals stay the text NetSuite sent (no float, no time zone lost). */
const KEEP_TEXT = (text: string): string => text;

/**
 * SuiteTalk SOAP through the `soap` package, built from the local WSDL subset (never fetched),
 * loaded lazily so a hub without a NetSuite instance never loads `soap`. Every operation runs
 * inside one circuit breaker for the SOAP port and the hub's retry policy (backoff with jitter for
 * TRANSIENT, Retry-After for RATE_LIMITED); each attempt signs a fresh token passport.
 */
export class SuiteTalkClient {
  readonly breaker: EndpointBreaker;
  readonly transport: SuiteTalkHttpTransport;
  private client?: Promise<Client>;

  constructor(private readonly o: SuiteTalkClientOptions) {
    const url = new URL(o.endpoint);
    const allowed = new Set(
      (o.allowedHosts?.length ? o.allowedHosts : [url.host]).map((h) => h.toLowerCase()),
    );
    if (!allowed.has(url.host.toLowerCase()) && !allowed.has(url.hostname.toLowerCase())) {
      throw new Error(
        `connector '${o.connector}': endpoint host ${url.host} is not in allowedHosts (${[...allowed].join(', ')})`,
      );
    }
    this.transport = new SuiteTalkHttpTransport({
      connector: o.connector,
      allowedHosts: allowed,
      timeoutMs: o.timeoutMs,
      maxResponseBytes: o.maxResponseBytes,
    });
    this.breaker = new EndpointBreaker(o.connector, NETSUITE_ENDPOINT, o.breaker, o.metrics);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Calls one operation; resolves to what `soap` parsed from the response body. */
  call(op: SuiteTalkOperation, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.breaker.fire(() =>
      withRetry(async () => {
        const client = await this.soapClient();
        const method = client[`${op}Async`] as (a: unknown) => Promise<[unknown]>;
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
            `connector '${this.o.connector}' ${NETSUITE_ENDPOINT} ${op}: the response is not a ${op}Response envelope (${(err as Error).message})`,
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
    const client = await soap.createClientAsync(NETSUITE_WSDL_PATH, {
      endpoint: this.o.endpoint,
      httpClient: this.transport as unknown as IHttpClient,
      customDeserializer: {
        dateTime: KEEP_TEXT,
        date: KEEP_TEXT,
        double: KEEP_TEXT,
        decimal: KEEP_TEXT,
        float: KEEP_TEXT,
      },
      disableCache: true,
    });
    client.addSoapHeader((_method: unknown, _location: unknown, soapAction: string) =>
      this.headers(soapAction),
    );
    return client;
  }

  /** The request headers: a freshly signed tokenPassport, and searchPreferences for searches. */
  private headers(soapAction: string): string {
    const p = signTokenPassport(this.o.credentials);
    const core = (name: string, value: string | number): string =>
      `<platformCore:${name}>${xmlText(value)}</platformCore:${name}>`;
    const passport =
      `<platformMsgs:tokenPassport xmlns:platformMsgs="${NS_MESSAGES}" xmlns:platformCore="${NS_CORE}">` +
      core('account', p.account) +
      core('consumerKey', p.consumerKey) +
      core('token', p.token) +
      core('nonce', p.nonce) +
      core('timestamp', p.timestamp) +
      `<platformCore:signature algorithm="${p.signature.algorithm}">${xmlText(p.signature.value)}</platformCore:signature>` +
      `</platformMsgs:tokenPassport>`;
    if (!/search/i.test(soapAction)) return passport;
    return (
      passport +
      `<platformMsgs:searchPreferences xmlns:platformMsgs="${NS_MESSAGES}">` +
      `<platformMsgs:bodyFieldsOnly>true</platformMsgs:bodyFieldsOnly>` +
      `<platformMsgs:pageSize>${this.o.pageSize}</platformMsgs:pageSize>` +
      `</platformMsgs:searchPreferences>`
    );
  }
}

export { xmlText };
