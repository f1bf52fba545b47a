/**
 * A fake Salesforce org at the protocol level, for the REST calls jsforce makes: the OAuth 2.0
 * token endpoint (client credentials, JWT bearer), `GET /services/data`, SOQL through
 * `/services/data/vXX.X/query?q=` (see soql.ts) with server-side paging by `nextRecordsUrl`
 * (`/query/01g…-<offset>`, batch size from `Sforce-Query-Options`), `/sobjects/Account/<id>`,
 * Salesforce error bodies (`[{"message", "errorCode"}]`), and switches that inject failures:
 * 5xx, 429 with Retry-After, 403 REQUEST_LIMIT_EXCEEDED, 401 (sessions revoked and the next token
 * grant refused), a malformed body, a slow answer, or a stopped server (`stop()` / `start()`).
 *
 * The org is seeded from fixtures/ as `sf data import tree` would: accounts.tree.json, then
 * case-tree-import.json and cases.tree.json (references like `@AccountRef3` resolved, Ids and
 * SystemModstamps assigned in order). Tests start it in process (`SalesforceSimulator.start()`);
 * for the demo, `npm run simulator -- salesforce` runs it from its source (test code is never
 * built; port SALESFORCE_SIM_PORT, default 4050). `POST /__sim/fail?kind=5xx&count=3` switches
 * failures on. `POST /__sim/accounts` and `POST /__sim/cases` add records (`exhub simulate`).
 */
import { createVerify, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SimulatorServer } from '../../../libs/connector-sdk/testing/simulator-server';
import {
  GRANT_CLIENT_CREDENTIALS,
  GRANT_JWT_BEARER,
  SALESFORCE_TOKEN_PATH,
} from '../salesforce.constants';
import { matches, parseSoql, SoqlError, sortRows, valueAt, type Query, type Row } from './soql';
import { MS_PER_MINUTE } from '@exhub/core';

export type SalesforceFailure = '5xx' | '429' | 'limit' | '401' | 'malformed' | 'invalid' | 'slow';

export interface SalesforceSimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** JWT bearer: the user the assertion must name, and the public key it must verify with. */
  username?: string;
  jwtPublicKey?: string;
  /** The `instance_url` the token endpoint answers; default the simulator's own URL. */
  instanceUrl?: string;
  /** Server-side page size cap (Salesforce: 2000); `Sforce-Query-Options: batchSize` may lower it. */
  pageSize?: number;
  port?: number;
  retryAfterSeconds?: number;
  slowMs?: number;
  /** SystemModstamp of the first seeded case; the others follow a minute apart. */
  seededFrom?: string;
  /**
   * The org's records as `sf data import tree` files (`{"records": […]}`), instead of the fixtures:
   * for serving real sample files unchanged. Only `@AccountRef…` references are resolved.
   */
  trees?: { accounts: { records: Row[] }[]; cases: { records: Row[] }[] };
}

export const SIMULATOR_CLIENT_ID = '3MVG9exhubSimulatorConsumerKey';
export const SIMULATOR_CLIENT_SECRET = 'sim-consumer-secret';
export const SIMULATOR_USERNAME = 'integration@exhub.example';
export const SIMULATOR_API_VERSION = '62.0';
const DEFAULT_PAGE_SIZE = 2000;
const DEFAULT_SLOW_MS = 2000;
const DEFAULT_SEEDED_FROM = '2026-11-20T09:00:00.000Z';
/** Seeded cases were created two hours before their last change. */
const CREATED_BEFORE_MS = 2 * 60 * MS_PER_MINUTE;
/** Port of the demo instance in exhub.config.yaml. */
const DEMO_PORT = 4050;
const FIXTURES = [
  join(__dirname, '../fixtures'),
  // compiled by the bench (tsc -p tsconfig.bench.json) into dist/connectors/salesforce/testing/
  join(__dirname, '../../../../connectors/salesforce/fixtures'),
].find((d) => existsSync(d)) as string;
/** Key prefixes of the sObjects the simulator stores. */
const KEY_PREFIX: Record<string, string> = {
  Account: '001',
  Case: '500',
  CaseMilestone: '5Ms',
  Entitlement: '550',
  User: '005',
  QueryLocator: '01g',
};
/**
 * Standard fields every org has (Salesforce's object reference), known to queries even when no
 * seeded record has a value for them: Salesforce answers null for an empty field, never "no such
 * column". Custom fields (`__c`) exist only where a seeded record carries them.
 */
const STANDARD_FIELDS: Record<string, string[]> = {
  Case: [
    'Id', 'CaseNumber', 'Subject', 'Description', 'Status', 'Priority', 'Origin', 'Type', 'Reason',
    'IsEscalated', 'IsClosed', 'CreatedDate', 'ClosedDate', 'LastModifiedDate', 'SystemModstamp',
    'AccountId', 'Account', 'ContactId', 'OwnerId', 'Owner', 'ParentId', 'SuppliedEmail',
    'SuppliedName', 'EntitlementId',
  ],
  Account: [
    'Id', 'Name', 'Type', 'Industry', 'BillingStreet', 'BillingCity', 'BillingState',
    'BillingPostalCode', 'BillingCountry', 'Phone', 'Website', 'AnnualRevenue',
    'NumberOfEmployees', 'OwnerId', 'Owner', 'ParentId', 'Cases',
  ],
}; // prettier-ignore
/** sObject type of a relationship, for `attributes.type`. */
const RELATIONSHIP_TYPE: Record<string, string> = {
  Account: 'Account',
  Owner: 'User',
  MilestoneType: 'MilestoneType',
  CaseMilestones: 'CaseMilestone',
};

/** Salesforce's SOQL datetime format: `2026-11-20T09:00:00.000+0000`. */
export const sfDateTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

interface TreeRecord extends Row {
  attributes: { type: string; referenceId: string };
}

function readTree(file: string): TreeRecord[] {
  return (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { records: TreeRecord[] })
    .records;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}
const sfError = (
  res: ServerResponse,
  status: number,
  errorCode: string,
  message: string,
  headers = {},
) => sendJson(res, status, [{ message, errorCode }], headers);

/** A record as the API answers it, without the `attributes` metadata (at any depth). */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Row)
      .filter(([k]) => k !== 'attributes')
      .map(([k, x]) => [k, plain(x)]),
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `requests` counts data API requests answered (failed ones included); token requests are counted
 * apart, in `tokenRequests`.
 */
export class SalesforceSimulator extends SimulatorServer<SalesforceFailure> {
  /** Account and Case records, keyed by Id (Cases carry `CaseMilestones` as an array). */
  readonly accounts = new Map<string, Row>();
  readonly cases = new Map<string, Row>();
  tokenRequests = 0;
  /** Every data API request (path and query), for assertions. */
  readonly log: string[] = [];
  private refuseGrants = 0;
  private readonly sessions = new Set<string>();
  private readonly locators = new Map<string, Row[]>();
  private serial = 0;

  private constructor(private readonly o: SalesforceSimulatorOptions) {
    super(o.port);
    this.seed();
  }

  static async start(o: SalesforceSimulatorOptions = {}): Promise<SalesforceSimulator> {
    const sim = new SalesforceSimulator(o);
    await sim.start();
    return sim;
  }

  /** The login URL and (by default) the instance URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Clears queued failures, and token grants refused after a `401` failure. */
  override heal(): void {
    super.heal();
    this.refuseGrants = 0;
  }

  /** Every issued session ends (as after a timeout): the next call answers INVALID_SESSION_ID. */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** Every query locator is forgotten (they expire after 15 minutes of inactivity). */
  expireLocators(): void {
    this.locators.clear();
  }

  /** Adds a case (Id, CaseNumber and SystemModstamp assigned unless given); returns it. */
  addCase(fields: Row): Row {
    const last = Math.max(
      0,
      ...[...this.cases.values()].map((c) =>
        Date.parse(String(c.SystemModstamp).replace('+0000', 'Z')),
      ),
    );
    const id = this.newId('Case');
    const stamp =
      typeof fields.SystemModstamp === 'string' ? fields.SystemModstamp : sfDateTime(last + 1000);
    const c: Row = {
      Id: id,
      CaseNumber: String(1029 + this.cases.size).padStart(8, '0'),
      IsEscalated: false,
      IsClosed: false,
      Status: 'New',
      CreatedDate: stamp,
      ClosedDate: null,
      AccountId: null,
      Owner: { Name: 'Support Queue' },
      CaseMilestones: [],
      ...fields,
      SystemModstamp: stamp,
    };
    // Milestones come from an entitlement process: a case with milestones has an entitlement.
    // (Derived from the case's Id, so the Ids of the records seeded after it do not move.)
    c.EntitlementId ??= (c.CaseMilestones as Row[]).length
      ? `${KEY_PREFIX.Entitlement}${id.slice(3)}`
      : null;
    this.cases.set(id, c);
    return c;
  }

  /** Changes a case; its SystemModstamp moves to now (or `stamp`). */
  updateCase(caseNumber: string, patch: Row, stamp = sfDateTime(Date.now())): Row {
    const c = [...this.cases.values()].find((x) => x.CaseNumber === caseNumber);
    if (!c) throw new Error(`no case ${caseNumber}`);
    Object.assign(c, patch, { SystemModstamp: stamp });
    return c;
  }

  accountByName(name: string): Row {
    const a = [...this.accounts.values()].find((x) => x.Name === name);
    if (!a) throw new Error(`no account ${name}`);
    return a;
  }

  private newId(type: string): string {
    return `${KEY_PREFIX[type]}Hb${String(++this.serial).padStart(10, '0')}AAA`;
  }

  private seed(): void {
    const refs = new Map<string, string>();
    const trees = this.o.trees;
    const accounts = trees
      ? trees.accounts.flatMap((t) => t.records as TreeRecord[])
      : readTree('accounts.tree.json');
    for (const a of accounts) {
      const { attributes, ...fields } = a;
      const id = this.newId('Account');
      refs.set(attributes.referenceId, id);
      this.accounts.set(id, { Id: id, ...fields });
    }
    const from = Date.parse(this.o.seededFrom ?? DEFAULT_SEEDED_FROM);
    const cases = trees
      ? trees.cases.flatMap((t) => t.records as TreeRecord[])
      : [...readTree('case-tree-import.json'), ...readTree('cases.tree.json')];
    cases.forEach((tree, n) => {
      const { CaseMilestones, AccountId, ...fields } = tree as Row;
      delete fields.attributes;
      const milestones = ((CaseMilestones as { records?: Row[] } | undefined)?.records ?? []).map(
        (m) => {
          const { attributes, ...rest } = m;
          void attributes; // tree-import metadata, not a field
          return { Id: this.newId('CaseMilestone'), ...rest };
        },
      );
      const account =
        typeof AccountId === 'string' && AccountId.startsWith('@')
          ? refs.get(AccountId.slice(1))
          : AccountId;
      this.addCase({
        ...fields,
        IsEscalated: fields.IsEscalated ?? false,
        AccountId: account ?? null,
        CaseMilestones: milestones,
        CreatedDate: sfDateTime(from + n * MS_PER_MINUTE - CREATED_BEFORE_MS),
        SystemModstamp: sfDateTime(from + n * MS_PER_MINUTE),
      });
    });
  }

  /** A request that throws is answered 500 UNKNOWN_EXCEPTION (unless an answer was started). */
  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (err) {
      if (!res.headersSent) sfError(res, 500, 'UNKNOWN_EXCEPTION', String(err));
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/__sim/fail' && req.method === 'POST') {
      this.fail(
        (url.searchParams.get('kind') ?? '5xx') as SalesforceFailure,
        Number(url.searchParams.get('count') ?? 1),
      );
      res.writeHead(204).end();
      return;
    }
    if (
      (url.pathname === '/__sim/cases' || url.pathname === '/__sim/accounts') &&
      req.method === 'POST'
    ) {
      await this.addFromRequest(url.pathname === '/__sim/cases', req, res);
      return;
    }
    if (url.pathname === SALESFORCE_TOKEN_PATH && req.method === 'POST') {
      await this.token(req, res);
      return;
    }
    if (!url.pathname.startsWith('/services/data')) {
      sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
      return;
    }
    this.requests++;
    this.log.push(`${url.pathname}${url.search}`);
    const failure = this.nextFailure();
    if (failure === 'slow')
      await new Promise((r) => setTimeout(r, this.o.slowMs ?? DEFAULT_SLOW_MS));
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (failure === '401' || !bearer || !this.sessions.has(bearer)) {
      if (failure === '401') {
        // The integration user lost access: sessions end and the next grant is refused.
        this.sessions.clear();
        this.refuseGrants++;
      }
      sfError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid', {
        'www-authenticate': 'Token',
      });
      return;
    }
    const retryAfter = { 'retry-after': String(this.o.retryAfterSeconds ?? 1) };
    if (failure === '5xx') {
      sfError(res, 503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable');
      return;
    }
    if (failure === '429') {
      sfError(
        res,
        429,
        'REQUEST_LIMIT_EXCEEDED',
        'ConcurrentPerOrgLongTxn Limit exceeded.',
        retryAfter,
      );
      return;
    }
    if (failure === 'limit') {
      sfError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', retryAfter);
      return;
    }
    if (failure === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
      res.end('{"totalSize":3,"done":true,"records":[{"attributes":{"type":"Case"');
      return;
    }
    if (failure === 'invalid') {
      // Well-formed JSON, but a record without the SystemModstamp the cursor needs.
      sendJson(res, 200, {
        totalSize: 1,
        done: true,
        records: [{ attributes: { type: 'Case' }, Id: '500Hb0000000000AAA', CaseNumber: '1' }],
      });
      return;
    }
    const m = /^\/services\/data(?:\/v(\d+\.\d)(\/.*)?)?$/.exec(url.pathname);
    if (!m || req.method !== 'GET') {
      sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
      return;
    }
    const [, version, rest = ''] = m;
    if (!version) {
      sendJson(res, 200, [
        {
          label: "Winter '25",
          url: `/services/data/v${SIMULATOR_API_VERSION}`,
          version: SIMULATOR_API_VERSION,
        },
      ]);
      return;
    }
    const base = `/services/data/v${version}`;
    if (rest === '/query' || rest === '/query/') {
      this.query(req, res, url.searchParams.get('q') ?? '', base);
      return;
    }
    const more = /^\/query\/(01g[A-Za-z0-9]+)-(\d+)$/.exec(rest);
    if (more) {
      const rows = this.locators.get(more[1]);
      if (!rows) {
        sfError(res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
        return;
      }
      this.page(res, rows, more[1], Number(more[2]), this.batchSize(req), base);
      return;
    }
    const sobject = /^\/sobjects\/Account\/([A-Za-z0-9]{15,18})$/.exec(rest);
    if (sobject) {
      const a = this.accounts.get(sobject[1]);
      if (!a) {
        sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
        return;
      }
      sendJson(res, 200, {
        attributes: { type: 'Account', url: `${base}/sobjects/Account/${a.Id as string}` },
        ...a,
        Owner: undefined,
      });
      return;
    }
    sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  /**
   * `POST /__sim/accounts` with one Account or an array (`Id` optional: a known Id is updated, a
   * new one kept), and `POST /__sim/cases` with one Case or an array as the Case query answers it
   * (`attributes`, the `Account` relationship, `CaseMilestones` as a query result): the case keeps
   * its Id, CaseNumber and SystemModstamp (a known Id is replaced: a later change of that case),
   * and its Account is added when the org does not have it. `exhub simulate` uses both:
   * `201 {added, total}`; `400` for a case without an Id (500…) or a SystemModstamp.
   */
  private async addFromRequest(
    cases: boolean,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      sfError(res, 400, 'JSON_PARSER_ERROR', (err as Error).message);
      return;
    }
    const list = (Array.isArray(body) ? body : [body]).map((r) => plain(r) as Row);
    const bad = cases
      ? list.findIndex(
          (c) =>
            typeof c?.Id !== 'string' ||
            !c.Id.startsWith(KEY_PREFIX.Case) ||
            typeof c.SystemModstamp !== 'string',
        )
      : list.findIndex((a) => !a || typeof a !== 'object' || typeof a.Name !== 'string');
    if (bad >= 0) {
      sfError(
        res,
        400,
        'INVALID_FIELD',
        cases
          ? `case ${bad} needs an Id (500…) and a SystemModstamp`
          : `account ${bad} needs a Name`,
      );
      return;
    }
    for (const r of list) {
      if (!cases) {
        this.putAccount(r);
        continue;
      }
      const { Account, CaseMilestones, ...fields } = r;
      const accountId = fields.AccountId;
      if (typeof accountId === 'string' && Account && !this.accounts.has(accountId))
        this.putAccount({ ...(Account as Row), Id: accountId });
      const milestones = (CaseMilestones as { records?: Row[] } | null)?.records ?? [];
      const c: Row = {
        CaseNumber: String(1029 + this.cases.size).padStart(8, '0'),
        IsEscalated: false,
        IsClosed: false,
        Status: 'New',
        CreatedDate: fields.SystemModstamp,
        ClosedDate: null,
        AccountId: null,
        Owner: { Name: 'Support Queue' },
        ...fields,
        CaseMilestones: milestones,
      };
      this.cases.delete(c.Id as string);
      this.cases.set(c.Id as string, c);
    }
    sendJson(res, 201, {
      added: list.length,
      total: cases ? this.cases.size : this.accounts.size,
    });
  }

  /** Adds an Account (a new Id when it has none) or updates the one with its Id. */
  private putAccount(a: Row): void {
    const id = typeof a.Id === 'string' && a.Id !== '' ? a.Id : this.newId('Account');
    this.accounts.set(id, { ...this.accounts.get(id), ...a, Id: id });
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.tokenRequests++;
    const form = new URLSearchParams(await readBody(req));
    const refuse = (error: string, description: string) =>
      sendJson(res, 400, { error, error_description: description });
    if (this.refuseGrants > 0) {
      this.refuseGrants--;
      refuse('invalid_client', 'invalid client credentials');
      return;
    }
    const grant = form.get('grant_type');
    const clientId = this.o.clientId ?? SIMULATOR_CLIENT_ID;
    if (grant === GRANT_CLIENT_CREDENTIALS) {
      if (
        form.get('client_id') !== clientId ||
        form.get('client_secret') !== (this.o.clientSecret ?? SIMULATOR_CLIENT_SECRET)
      ) {
        refuse('invalid_client', 'invalid client credentials');
        return;
      }
    } else if (grant === GRANT_JWT_BEARER) {
      const problem = this.checkAssertion(form.get('assertion') ?? '', clientId);
      if (problem) {
        refuse('invalid_grant', problem);
        return;
      }
    } else {
      refuse('unsupported_grant_type', 'grant type not supported');
      return;
    }
    const token = `00DHb0000000001!${randomBytes(24).toString('base64url')}`;
    this.sessions.add(token);
    sendJson(res, 200, {
      access_token: token,
      signature: randomBytes(32).toString('base64'),
      scope: 'api',
      instance_url: this.o.instanceUrl ?? this.url,
      id: `${this.url}/id/00DHb0000000001AAA/005Hb0000000001AAA`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    });
  }

  /** Why a JWT bearer assertion is refused, or undefined when it is good. */
  private checkAssertion(assertion: string, clientId: string): string | undefined {
    const parts = assertion.split('.');
    if (parts.length !== 3 || !this.o.jwtPublicKey) return 'invalid assertion';
    const ok = createVerify('RSA-SHA256')
      .update(`${parts[0]}.${parts[1]}`)
      .verify(this.o.jwtPublicKey, parts[2], 'base64url');
    if (!ok) return 'invalid assertion signature';
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Row;
    if (claims.iss !== clientId) return 'invalid client identifier';
    if (claims.sub !== (this.o.username ?? SIMULATOR_USERNAME))
      return "user hasn't approved this consumer";
    if (claims.aud !== this.url) return 'audience is invalid';
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now())
      return 'expired authorization code';
    return undefined;
  }

  private batchSize(req: IncomingMessage): number {
    const header = String(req.headers['sforce-query-options'] ?? '');
    const asked = Number(/batchSize=(\d+)/.exec(header)?.[1] ?? Infinity);
    return Math.min(asked, this.o.pageSize ?? DEFAULT_PAGE_SIZE);
  }

  private query(req: IncomingMessage, res: ServerResponse, soql: string, base: string): void {
    let q: Query;
    try {
      q = parseSoql(soql);
    } catch (err) {
      if (!(err instanceof SoqlError)) throw err;
      sfError(res, 400, 'MALFORMED_QUERY', err.message);
      return;
    }
    const table = q.from === 'Case' ? this.cases : q.from === 'Account' ? this.accounts : undefined;
    if (!table) {
      sfError(res, 400, 'INVALID_TYPE', `sObject type '${q.from}' is not supported.`);
      return;
    }
    const unknown = this.unknownField(q);
    if (unknown) {
      sfError(
        res,
        400,
        'INVALID_FIELD',
        `No such column '${unknown.field}' on entity '${unknown.entity}'. If you are attempting to ` +
          "use a custom field, be sure to append the '__c' after the custom field name.",
      );
      return;
    }
    const children = (row: Row, object: string): Row[] =>
      (row[`${object}s`] as Row[] | undefined) ?? (row[object] as Row[] | undefined) ?? [];
    let rows = [...table.values()].map((r) => this.view(q.from, r));
    if (q.where) rows = rows.filter((r) => matches(q.where!, r, children));
    rows = sortRows(rows, q.orderBy);
    if (q.limit !== undefined) rows = rows.slice(0, q.limit);
    const projected = rows.map((r) => this.project(r, q, q.from, base, children));
    const locator = this.newId('QueryLocator');
    this.locators.set(locator, projected);
    this.page(res, projected, locator, 0, this.batchSize(req), base);
  }

  private page(
    res: ServerResponse,
    rows: Row[],
    locator: string,
    offset: number,
    size: number,
    base: string,
  ): void {
    const records = rows.slice(offset, offset + size);
    const end = offset + records.length;
    const done = end >= rows.length;
    if (done) this.locators.delete(locator);
    sendJson(res, 200, {
      totalSize: rows.length,
      done,
      ...(!done && { nextRecordsUrl: `${base}/query/${locator}-${end}` }),
      records,
    });
  }

  /** A selected field the org does not have (as INVALID_FIELD reports it), if any. */
  private unknownField(q: Query): { field: string; entity: string } | undefined {
    const keys = (rows: Iterable<Row>, standard: string[]) =>
      new Set([...standard, ...[...rows].flatMap((r) => Object.keys(r))]);
    const account = keys(this.accounts.values(), STANDARD_FIELDS.Account);
    const known = q.from === 'Case' ? keys(this.cases.values(), STANDARD_FIELDS.Case) : account;
    for (const item of q.select) {
      if (!('field' in item)) continue;
      const [head, next] = item.field.split('.');
      if (!known.has(head)) return { field: head, entity: q.from };
      if (q.from === 'Case' && head === 'Account' && next && !account.has(next))
        return { field: next, entity: 'Account' };
    }
    return undefined;
  }

  /** A record with its relationships joined in, as SOQL sees it. */
  private view(object: string, r: Row): Row {
    if (object === 'Account') {
      // The Cases child relationship, for subqueries on the account's cases.
      return { ...r, Cases: [...this.cases.values()].filter((c) => c.AccountId === r.Id) };
    }
    if (object !== 'Case') return r;
    const account = typeof r.AccountId === 'string' ? this.accounts.get(r.AccountId) : undefined;
    return { ...r, Account: account ?? null };
  }

  /** The SELECT list of a row, with `attributes` and relationship objects as Salesforce answers. */
  private project(
    row: Row,
    q: Query,
    type: string,
    base: string,
    children: (row: Row, o: string) => Row[],
  ): Row {
    const out: Row = {
      attributes: { type, url: `${base}/sobjects/${type}/${String(row.Id)}` },
    };
    for (const item of q.select) {
      if ('sub' in item) {
        const sub = item.sub;
        let kids = children(row, sub.from.replace(/s$/, ''));
        if (sub.where) kids = kids.filter((k) => matches(sub.where!, k, children));
        kids = sortRows(kids, sub.orderBy);
        if (sub.limit !== undefined) kids = kids.slice(0, sub.limit);
        const childType = RELATIONSHIP_TYPE[sub.from] ?? sub.from;
        out[sub.from] = kids.length
          ? {
              totalSize: kids.length,
              done: true,
              records: kids.map((k) => this.project(k, sub, childType, base, children)),
            }
          : null;
        continue;
      }
      const parts = item.field.split('.');
      let target = out;
      let source: unknown = row;
      for (let i = 0; i < parts.length - 1; i++) {
        const rel = parts[i];
        source = valueAt(source as Row, rel);
        if (source === null || source === undefined) {
          target[rel] = null;
          break;
        }
        const relType =
          type === 'Case' && i === 0 && rel === 'Owner' ? 'Name' : (RELATIONSHIP_TYPE[rel] ?? rel);
        if (!target[rel]) {
          const id = (source as Row).Id;
          target[rel] = {
            attributes: {
              type: relType,
              ...(id ? { url: `${base}/sobjects/${relType}/${String(id)}` } : {}),
            },
          };
        }
        target = target[rel] as Row;
      }
      if (source === null || source === undefined) continue;
      const leaf = parts[parts.length - 1];
      const v = (source as Row)[leaf];
      target[leaf] = v === undefined ? null : v;
    }
    return out;
  }
}

if (require.main === module) {
  void SalesforceSimulator.start({
    port: Number(process.env.SALESFORCE_SIM_PORT ?? DEMO_PORT),
  }).then((sim) =>
    process.stdout.write(
      `Salesforce simulator: ${sim.url} (client_id ${SIMULATOR_CLIENT_ID}, client_secret ${SIMULATOR_CLIENT_SECRET})\n`,
    ),
  );
}
