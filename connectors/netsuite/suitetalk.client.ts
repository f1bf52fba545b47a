import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { NetSuiteTbaCredentials } from './netsuite-tba';
import type {
  BreakerMetrics,
  BreakerOptions,
  BreakerState,
  EndpointBreaker,
} from '@exhub/resilience';
import { signTokenPassport } from './netsuite-tba';
import type { RetryOptions } from '@exhub/resilience';
import { ResilientSoapClient } from '@exhub/resilience';
import { NETSUITE_ENDPOINT, NETSUITE_WSDL_FILE, NS_CORE, NS_MESSAGES } from './netsuite.constants';
import { classifySuiteTalkFailure } from './suitetalk.transport';

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

/**
 * SuiteTalk SOAP through the `soap` package, built from the local WSDL subset (never fetched),
 * loaded lazily so a hub without a NetSuite instance never loads `soap`. Every operation runs
 * inside one circuit breaker for the SOAP port and the hub's retry policy (backoff with jitter for
 * TRANSIENT, Retry-After for RATE_LIMITED); each attempt signs a fresh token passport. The SOAP
 * plumbing is libs/resilience's `ResilientSoapClient`; NetSuite's own parts are the WSDL, the
 * faults (suitetalk.transport.ts) and the headers below.
 */
export class SuiteTalkClient {
  private readonly soap: ResilientSoapClient;

  constructor(private readonly o: SuiteTalkClientOptions) {
    this.soap = new ResilientSoapClient({
      connector: o.connector,
      port: NETSUITE_ENDPOINT,
      wsdlPath: NETSUITE_WSDL_PATH,
      endpoint: o.endpoint,
      allowedHosts: o.allowedHosts,
      timeoutMs: o.timeoutMs,
      maxResponseBytes: o.maxResponseBytes,
      retry: o.retry,
      breaker: o.breaker,
      metrics: o.metrics,
      classify: classifySuiteTalkFailure,
      headers: (soapAction) => this.headers(soapAction),
    });
  }

  get breaker(): EndpointBreaker {
    return this.soap.breaker;
  }

  get breakerState(): BreakerState {
    return this.soap.breakerState;
  }

  /** Calls one operation; resolves to what `soap` parsed from the response body. */
  call(op: SuiteTalkOperation, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.soap.call(op, args);
  }

  shutdown(): void {
    this.soap.shutdown();
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
