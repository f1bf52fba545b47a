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
import { InvalidPayloadError, NotFoundError, type Issue } from '@exhub/core';
import { basicAuth, OAuth2ClientCredentials, type AuthProvider } from '@exhub/resilience';
import type { BreakerMetrics } from '@exhub/resilience';
import { httpClientFromSettings, type ResilientHttpClient } from '@exhub/resilience';
import configSchema from './servicenow.config.schema.json';
import {
  NAME_FIELD,
  NAME_IDS_PER_REQUEST,
  NAMED_REFERENCES,
  COMPANY_TABLE,
  DISPLAY_VALUE,
  GLIDE_DATE_TIME,
  INCIDENT_OBJECT_TYPE,
  INCIDENT_TABLE,
  MS_PER_DAY,
  OAUTH_TOKEN_PATH,
  SERVICENOW_DEFAULT_LOOKBACK_DAYS,
  SERVICENOW_DEFAULT_PAGE_SIZE,
  SERVICENOW_SYSTEM,
  SYS_ID,
  TABLE_API_PATH,
  TASK_SLA_PAYLOAD_KEY,
  TASK_SLA_TABLE,
  USER_TABLE,
} from './servicenow.constants';
import { pollSettings, type PollConnectorOptions } from '@exhub/connector-sdk';
import type { RevealableSecret } from '@exhub/connector-sdk';

export const SERVICENOW_CONFIG_SCHEMA = configSchema as unknown as ConfigSchema;

/** A resolved secret as libs/config hands it over: the SDK's one secret type. */
export type { RevealableSecret };
type SecretValue = string | RevealableSecret;

export type ServiceNowAuth =
  | { kind: 'basic'; username: SecretValue; password: SecretValue }
  | { kind: 'oauth'; clientId: SecretValue; clientSecret: SecretValue; tokenUrl?: string };

export interface ServiceNowConnectorConfig extends PollConnectorOptions {
  instanceUrl: string;
  auth: ServiceNowAuth;
  /** Extra encoded query ANDed to the incident poll. */
  query?: string;
  fetchTaskSla?: boolean;
  /**
   * Also read the name of the CI, business service and assignment group each incident references
   * (one request per page on cmdb_ci, one on sys_user_group) and publish it as the reference's
   * `display_value`, as `sysparm_display_value=all` would show it, so lookups keyed by name find it.
   */
  fetchReferenceNames?: boolean;
  /** `YYYY-MM-DD` or `YYYY-MM-DD HH:mm:ss` (UTC); default 30 days before the first poll. */
  startFrom?: string;
}

/**
 * The checkpoint: the greatest `sys_updated_on` read (UTC, as ServiceNow writes it) and the
 * sys_ids read at exactly that second. The next query is `sys_updated_on>=watermark` and
 * (`sys_updated_on>watermark` or not one of those ids): an incident updated later in the same
 * second is still read, one of them updated again later is read again, and a page never repeats.
 */
export interface ServiceNowCursor {
  v: 1;
  watermark: string;
  seenAtWatermark: string[];
}

interface IncidentKeys {
  sys_id: string;
  sys_updated_on: string;
  number?: string;
}

/** A value that can stand in an encoded query's `NOT IN` list (no separators). */
const QUERY_SAFE = /^[A-Za-z0-9_.-]{1,64}$/;

const reveal = (s: SecretValue): string => (typeof s === 'string' ? s : s.reveal());
/** `2015-11-01 22:37:27` (UTC) → ISO 8601. */
export const glideToIso = (s: string): string => `${s.replace(' ', 'T')}.000Z`;
const toGlide = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** The sys_id of a reference field: `{link, value}` with display values off, a string otherwise. */
export function referenceValue(field: unknown): string | undefined {
  if (typeof field === 'string') return field === '' ? undefined : field;
  if (
    field &&
    typeof field === 'object' &&
    typeof (field as { value?: unknown }).value === 'string'
  ) {
    const v = (field as { value: string }).value;
    return v === '' ? undefined : v;
  }
  return undefined;
}

const SYS_ID_FIELD = 'sys_id';

/**
 * The incident with each CI / business service / assignment group reference whose name is known
 * written as `{link, value, display_value}` (the shape `sysparm_display_value=all` gives a reference).
 */
function withReferenceNames(
  row: Record<string, unknown>,
  names: Map<string, string>,
): Record<string, unknown> {
  const out = { ...row };
  for (const [f, table] of Object.entries(NAMED_REFERENCES)) {
    const ref = row[f];
    const id = referenceValue(ref);
    const name = id === undefined ? undefined : names.get(`${table}/${id}`);
    if (name === undefined || !ref || typeof ref !== 'object') continue;
    out[f] = { ...(ref as Record<string, unknown>), display_value: name };
  }
  return out;
}

/** Polls ServiceNow incidents (Table API) on sys_updated_on, with their task_sla rows if asked. */
export class ServiceNowConnector implements Connector<ServiceNowCursor> {
  readonly system = SERVICENOW_SYSTEM;
  readonly kind = 'poll' as const;
  readonly configSchema = SERVICENOW_CONFIG_SCHEMA;
  readonly client: ResilientHttpClient;
  private readonly pageSize: number;

  constructor(private readonly config: ServiceNowConnectorConfig) {
    this.pageSize = config.pageSize ?? SERVICENOW_DEFAULT_PAGE_SIZE;
    const root = config.instanceUrl.replace(/\/+$/, '');
    this.client = httpClientFromSettings(
      config,
      `${root}${TABLE_API_PATH}`,
      authProvider(config.auth, root, config.timeoutMs),
    );
  }

  get id(): string {
    return this.config.id;
  }

  breakerState(): ConnectorBreakerState {
    return this.client.breakerState;
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      const res = await this.client.getJson<{ result?: unknown }>(
        INCIDENT_TABLE,
        `/${INCIDENT_TABLE}`,
        { sysparm_limit: 1, sysparm_fields: 'sys_id', sysparm_display_value: DISPLAY_VALUE },
      );
      if (!Array.isArray(res.data?.result)) {
        return { ok: false, detail: `${INCIDENT_TABLE} did not answer a Table API {"result":[…]}` };
      }
      return {
        ok: true,
        detail: `Table API ${INCIDENT_TABLE} answered (${this.config.auth.kind} auth)`,
      };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async poll(cursor: ServiceNowCursor | undefined): Promise<PollResult<ServiceNowCursor>> {
    const c: ServiceNowCursor = cursor
      ? structuredClone(cursor)
      : { v: 1, watermark: this.start(), seenAtWatermark: [] };
    const clauses = [`sys_updated_on>=${c.watermark}`];
    if (c.seenAtWatermark.length) {
      // (updated later) OR (not read yet): `^OR` binds to the condition before it.
      clauses.push(`sys_updated_on>${c.watermark}^ORsys_idNOT IN${c.seenAtWatermark.join(',')}`);
    }
    if (this.config.query) clauses.push(this.config.query);
    const res = await this.client.getJson(INCIDENT_TABLE, `/${INCIDENT_TABLE}`, {
      sysparm_query: `${clauses.join('^')}^ORDERBYsys_updated_on^ORDERBYsys_id`,
      sysparm_limit: this.pageSize,
      sysparm_display_value: DISPLAY_VALUE,
      sysparm_exclude_reference_link: 'false',
    });
    const { rows, rejected } = this.screen(res.data);
    const slas = this.config.fetchTaskSla && rows.length ? await this.taskSlas(rows) : undefined;
    const names =
      this.config.fetchReferenceNames && rows.length ? await this.referenceNames(rows) : undefined;
    const events: PolledEvent[] = rows.map((row) => {
      const k = row as unknown as IncidentKeys;
      this.advance(c, k.sys_updated_on, k.sys_id);
      const named = names ? withReferenceNames(row, names) : row;
      const payload = slas ? { ...named, [TASK_SLA_PAYLOAD_KEY]: slas.get(k.sys_id) ?? [] } : named;
      return {
        objectType: INCIDENT_OBJECT_TYPE,
        payload,
        sourceEventId: `${INCIDENT_TABLE}/${k.sys_id}@${k.sys_updated_on}`,
        changedAt: glideToIso(k.sys_updated_on),
      };
    });
    // A record set aside still moves the watermark when its update time is readable, so it is
    // not read again; its (invalid) sys_id is excluded at that second when the query can say so.
    for (const r of rejected) {
      const k = r.record as Partial<Record<keyof IncidentKeys, unknown>>;
      if (typeof k.sys_updated_on === 'string' && GLIDE_DATE_TIME.test(k.sys_updated_on)) {
        this.advance(
          c,
          k.sys_updated_on,
          typeof k.sys_id === 'string' && QUERY_SAFE.test(k.sys_id) ? k.sys_id : undefined,
        );
      }
    }
    const read = rows.length + rejected.length;
    return { events, rejected, nextCursor: c, hasMore: read >= this.pageSize };
  }

  /** Moves the watermark to `updatedOn` (records at that second are remembered by sys_id). */
  private advance(c: ServiceNowCursor, updatedOn: string, sysId: string | undefined): void {
    if (updatedOn < c.watermark) return;
    if (updatedOn > c.watermark) {
      c.watermark = updatedOn;
      c.seenAtWatermark = [];
    }
    if (sysId !== undefined) c.seenAtWatermark.push(sysId);
  }

  /** `company` / `core_company` and `user` / `sys_user` records by sys_id, for enrichment. */
  async lookup(ref: { type: string; id: string }): Promise<unknown> {
    const table =
      ref.type === 'company' || ref.type === COMPANY_TABLE
        ? COMPANY_TABLE
        : ref.type === 'user' || ref.type === USER_TABLE
          ? USER_TABLE
          : undefined;
    if (!table) {
      throw new NotFoundError(
        'enrich',
        `connector '${this.id}': lookup type "${ref.type}" is not one of company, core_company, user, sys_user`,
      );
    }
    if (!SYS_ID.test(ref.id)) {
      throw new NotFoundError('enrich', `connector '${this.id}': "${ref.id}" is not a sys_id`);
    }
    const res = await this.client.getJson<{ result?: unknown }>(table, `/${table}/${ref.id}`, {
      sysparm_display_value: DISPLAY_VALUE,
    });
    const record = res.data?.result;
    if (!record || typeof record !== 'object' || Array.isArray(record)) {
      throw new InvalidPayloadError(
        'parse',
        `connector '${this.id}': ${table}/${ref.id} has no result object`,
        [{ pointer: '/result', rule: 'type', message: 'must be a record object' }],
      );
    }
    return record;
  }

  async close(): Promise<void> {
    this.client.shutdown();
  }

  /** The task_sla rows of a page of incidents, by incident sys_id (one request). */
  private async taskSlas(rows: Record<string, unknown>[]): Promise<Map<string, unknown[]>> {
    const ids = rows.map((r) => r.sys_id as string);
    const res = await this.client.getJson(TASK_SLA_TABLE, `/${TASK_SLA_TABLE}`, {
      sysparm_query: `taskIN${ids.join(',')}^ORDERBYplanned_end_time`,
      sysparm_display_value: DISPLAY_VALUE,
    });
    const byTask = new Map<string, unknown[]>();
    this.collection(res.data, TASK_SLA_TABLE).forEach((sla: unknown, n) => {
      const task = referenceValue((sla as Record<string, unknown> | null)?.task);
      if (!task) {
        throw new InvalidPayloadError(
          'parse',
          `connector '${this.id}': ${TASK_SLA_TABLE} row ${n} has no task reference`,
          [
            {
              pointer: `/result/${n}/task`,
              rule: 'required',
              message: 'must reference the incident',
            },
          ],
        );
      }
      byTask.set(task, [...(byTask.get(task) ?? []), sla]);
    });
    return byTask;
  }

  /**
   * The names of the CIs, business services and assignment groups a page of incidents references,
   * by `<table>/<sys_id>` (one request per table: cmdb_ci, which every CI class extends, and
   * sys_user_group). A record the instance does not return (deleted, or hidden by a read ACL) has
   * no name: its reference keeps only its sys_id.
   */
  private async referenceNames(rows: Record<string, unknown>[]): Promise<Map<string, string>> {
    const idsByTable = new Map<string, Set<string>>();
    for (const r of rows) {
      for (const [f, table] of Object.entries(NAMED_REFERENCES)) {
        const id = referenceValue(r[f]);
        if (id === undefined || !SYS_ID.test(id)) continue;
        idsByTable.set(table, (idsByTable.get(table) ?? new Set()).add(id));
      }
    }
    const names = new Map<string, string>();
    for (const [table, idSet] of idsByTable) {
      const ids = [...idSet];
      // A page references few distinct records; chunks keep the URL short when it does not.
      for (let at = 0; at < ids.length; at += NAME_IDS_PER_REQUEST) {
        const chunk = ids.slice(at, at + NAME_IDS_PER_REQUEST);
        const res = await this.client.getJson(table, `/${table}`, {
          sysparm_query: `sys_idIN${chunk.join(',')}`,
          sysparm_fields: `${SYS_ID_FIELD},${NAME_FIELD}`,
          sysparm_limit: chunk.length,
          sysparm_display_value: DISPLAY_VALUE,
        });
        for (const rec of this.collection(res.data, table) as (Record<string, unknown> | null)[]) {
          const id = rec?.[SYS_ID_FIELD];
          const name = rec?.[NAME_FIELD];
          if (typeof id === 'string' && typeof name === 'string' && name.trim() !== '') {
            names.set(`${table}/${id}`, name);
          }
        }
      }
    }
    return names;
  }

  /** A Table API answer's `result` array; any other envelope refuses the whole answer. */
  private collection(data: unknown, table: string): unknown[] {
    const result = (data as { result?: unknown } | null)?.result;
    if (!Array.isArray(result)) {
      throw new InvalidPayloadError(
        'parse',
        `connector '${this.id}': ${table} response is not a Table API collection {"result":[…]}`,
        [{ pointer: '/result', rule: 'required', message: `must be an array of ${table} records` }],
      );
    }
    return result;
  }

  /**
   * The incident page: a broken envelope refuses the page; a record without a valid sys_id or
   * sys_updated_on (a placeholder id, display values instead of raw ones) is set aside alone.
   */
  private screen(data: unknown): { rows: Record<string, unknown>[]; rejected: RejectedRecord[] } {
    const result = this.collection(data, INCIDENT_TABLE);
    const { valid, rejected } = screenRecords(result, INCIDENT_OBJECT_TYPE, '/result', (r) => {
      const issues: Issue[] = [];
      if (typeof r.sys_id !== 'string' || !SYS_ID.test(r.sys_id)) {
        issues.push({ pointer: '/sys_id', rule: 'pattern', message: 'must be a 32-hex sys_id' });
      }
      if (typeof r.sys_updated_on !== 'string' || !GLIDE_DATE_TIME.test(r.sys_updated_on)) {
        issues.push({
          pointer: '/sys_updated_on',
          rule: 'format',
          message:
            'must be a UTC date-time like 2015-11-01 22:37:27 (is sysparm_display_value true?)',
        });
      }
      return issues;
    });
    return { rows: valid.map((v) => v.record), rejected };
  }

  private start(): string {
    const s = this.config.startFrom;
    if (s) return s.length === 10 ? `${s} 00:00:00` : s;
    const now = (this.config.now ?? Date.now)();
    return toGlide(
      Math.floor(now / MS_PER_DAY) * MS_PER_DAY - SERVICENOW_DEFAULT_LOOKBACK_DAYS * MS_PER_DAY,
    );
  }
}

function authProvider(auth: ServiceNowAuth, root: string, timeoutMs?: number): AuthProvider {
  if (auth.kind === 'basic') return basicAuth(reveal(auth.username), reveal(auth.password));
  return new OAuth2ClientCredentials({
    tokenUrl: auth.tokenUrl ?? `${root}${OAUTH_TOKEN_PATH}`,
    clientId: reveal(auth.clientId),
    clientSecret: reveal(auth.clientSecret),
    timeoutMs,
  });
}

/** Builds the connector from an instance's resolved `settings` (see servicenow.config.schema.json). */
export function serviceNowFromSettings(
  id: string,
  s: Record<string, unknown>,
  metrics?: BreakerMetrics,
): ServiceNowConnector {
  const need = (k: string): SecretValue => {
    const v = s[k];
    if (v === undefined || v === '') {
      throw new Error(
        `connector '${id}': settings.${k} is required when auth is "${String(s.auth)}"`,
      );
    }
    return v as SecretValue;
  };
  let auth: ServiceNowAuth;
  if (s.auth === 'basic')
    auth = { kind: 'basic', username: need('username'), password: need('password') };
  else if (s.auth === 'oauth') {
    auth = {
      kind: 'oauth',
      clientId: need('clientId'),
      clientSecret: need('clientSecret'),
      tokenUrl: s.tokenUrl as string | undefined,
    };
  } else {
    throw new Error(
      `connector '${id}': settings.auth must be "basic" or "oauth", not ${JSON.stringify(s.auth)}`,
    );
  }
  return new ServiceNowConnector({
    ...pollSettings(id, s, metrics),
    instanceUrl: String(s.instanceUrl),
    auth,
    query: s.query as string | undefined,
    fetchTaskSla: s.fetchTaskSla === true,
    fetchReferenceNames: s.fetchReferenceNames === true,
  });
}
