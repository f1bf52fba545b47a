/**
 * A fake NetSuite at the protocol level: a SOAP server built by the `soap` package from the same
 * WSDL the connector uses (wsdl/netsuite-vendor-bills.wsdl), on a real HTTP server on 127.0.0.1,
 * answering search / searchMoreWithId (VendorBill and VendorCredit records, server-side search
 * snapshots and pages)
 * and getServerTime, verifying every request's token passport (a wrong signature answers
 * NetSuite's invalidCredentialsFault), with switches that inject failures: 5xx, 429 with
 * Retry-After (a concurrency-limit fault), an invalid-login fault, a malformed body, a slow answer,
 * or a stopped server (`stop()` / `start()` again on the same port).
 *
 * Tests start it in process (`NetSuiteSimulator.start()`); for the demo instance in
 * exhub.config.yaml, `npm run simulator -- netsuite` runs it from its source (test code is never
 * built; port NETSUITE_SIM_PORT, default 4040). `POST /__sim/fail?kind=5xx&count=3` switches
 * failures on. `POST /__sim/bills` (one bill in the fixture form or an array) adds bills
 * (`exhub simulate`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as soap from 'soap';
import { verifyTokenPassport, type NetSuiteTbaCredentials } from '../netsuite-tba';
import {
  NETSUITE_CREDIT_SEARCH_TYPE,
  NETSUITE_SEARCH_TYPE,
  NETSUITE_SERVICE_PATH,
  NS_CORE,
  NS_FAULTS,
  NS_MESSAGES,
  NS_PURCHASES,
} from '../netsuite.constants';
import { NETSUITE_WSDL_PATH, xmlText } from '../suitetalk.client';

export type NetSuiteFailure = '5xx' | '429' | '401' | 'malformed' | 'slow';

/** A RecordRef field: `<entity internalId="2041"><name>…</name></entity>`. */
export interface RecordRefFixture {
  internalId: string;
  name?: string;
}
/** A VendorBill as fixtures/vendor-bills.json holds it: field → text, boolean or RecordRef. */
export type VendorBillFixture = { internalId: string; lastModifiedDate: string } & Record<
  string,
  string | boolean | RecordRefFixture
>;

/** A VendorCredit as fixtures/vendor-credits.json holds it: the same shape as a bill. */
export type VendorCreditFixture = VendorBillFixture;

export interface NetSuiteSimulatorOptions {
  credentials?: NetSuiteTbaCredentials;
  /** Defaults to fixtures/vendor-bills.json. */
  bills?: VendorBillFixture[];
  /**
   * Vendor credits (searched as `_vendorCredit`). Defaults to none, so a test that counts bills
   * counts only bills; the stand-alone simulator (`node …/simulator.js`) serves
   * fixtures/vendor-credits.json.
   */
  credits?: VendorCreditFixture[];
  port?: number;
  retryAfterSeconds?: number;
  slowMs?: number;
  /** Largest timestamp skew accepted in a token passport. */
  maxSkewSeconds?: number;
}

/** The simulator's integration record and access token (test values, not secrets). */
export const SIMULATOR_CREDENTIALS: NetSuiteTbaCredentials = {
  account: '1234567_SB1',
  consumerKey: 'sim-consumer-key',
  consumerSecret: 'sim-consumer-secret',
  tokenId: 'sim-token-id',
  tokenSecret: 'sim-token-secret',
};

/** VendorBill's element order in the WSDL (purchases schema), which XML must follow. */
const VENDOR_BILL_FIELDS = [
  'createdDate',
  'lastModifiedDate',
  'customForm',
  'account',
  'entity',
  'subsidiary',
  'approvalStatus',
  'nextApprover',
  'vatRegNum',
  'postingPeriod',
  'tranDate',
  'currencyName',
  'exchangeRate',
  'terms',
  'dueDate',
  'discountDate',
  'tranId',
  'userTotal',
  'discountAmount',
  'taxTotal',
  'paymentHold',
  'memo',
  'currency',
  'department',
  'location',
  'status',
  'transactionNumber',
] as const;

/** VendorCredit's element order in the WSDL (purchases schema). */
const VENDOR_CREDIT_FIELDS = [
  'createdDate',
  'lastModifiedDate',
  'customForm',
  'account',
  'unApplied',
  'autoApply',
  'applied',
  'tranId',
  'createdFrom',
  'entity',
  'total',
  'userTotal',
  'currency',
  'currencyName',
  'tranDate',
  'exchangeRate',
  'postingPeriod',
  'memo',
  'department',
  'location',
  'subsidiary',
] as const;

const DEFAULT_SLOW_MS = 2000;
const DEFAULT_PAGE_SIZE = 1000;
const DEFAULT_MAX_SKEW_SECONDS = 300;
/** Port of the demo instance in exhub.config.yaml. */
const DEMO_PORT = 4040;
const FIXTURES = [
  join(__dirname, '../fixtures'),
  // compiled by the bench (tsc -p tsconfig.bench.json) into dist/connectors/netsuite/testing/
  join(__dirname, '../../../../connectors/netsuite/fixtures'),
].find((d) => existsSync(d)) as string;

/** The fixture bills. */
export function fixtureBills(): VendorBillFixture[] {
  return JSON.parse(
    readFileSync(join(FIXTURES, 'vendor-bills.json'), 'utf8'),
  ) as VendorBillFixture[];
}

/** The fixture vendor credits. */
export function fixtureCredits(): VendorCreditFixture[] {
  return JSON.parse(
    readFileSync(join(FIXTURES, 'vendor-credits.json'), 'utf8'),
  ) as VendorCreditFixture[];
}

/** One VendorBill as a `platformCore:record` element of a searchResult. */
export function vendorBillXml(bill: VendorBillFixture): string {
  return recordXml('VendorBill', VENDOR_BILL_FIELDS, bill);
}

/** One VendorCredit as a `platformCore:record` element of a searchResult. */
export function vendorCreditXml(credit: VendorCreditFixture): string {
  return recordXml('VendorCredit', VENDOR_CREDIT_FIELDS, credit);
}

function recordXml(type: string, order: readonly string[], bill: VendorBillFixture): string {
  // A field set to null (as an SDK's add request may hold it) is absent, as NetSuite answers it.
  const absent = (v: unknown): boolean =>
    v === undefined ||
    v === null ||
    (typeof v === 'object' &&
      (v as { internalId?: unknown }).internalId == null &&
      (v as { name?: unknown }).name == null);
  const fields = order
    .filter((f) => !absent(bill[f]))
    .map((f) => {
      const v = bill[f];
      if (typeof v === 'object') {
        const ref = v as { internalId?: unknown; name?: unknown };
        const name =
          ref.name === undefined || ref.name === null
            ? ''
            : `<platformCore:name>${xmlText(String(ref.name))}</platformCore:name>`;
        const id =
          ref.internalId === undefined || ref.internalId === null
            ? ''
            : ` internalId="${xmlText(String(ref.internalId))}"`;
        return `<tranPurch:${f}${id}>${name}</tranPurch:${f}>`;
      }
      return `<tranPurch:${f}>${xmlText(String(v))}</tranPurch:${f}>`;
    });
  return (
    `<platformCore:record xsi:type="tranPurch:${type}" internalId="${xmlText(bill.internalId)}">` +
    fields.join('') +
    `</platformCore:record>`
  );
}

function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

/** A NetSuite SOAP fault envelope with its detail element (faults schema). */
export function faultXml(detail: string, code: string, message: string): string {
  return envelope(
    '<soapenv:Fault><faultcode>soapenv:Server.userException</faultcode>' +
      `<faultstring>${xmlText(message)}</faultstring><detail>` +
      `<platformFaults:${detail} xmlns:platformFaults="${NS_FAULTS}">` +
      `<platformFaults:code>${code}</platformFaults:code>` +
      `<platformFaults:message>${xmlText(message)}</platformFaults:message>` +
      `</platformFaults:${detail}></detail></soapenv:Fault>`,
  );
}

type Args = Record<string, unknown>;
/** The text of a value soap parsed: typed values (xsd:dateTime → Date) back to text. */
const text = (v: unknown): string | undefined =>
  v === undefined || v === null
    ? undefined
    : v instanceof Date
      ? v.toISOString()
      : typeof v === 'object'
        ? text((v as { $value?: unknown }).$value)
        : String(v);

class SoapFaultThrown {
  constructor(readonly Fault: Record<string, unknown>) {}
}

export class NetSuiteSimulator {
  bills: VendorBillFixture[];
  credits: VendorCreditFixture[];
  /** SOAP requests received (failed ones included). */
  requests = 0;
  /** The SOAPAction of every request, for assertions. */
  readonly log: string[] = [];
  /** The last search criteria received, as soap parsed them. */
  lastSearch?: Args;
  /** SOAP bodies to answer the next `search` requests with, unchanged (real recorded answers). */
  private readonly recorded: string[] = [];
  private failures: { kind: NetSuiteFailure; remaining: number }[] = [];
  private searches = new Map<string, { ids: string[]; pageSize: number }>();
  /** Nonces already used: NetSuite refuses a replayed passport. */
  private readonly nonces = new Set<string>();
  private server?: Server;
  private port: number;
  private readonly credentials: NetSuiteTbaCredentials;

  private constructor(private readonly o: NetSuiteSimulatorOptions) {
    this.bills = structuredClone(o.bills ?? fixtureBills());
    this.credits = structuredClone(o.credits ?? []);
    this.port = o.port ?? 0;
    this.credentials = o.credentials ?? SIMULATOR_CREDENTIALS;
  }

  static async start(o: NetSuiteSimulatorOptions = {}): Promise<NetSuiteSimulator> {
    const sim = new NetSuiteSimulator(o);
    await sim.start();
    return sim;
  }

  /** The SOAP port URL, as the connector's `endpoint`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}${NETSUITE_SERVICE_PATH}`;
  }

  async start(): Promise<void> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    // soap installs its request listener once the WSDL is read (the callback).
    await new Promise<void>((resolve, reject) =>
      soap.listen(server, {
        path: NETSUITE_SERVICE_PATH,
        services: this.services(),
        xml: readFileSync(NETSUITE_WSDL_PATH, 'utf8'),
        callback: (err: unknown) => (err ? reject(err as Error) : resolve()),
      }),
    );
    // Failure switches and the control path run before soap sees the request.
    const soapListeners = server.listeners('request') as ((
      req: IncomingMessage,
      res: ServerResponse,
    ) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void this.intercept(req, res).then((handled) => {
        if (!handled) for (const l of soapListeners) l.call(server, req, res);
      });
    });
    this.server = server;
  }

  /** Stops answering: connections are refused until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.stop();
  }

  fail(kind: NetSuiteFailure, count = 1): void {
    this.failures.push({ kind, remaining: count });
  }

  heal(): void {
    this.failures = [];
  }

  add(...bills: VendorBillFixture[]): void {
    this.bills.push(...structuredClone(bills));
  }

  addCredits(...credits: VendorCreditFixture[]): void {
    this.credits.push(...structuredClone(credits));
  }

  /** Changes a bill's or credit's fields (set `lastModifiedDate` too, as NetSuite would). */
  update(internalId: string, patch: Partial<VendorBillFixture>): void {
    const bill = [...this.bills, ...this.credits].find((b) => b.internalId === internalId);
    if (!bill) throw new Error(`no vendor bill or credit ${internalId}`);
    Object.assign(bill, patch);
  }

  /** The next `search` is answered with this SOAP envelope as it is (after the failures). */
  answerNextSearchWith(xml: string): void {
    this.recorded.push(xml);
  }

  private nextFailure(): NetSuiteFailure | undefined {
    const f = this.failures[0];
    if (!f) return undefined;
    if (--f.remaining <= 0) this.failures.shift();
    return f.kind;
  }

  /** True when the request was answered here (control path or an injected failure). */
  private async intercept(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (url.pathname === '/__sim/fail' && req.method === 'POST') {
      this.fail(
        (url.searchParams.get('kind') ?? '5xx') as NetSuiteFailure,
        Number(url.searchParams.get('count') ?? 1),
      );
      res.writeHead(204).end();
      return true;
    }
    if (url.pathname === '/__sim/bills' && req.method === 'POST') {
      await this.addFromRequest(req, res);
      return true;
    }
    if (req.method !== 'POST' || url.pathname !== NETSUITE_SERVICE_PATH) return false;
    this.requests++;
    this.log.push(String(req.headers.soapaction ?? '').replace(/"/g, ''));
    const failure = this.nextFailure();
    const xml = (status: number, body: string, headers: Record<string, string> = {}): true => {
      res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', ...headers });
      res.end(body);
      return true;
    };
    switch (failure) {
      case 'slow':
        await new Promise((r) => setTimeout(r, this.o.slowMs ?? DEFAULT_SLOW_MS));
        return false;
      case '401':
        return xml(
          500,
          faultXml('invalidCredentialsFault', 'INVALID_LOGIN_ATTEMPT', 'Invalid login attempt.'),
        );
      case '5xx':
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html><body>Service Temporarily Unavailable</body></html>');
        return true;
      case '429':
        return xml(
          429,
          faultXml(
            'exceededConcurrentRequestLimitFault',
            'WS_CONCUR_SESSION_DISALLWD',
            'Only one request may be made against a session at a time',
          ),
          { 'retry-after': String(this.o.retryAfterSeconds ?? 1) },
        );
      case 'malformed':
        return xml(200, envelope('<searchResponse><platformCore:searchResult').slice(0, 180));
      default:
        if (this.recorded.length && this.log.at(-1) === 'search')
          return xml(200, this.recorded.shift()!);
        return false;
    }
  }

  /**
   * `POST /__sim/bills` with one VendorBill in the fixture form (field → text, boolean or
   * `{internalId, name}`) or an array of them (`exhub simulate` uses it): `201 {added, total}`; a
   * bill with a known internalId replaces it (a later change of that bill). `400` when one lacks
   * `internalId` or a parseable `lastModifiedDate`.
   */
  private async addFromRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const refuse = (message: string) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: message }));
    };
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      refuse(`invalid JSON: ${(err as Error).message}`);
      return;
    }
    const list = (Array.isArray(body) ? body : [body]) as Partial<VendorBillFixture>[];
    const bad = list.findIndex(
      (b) =>
        typeof b?.internalId !== 'string' ||
        b.internalId === '' ||
        typeof b.lastModifiedDate !== 'string' ||
        Number.isNaN(Date.parse(b.lastModifiedDate)),
    );
    if (bad >= 0) {
      refuse(`bill ${bad} needs an internalId and an xsd:dateTime lastModifiedDate`);
      return;
    }
    const ids = new Set(list.map((b) => b.internalId));
    this.bills = this.bills.filter((b) => !ids.has(b.internalId));
    this.add(...(list as VendorBillFixture[]));
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ added: list.length, total: this.bills.length }));
  }

  private authenticate(headers: Args | undefined): void {
    const tp = (headers?.tokenPassport ?? {}) as Args;
    const sig = tp.signature as
      { attributes?: { algorithm?: string }; $value?: unknown } | string | undefined;
    const why = verifyTokenPassport(
      {
        account: text(tp.account),
        consumerKey: text(tp.consumerKey),
        token: text(tp.token),
        nonce: text(tp.nonce),
        timestamp: text(tp.timestamp),
        signature: {
          value: typeof sig === 'object' ? text(sig.$value) : text(sig),
          algorithm: typeof sig === 'object' ? sig.attributes?.algorithm : undefined,
        },
      },
      this.credentials,
      { maxSkewSeconds: this.o.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS },
    );
    const nonce = text(tp.nonce) ?? '';
    const replayed =
      !why && this.nonces.has(nonce) ? 'tokenPassport.nonce was used before' : undefined;
    if (!why && !replayed) this.nonces.add(nonce);
    const refused = why ?? replayed;
    if (refused) {
      throw new SoapFaultThrown({
        faultcode: 'soapenv:Server.userException',
        faultstring: 'Invalid login attempt.',
        detail: {
          $xml:
            `<platformFaults:invalidCredentialsFault xmlns:platformFaults="${NS_FAULTS}">` +
            `<platformFaults:code>INVALID_LOGIN_ATTEMPT</platformFaults:code>` +
            `<platformFaults:message>Invalid login attempt. (${xmlText(refused)})</platformFaults:message>` +
            `</platformFaults:invalidCredentialsFault>`,
        },
        statusCode: 500,
      });
    }
  }

  private page(searchId: string, pageIndex: number): { $xml: string } {
    const s = this.searches.get(searchId);
    if (!s) {
      return {
        $xml:
          `<platformCore:searchResult xmlns:platformCore="${NS_CORE}">` +
          `<platformCore:status isSuccess="false"><platformCore:statusDetail type="ERROR">` +
          `<platformCore:code>INVALID_SEARCH_MORE</platformCore:code>` +
          `<platformCore:message>The search ${xmlText(searchId)} has expired or does not exist.</platformCore:message>` +
          `</platformCore:statusDetail></platformCore:status></platformCore:searchResult>`,
      };
    }
    const totalPages = Math.max(1, Math.ceil(s.ids.length / s.pageSize));
    const ids = s.ids.slice((pageIndex - 1) * s.pageSize, pageIndex * s.pageSize);
    const records = ids
      .map((id) => {
        const bill = this.bills.find((b) => b.internalId === id);
        if (bill) return vendorBillXml(bill);
        const credit = this.credits.find((c) => c.internalId === id);
        return credit ? vendorCreditXml(credit) : '';
      })
      .join('');
    return {
      $xml:
        `<platformCore:searchResult xmlns:platformCore="${NS_CORE}" xmlns:tranPurch="${NS_PURCHASES}" ` +
        `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
        `<platformCore:status isSuccess="true"/>` +
        `<platformCore:totalRecords>${s.ids.length}</platformCore:totalRecords>` +
        `<platformCore:pageSize>${s.pageSize}</platformCore:pageSize>` +
        `<platformCore:totalPages>${totalPages}</platformCore:totalPages>` +
        `<platformCore:pageIndex>${pageIndex}</platformCore:pageIndex>` +
        `<platformCore:searchId>${xmlText(searchId)}</platformCore:searchId>` +
        `<platformCore:recordList>${records}</platformCore:recordList>` +
        `</platformCore:searchResult>`,
    };
  }

  private services(): soap.IServices {
    const run = (fn: () => unknown): unknown => {
      try {
        return fn();
      } catch (err) {
        if (err instanceof SoapFaultThrown) throw { Fault: err.Fault };
        throw err;
      }
    };
    return {
      NetSuiteService: {
        NetSuitePort: {
          getServerTime: (_args: Args, _cb: unknown, headers: Args) =>
            run(() => {
              this.authenticate(headers);
              return {
                $xml:
                  `<platformMsgs:getServerTimeResult xmlns:platformMsgs="${NS_MESSAGES}" xmlns:platformCore="${NS_CORE}">` +
                  `<platformCore:status isSuccess="true"/>` +
                  `<platformCore:serverTime>${new Date().toISOString()}</platformCore:serverTime>` +
                  `</platformMsgs:getServerTimeResult>`,
              };
            }),
          search: (args: Args, _cb: unknown, headers: Args) =>
            run(() => {
              this.authenticate(headers);
              const record = (args.searchRecord ?? {}) as Args;
              this.lastSearch = record;
              const types = (record.type as { searchValue?: unknown } | undefined)?.searchValue;
              const wanted = (Array.isArray(types) ? types : [types]).map(text);
              const lm = record.lastModifiedDate as
                { attributes?: { operator?: string }; searchValue?: unknown } | undefined;
              const from = lm ? Date.parse(text(lm.searchValue) ?? '') : -Infinity;
              const after = lm?.attributes?.operator === 'after';
              const ids = [
                ...(wanted.includes(NETSUITE_SEARCH_TYPE) ? this.bills : []),
                ...(wanted.includes(NETSUITE_CREDIT_SEARCH_TYPE) ? this.credits : []),
              ]
                .filter((b) => {
                  const t = Date.parse(b.lastModifiedDate);
                  return after ? t > from : t >= from;
                })
                .sort((a, b) => Number(a.internalId) - Number(b.internalId))
                .map((b) => b.internalId);
              const prefs = (headers?.searchPreferences ?? {}) as Args;
              const pageSize = Number(text(prefs.pageSize) ?? DEFAULT_PAGE_SIZE);
              const searchId = `WEBSERVICES_${this.credentials.account}_${randomBytes(8).toString('hex')}`;
              this.searches.set(searchId, { ids, pageSize });
              return this.page(searchId, 1);
            }),
          searchMoreWithId: (args: Args, _cb: unknown, headers: Args) =>
            run(() => {
              this.authenticate(headers);
              return this.page(text(args.searchId) ?? '', Number(text(args.pageIndex) ?? 1));
            }),
        },
      },
    };
  }
}

if (require.main === module) {
  void NetSuiteSimulator.start({
    port: Number(process.env.NETSUITE_SIM_PORT ?? DEMO_PORT),
    credits: fixtureCredits(),
  }).then((sim) =>
    process.stdout.write(
      `NetSuite simulator: ${sim.endpoint} (account ${SIMULATOR_CREDENTIALS.account})\n`,
    ),
  );
}
