import type { Connection } from 'jsforce';
import type {
  ConfigSchema,
  ConnectionCheck,
  Connector,
  ConnectorBreakerState,
  PolledEvent,
  PollResult,
  RejectedRecord,
} from '@exhub/connector-sdk';
import { screenRecords } from '@exhub/connector-sdk';
import { HubError, InvalidPayloadError, NotFoundError, type Issue } from '@exhub/core';
import { EndpointBreaker, type BreakerMetrics, type BreakerState } from '@exhub/resilience';
import { withRetry } from '@exhub/resilience';
import configSchema from './salesforce.config.schema.json';
import { SalesforceAuth, type SalesforceAuthFlow } from './salesforce.auth';
import {
  ENDPOINT_ACCOUNT,
  ENDPOINT_CASES,
  MS_PER_DAY,
  SALESFORCE_CASE_OBJECT,
  SALESFORCE_DEFAULT_ACCOUNT_FIELDS,
  SALESFORCE_DEFAULT_API_VERSION,
  SALESFORCE_DEFAULT_CASE_FILTER,
  SALESFORCE_DEFAULT_LOGIN_URL,
  SALESFORCE_DEFAULT_LOOKBACK_DAYS,
  SALESFORCE_DEFAULT_PAGE_SIZE,
  SALESFORCE_SYSTEM,
} from './salesforce.constants';
import { assertAllowed, rawHttp, SalesforceTransport } from './salesforce.transport';
import { pollSettings, type PollConnectorOptions } from '@exhub/connector-sdk';
import type { RevealableSecret } from '@exhub/connector-sdk';

export const SALESFORCE_CONFIG_SCHEMA = configSchema as unknown as ConfigSchema;

/** A resolved secret as libs/config hands it over: the SDK's one secret type. */
export type { RevealableSecret };
type SecretLike = string | RevealableSecret;
const reveal = (s: SecretLike | undefined): string | undefined =>
  s === undefined ? undefined : typeof s === 'string' ? s : s.reveal();

export interface SalesforceConnectorConfig extends PollConnectorOptions {
  /** Where tokens come from: login.salesforce.com, test.salesforce.com or the My Domain URL. */
  loginUrl?: string;
  /** The org's instance URL; default: the `instance_url` the token endpoint answers. */
  instanceUrl?: string;
  apiVersion?: string;
  authFlow?: SalesforceAuthFlow;
  clientId: SecretLike;
  clientSecret?: SecretLike;
  username?: string;
  privateKey?: SecretLike;
  /** SOQL condition selecting the cases that are exceptions. */
  caseFilter?: string;
  /** API names of the Account fields with the tier, ARR and renewal date. */
  /** null: the org has no such field; it is not read (nothing the hub derives from it). */
  accountFields?: Partial<AccountFields>;
  /** Account field with another system's key for the account (e.g. `Zendesk_Organization_Id__c`). */
  accountExternalIdField?: string;
  /** Per source system (`zendesk`, `servicenow`, `stripe`, …), the Account field with its key. */
  accountKeys?: Record<string, string>;
  /** YYYY-MM-DD; default 30 days before the first poll. */
  startFrom?: string;
}

/**
 * The checkpoint: a keyset position (the `SystemModstamp` and `Id` of the last case read, in the
 * query's order) and, while a query result is being paged, Salesforce's `nextRecordsUrl`. A
 * locator that expired is replaced by a fresh query from the keyset position, which loses nothing.
 */
export interface SalesforceCursor {
  v: 1;
  /** SystemModstamp of the last case read, as Salesforce wrote it. */
  watermark?: string;
  /** Id of the last case read at `watermark`. */
  lastId?: string;
  /** The next page of the running query. */
  next?: string;
}

/**
 * What `lookup({type: 'account', id})` answers: the commercial context of an account, named as
 * in `ScoringContext` (libs/prioritization/src/input.ts). Fields Salesforce leaves empty are
 * absent; `null` means no such account.
 */
export interface SalesforceAccountContext {
  /** The Account Id (18 characters). */
  id: string;
  name?: string;
  /** The tier field (default `Tier__c`), lower-cased: `strategic`, `enterprise`, … */
  accountTier?: string;
  /** The ARR field (default `ARR__c`) as a decimal string. */
  arr?: string;
  /** The renewal date field (default `Renewal_Date__c`), `YYYY-MM-DD`. */
  renewalDate?: string;
  /** The account owner's name. */
  owner?: string;
  /** The account's open escalated cases (IsEscalated or Status Escalated, not closed). */
  openEscalations: number;
}

interface QueryPage {
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
  /** Case records set aside (a Case query only; any bad Account record refuses the answer). */
  rejected: RejectedRecord[];
  /** The last record whose Id and SystemModstamp are readable, set aside or not. */
  last?: Record<string, unknown>;
}

const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
/** An Account Id: key prefix 001. */
const ACCOUNT_ID = /^001[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/;
/** Salesforce external id fields hold at most 255 characters. */
const MAX_EXTERNAL_ID_LENGTH = 255;
/** SOQL datetime as Salesforce writes it: `2026-03-01T10:00:00.000+0000`. */
const SF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})$/;
const STATE_RANK: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** A SOQL datetime literal (UTC, whole seconds as SystemModstamp has). */
function soqlDateTime(value: string): string {
  return new Date(Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')))
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
}
const soqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** The account's cases counted as open escalations in the lookup. */
const OPEN_ESCALATED_CASES = "IsClosed = false AND (IsEscalated = true OR Status = 'Escalated')";

type AccountFields = { tier: string | null; arr: string | null; renewalDate: string | null };

/** The jsforce module, loaded only when a Salesforce instance is built and first used. */
type JsforceModule = { Connection: new (o: Record<string, unknown>) => Connection };
let jsforceModule: Promise<JsforceModule> | undefined;
function loadJsforce(): Promise<JsforceModule> {
  jsforceModule ??= import('jsforce').then((m) => {
    const mod = m as unknown as JsforceModule & { default?: JsforceModule };
    return mod.default?.Connection ? mod.default : mod;
  });
  return jsforceModule;
}

/** The fields that place a record in the keyset order (Id, SystemModstamp) or identify it. */
function keyIssues(r: Record<string, unknown>, required: string[]): Issue[] {
  const issues: Issue[] = [];
  for (const field of required) {
    const v = r[field];
    const ok =
      field === 'Id'
        ? typeof v === 'string' && SF_ID.test(v)
        : typeof v === 'string' && SF_DATETIME.test(v);
    if (!ok)
      issues.push({
        pointer: `/${field}`,
        rule: field === 'Id' ? 'pattern' : 'format',
        message:
          field === 'Id'
            ? 'must be a Salesforce Id'
            : 'must be a datetime like 2026-03-01T10:00:00.000+0000',
      });
  }
  return issues;
}

/** What the hub reads of a Case beyond its keys: the account it belongs to. */
function caseIssues(r: Record<string, unknown>): Issue[] {
  const account = r.AccountId;
  if (account === undefined || account === null) return [];
  if (typeof account === 'string' && ACCOUNT_ID.test(account)) return [];
  return [
    {
      pointer: '/AccountId',
      rule: 'pattern',
      message: `must be an Account Id (001…, 15 or 18 characters) or null, not ${JSON.stringify(account)}`,
    },
  ];
}

/**
 * Polls Salesforce Cases that are exceptions (escalated, high priority, violated milestone) with
 * SOQL through jsforce, and answers Account context lookups for enrichment.
 */
export class SalesforceConnector implements Connector<SalesforceCursor> {
  readonly system = SALESFORCE_SYSTEM;
  readonly kind = 'poll' as const;
  readonly configSchema = SALESFORCE_CONFIG_SCHEMA;
  readonly auth: SalesforceAuth;
  private readonly transport: SalesforceTransport;
  private readonly breakers = new Map<string, EndpointBreaker>();
  private readonly accountFields: AccountFields;
  private connection?: Promise<Connection>;

  constructor(private readonly config: SalesforceConnectorConfig) {
    const loginUrl = config.loginUrl ?? SALESFORCE_DEFAULT_LOGIN_URL;
    const hosts = config.allowedHosts?.length
      ? config.allowedHosts
      : [new URL(loginUrl).host, ...(config.instanceUrl ? [new URL(config.instanceUrl).host] : [])];
    const http = rawHttp({
      connector: config.id,
      allowedHosts: hosts,
      timeoutMs: config.timeoutMs,
      maxResponseBytes: config.maxResponseBytes,
    });
    // Refuse a login or instance URL outside the allow-list at once, not on the first poll.
    const allowed = new Set(hosts.map((h) => h.toLowerCase()));
    for (const u of [loginUrl, config.instanceUrl])
      if (u) assertAllowed(config.id, allowed, new URL(u));
    this.auth = new SalesforceAuth(
      {
        connector: config.id,
        loginUrl,
        flow: config.authFlow ?? 'client_credentials',
        clientId: reveal(config.clientId)!,
        clientSecret: reveal(config.clientSecret),
        username: config.username,
        privateKey: reveal(config.privateKey),
        now: config.now,
      },
      http,
    );
    this.transport = new SalesforceTransport(config.id, http, this.auth, config.instanceUrl);
    const fields = { ...SALESFORCE_DEFAULT_ACCOUNT_FIELDS, ...config.accountFields };
    const setting = (k: string) =>
      k === 'externalId'
        ? 'accountExternalIdField'
        : k.startsWith('key:')
          ? `accountKeys.${k.slice(4)}`
          : `accountFields.${k}`;
    const named: Record<string, string> = {
      ...Object.fromEntries(Object.entries(fields).filter(([, f]) => f !== null)),
      ...(config.accountExternalIdField && { externalId: config.accountExternalIdField }),
      ...Object.fromEntries(
        Object.entries(config.accountKeys ?? {}).map(([source, f]) => [`key:${source}`, f]),
      ),
    };
    for (const [k, f] of Object.entries(named)) {
      if (!FIELD_NAME.test(f))
        throw new InvalidPayloadError(
          'ingress',
          `connector '${config.id}': ${setting(k)} "${f}" is not a field API name`,
          [
            {
              pointer: `/${setting(k).replace('.', '/')}`,
              rule: 'pattern',
              message: 'must be a field API name',
            },
          ],
        );
    }
    this.accountFields = fields;
    // The poll ORs caseFilter with `IsClosed = true`, and SOQL refuses a semi-join under OR.
    const unquoted = (config.caseFilter ?? '').replace(/'(?:\\.|[^'\\])*'/g, "''");
    if (/\bIN\s*\(\s*SELECT\b/i.test(unquoted))
      throw new InvalidPayloadError(
        'ingress',
        `connector '${config.id}': caseFilter has a sub-select (IN (SELECT …)), which Salesforce ` +
          'refuses here: the connector ORs caseFilter with IsClosed = true, and semi-joins are not ' +
          "allowed with the 'OR' operator — filter on Case fields instead (for cases with " +
          'milestones, EntitlementId != null; the mapping keeps only the violated ones)',
        [{ pointer: '/caseFilter', rule: 'pattern', message: 'must not contain IN (SELECT …)' }],
      );
  }

  get id(): string {
    return this.config.id;
  }

  breakerState(): ConnectorBreakerState {
    let worst: BreakerState = 'closed';
    for (const b of this.breakers.values()) {
      if (STATE_RANK[b.state] > STATE_RANK[worst]) worst = b.state;
    }
    return worst;
  }

  /**
   * Signs in and runs the connector's own queries once, with LIMIT 1: the Case query with
   * `caseFilter` and the Account fields of `accountFields`, so a filter or a field the org does not
   * have shows in readiness before the first poll.
   */
  async checkConnection(): Promise<ConnectionCheck> {
    const f = this.accountFieldList();
    const external = this.config.accountExternalIdField
      ? `, ${this.config.accountExternalIdField}`
      : '';
    try {
      const cases = await this.call(ENDPOINT_CASES, (conn) =>
        conn.query(
          `SELECT Id, SystemModstamp FROM ${SALESFORCE_CASE_OBJECT} ` +
            `WHERE ${this.caseCondition} ` +
            'ORDER BY SystemModstamp DESC LIMIT 1',
        ),
      );
      this.validate(cases);
      const accounts = await this.call(ENDPOINT_ACCOUNT, (conn) =>
        conn.query(`SELECT Id${f.map((x) => `, ${x}`).join('')}${external} FROM Account LIMIT 1`),
      );
      this.validate(accounts, ['Id']);
      return {
        ok: true,
        detail:
          `SOQL on Case (caseFilter) and Account (${[...f, ...(external ? [external.slice(2)] : [])].join(', ') || 'Id'}) ` +
          `answered at ${this.auth.current()?.instanceUrl ?? '?'} (API v${this.apiVersion})`,
      };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async poll(cursor: SalesforceCursor | undefined): Promise<PollResult<SalesforceCursor>> {
    const c: SalesforceCursor = cursor ? { ...cursor } : { v: 1 };
    let page: QueryPage;
    if (c.next) {
      const next = c.next;
      try {
        page = this.validate(await this.call(ENDPOINT_CASES, (conn) => conn.queryMore(next)));
      } catch (err) {
        // An expired or unknown query locator: start over from the keyset position.
        if (!(err instanceof HubError) || !/INVALID_QUERY_LOCATOR|HTTP 404/.test(err.message))
          throw err;
        page = await this.firstPage(c);
      }
    } else {
      page = await this.firstPage(c);
    }
    const events: PolledEvent[] = page.records.map((r) => ({
      objectType: SALESFORCE_CASE_OBJECT,
      payload: r,
      sourceEventId: `Case/${String(r.Id)}@${String(r.SystemModstamp)}`,
      changedAt: new Date(Date.parse(soqlDateTime(String(r.SystemModstamp)))).toISOString(),
    }));
    const { last, rejected } = page;
    if (last) {
      c.watermark = String(last.SystemModstamp);
      c.lastId = String(last.Id);
    }
    if (!page.done && page.nextRecordsUrl) {
      // jsforce hands it back absolute; the cursor keeps the path, whichever host answers next.
      c.next = page.nextRecordsUrl.replace(/^https?:\/\/[^/]+/, '');
      return { events, rejected, nextCursor: c, hasMore: true };
    }
    delete c.next;
    return { events, rejected, nextCursor: c, hasMore: false };
  }

  /** `lookup({type: 'account', id})` → the account's context, or null when there is none. */
  async lookup(ref: {
    type: string;
    id: string;
    source?: string;
  }): Promise<SalesforceAccountContext | null> {
    if (ref.type !== 'account') {
      throw new NotFoundError(
        'enrich',
        `connector '${this.id}': lookup type '${ref.type}' is not supported (only 'account')`,
      );
    }
    // The key of the asking source's system when one is configured, else the one external key.
    const external =
      (ref.source !== undefined ? this.config.accountKeys?.[ref.source] : undefined) ??
      this.config.accountExternalIdField;
    const byId = ACCOUNT_ID.test(ref.id);
    if (!byId && (!external || ref.id === '' || ref.id.length > MAX_EXTERNAL_ID_LENGTH)) {
      throw new InvalidPayloadError(
        'enrich',
        `connector '${this.id}': '${ref.id.slice(0, MAX_EXTERNAL_ID_LENGTH)}' is not a Salesforce ` +
          'Account Id' +
          (external
            ? ''
            : ` — set accountKeys.${ref.source ?? '<source>'} (or accountExternalIdField) to look accounts up by another key`),
        [
          {
            pointer: '/id',
            rule: 'pattern',
            message: 'must be an Account Id (001…, 15 or 18 characters)',
          },
        ],
      );
    }
    const f = this.accountFields;
    const soql =
      `SELECT Id, Name${this.accountFieldList()
        .map((x) => `, ${x}`)
        .join('')}, Owner.Name, ` +
      `(SELECT Id FROM Cases WHERE ${OPEN_ESCALATED_CASES}) FROM Account ` +
      `WHERE ${byId ? 'Id' : external} = ${soqlString(ref.id)} LIMIT 1`;
    const page = this.validate(await this.call(ENDPOINT_ACCOUNT, (conn) => conn.query(soql)), [
      'Id',
    ]);
    const a = page.records[0];
    if (!a) return null;
    const ctx: SalesforceAccountContext = { id: String(a.Id), openEscalations: 0 };
    if (typeof a.Name === 'string' && a.Name) ctx.name = a.Name;
    const tier = f.tier === null ? undefined : a[f.tier];
    if (typeof tier === 'string' && tier)
      ctx.accountTier = tier
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_');
    const arr = f.arr === null ? undefined : a[f.arr];
    if (typeof arr === 'number' && Number.isFinite(arr)) ctx.arr = arr.toFixed(2);
    else if (typeof arr === 'string' && /^-?\d+(\.\d+)?$/.test(arr)) ctx.arr = arr;
    const renewal = f.renewalDate === null ? undefined : a[f.renewalDate];
    if (typeof renewal === 'string' && /^\d{4}-\d{2}-\d{2}/.test(renewal))
      ctx.renewalDate = renewal.slice(0, 10);
    const owner = (a.Owner as { Name?: unknown } | null | undefined)?.Name;
    if (typeof owner === 'string' && owner) ctx.owner = owner;
    const cases = a.Cases as { totalSize?: unknown } | null | undefined;
    ctx.openEscalations = typeof cases?.totalSize === 'number' ? cases.totalSize : 0;
    return ctx;
  }

  async close(): Promise<void> {
    for (const b of this.breakers.values()) b.shutdown();
  }

  private get caseFilter(): string {
    return this.config.caseFilter ?? SALESFORCE_DEFAULT_CASE_FILTER;
  }

  /** The cases read: the exceptions, and closed ones too (salesforce.case-ended resolves them). */
  private get caseCondition(): string {
    return `(${this.caseFilter} OR IsClosed = true)`;
  }

  /** The Account fields the org has (those not set to null in accountFields). */
  private accountFieldList(): string[] {
    const f = this.accountFields;
    return [f.tier, f.arr, f.renewalDate].filter((x): x is string => x !== null);
  }

  private get apiVersion(): string {
    return this.config.apiVersion ?? SALESFORCE_DEFAULT_API_VERSION;
  }

  private caseSoql(c: SalesforceCursor): string {
    const account = this.accountFieldList()
      .map((x) => `Account.${x}, `)
      .join('');
    const after = c.watermark
      ? `(SystemModstamp > ${soqlDateTime(c.watermark)} OR (SystemModstamp = ` +
        `${soqlDateTime(c.watermark)} AND Id > ${soqlString(c.lastId ?? '')}))`
      : `SystemModstamp >= ${soqlDateTime(new Date(this.startMs()).toISOString())}`;
    return (
      'SELECT Id, CaseNumber, Subject, Description, Status, Priority, Origin, Type, Reason, ' +
      'IsEscalated, IsClosed, CreatedDate, ClosedDate, SystemModstamp, AccountId, ' +
      `Account.Name, ${account}` +
      'Account.Owner.Name, Owner.Name, ' +
      '(SELECT Id, MilestoneType.Name, TargetDate, IsViolated, IsCompleted FROM CaseMilestones ' +
      'WHERE IsCompleted = false ORDER BY TargetDate) ' +
      `FROM Case WHERE ${after} AND ${this.caseCondition} ` +
      'ORDER BY SystemModstamp, Id'
    );
  }

  private async firstPage(c: SalesforceCursor): Promise<QueryPage> {
    const soql = this.caseSoql(c);
    const batch = this.config.pageSize ?? SALESFORCE_DEFAULT_PAGE_SIZE;
    return this.validate(
      await this.call(ENDPOINT_CASES, (conn) =>
        conn.query(soql, { headers: { 'Sforce-Query-Options': `batchSize=${batch}` } }),
      ),
    );
  }

  /** One jsforce call through the endpoint's breaker and the retry policy. */
  private call<T>(endpoint: string, fn: (conn: Connection) => PromiseLike<T>): Promise<T> {
    return this.breaker(endpoint).fire(() =>
      withRetry(async () => {
        const conn = await this.conn();
        try {
          return await fn(conn);
        } catch (err) {
          if (err instanceof HubError) throw err;
          // jsforce itself choked on the answer (e.g. `records` missing).
          throw new InvalidPayloadError(
            'parse',
            `connector '${this.id}' ${endpoint}: jsforce could not read the answer (${(err as Error).message})`,
            [{ pointer: '', rule: 'query_result', message: (err as Error).message }],
            { cause: err },
          );
        }
      }, this.config.retry),
    );
  }

  private breaker(endpoint: string): EndpointBreaker {
    let b = this.breakers.get(endpoint);
    if (!b) {
      b = new EndpointBreaker(this.id, endpoint, this.config.breaker, this.config.metrics);
      this.breakers.set(endpoint, b);
    }
    return b;
  }

  private conn(): Promise<Connection> {
    this.connection ??= (async () => {
      const { Connection } = await loadJsforce();
      const session = await this.auth.get();
      const conn = new Connection({
        instanceUrl: this.config.instanceUrl ?? session.instanceUrl,
        accessToken: session.accessToken,
        version: this.apiVersion,
      });
      // Every REST call jsforce makes goes through our transport (auth, allow-list, limits).
      (conn as unknown as { _transport: unknown })._transport = this.transport;
      return conn;
    })().catch((err: unknown) => {
      this.connection = undefined;
      throw err;
    });
    return this.connection;
  }

  /**
   * A query result as Salesforce documents it, or INVALID_PAYLOAD with JSON pointers. A Case
   * record that fails its checks is set aside alone (`rejected`); for any other query (`required`
   * given: Account lookups) one bad record refuses the answer.
   */
  private validate(body: unknown, required?: string[]): QueryPage {
    const b = body as Partial<QueryPage> | null;
    if (!b || typeof b !== 'object' || !Array.isArray(b.records)) {
      throw this.invalid([
        { pointer: '/records', rule: 'required', message: 'must be an array of records' },
      ]);
    }
    if (b.nextRecordsUrl !== undefined && typeof b.nextRecordsUrl !== 'string')
      throw this.invalid([
        { pointer: '/nextRecordsUrl', rule: 'type', message: 'must be a string' },
      ]);
    const keys = required ?? ['Id', 'SystemModstamp'];
    const { valid, rejected, placed } = screenRecords(
      b.records,
      SALESFORCE_CASE_OBJECT,
      '/records',
      required ? () => [] : caseIssues,
      (r) => keyIssues(r, keys),
    );
    if (required && rejected.length) {
      throw this.invalid(
        rejected.flatMap((r) => r.issues.map((i) => ({ ...i, pointer: r.pointer + i.pointer }))),
      );
    }
    return {
      done: b.done !== false,
      nextRecordsUrl: b.nextRecordsUrl,
      records: valid.map((v) => v.record),
      rejected,
      last: placed.at(-1),
    };
  }

  private invalid(issues: Issue[]): InvalidPayloadError {
    return new InvalidPayloadError(
      'parse',
      `connector '${this.id}': Salesforce returned an invalid query result: ${issues[0].pointer} ${issues[0].message}`,
      issues,
    );
  }

  private startMs(): number {
    if (this.config.startFrom) return Date.parse(`${this.config.startFrom}T00:00:00Z`);
    const now = (this.config.now ?? Date.now)();
    return (
      Math.floor(now / MS_PER_DAY) * MS_PER_DAY - SALESFORCE_DEFAULT_LOOKBACK_DAYS * MS_PER_DAY
    );
  }
}

/** Builds the connector from an instance's resolved `settings` (see salesforce.config.schema.json). */
export function salesforceFromSettings(
  id: string,
  s: Record<string, unknown>,
  metrics?: BreakerMetrics,
): SalesforceConnector {
  const str = (k: string): string | undefined =>
    typeof s[k] === 'string' ? (s[k] as string) : undefined;
  return new SalesforceConnector({
    ...pollSettings(id, s, metrics),
    loginUrl: str('loginUrl'),
    instanceUrl: str('instanceUrl'),
    apiVersion: str('apiVersion'),
    authFlow: str('authFlow') as SalesforceAuthFlow | undefined,
    clientId: s.clientId as SecretLike,
    clientSecret: s.clientSecret as SecretLike | undefined,
    username: str('username'),
    privateKey: s.privateKey as SecretLike | undefined,
    caseFilter: str('caseFilter'),
    accountFields: s.accountFields as SalesforceConnectorConfig['accountFields'],
    accountExternalIdField: str('accountExternalIdField'),
    accountKeys: s.accountKeys as SalesforceConnectorConfig['accountKeys'],
  });
}
