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
import { basicAuth, type AuthProvider } from '@exhub/resilience';
import type { BreakerMetrics } from '@exhub/resilience';
import { httpClientFromSettings, type ResilientHttpClient } from '@exhub/resilience';
import configSchema from './zendesk-export.config.schema.json';
import {
  EXPORT_ENDPOINT,
  EXPORT_PATH,
  METRIC_EVENTS_ENDPOINT,
  METRIC_EVENTS_PAGE_SIZE,
  METRIC_EVENTS_PATH,
  MS_PER_SECOND,
  ORGANIZATIONS_ENDPOINT,
  SECONDS_PER_DAY,
  ZENDESK_API_PATH,
  ZENDESK_DEFAULT_LOOKBACK_DAYS,
  ZENDESK_DEFAULT_PAGE_SIZE,
  ZENDESK_SYSTEM,
  ZENDESK_TICKET_OBJECT_TYPE,
  ZENDESK_TICKET_SLA_OBJECT_TYPE,
} from './zendesk.constants';
import { slaRecords, type ZendeskMetricEvent } from './sla-events';
import { pollSettings, type PollConnectorOptions } from '@exhub/connector-sdk';
import type { RevealableSecret } from '@exhub/connector-sdk';

export const ZENDESK_EXPORT_CONFIG_SCHEMA = configSchema as unknown as ConfigSchema;

/** A resolved secret as libs/config hands it over: the SDK's one secret type. */
export type { RevealableSecret };
type SecretValue = string | RevealableSecret;

export type ZendeskAuth =
  /** API token: basic authentication as `{email}/token:{token}`. */
  | { kind: 'token'; email: SecretValue; apiToken: SecretValue }
  /** An OAuth access token (read scope), sent as a bearer token. */
  | { kind: 'oauth'; accessToken: SecretValue };

export interface ZendeskExportConfig extends PollConnectorOptions {
  /** `https://<subdomain>.zendesk.com` */
  instanceUrl: string;
  auth: ZendeskAuth;
  /** `YYYY-MM-DD` (UTC) the first export starts from; default 30 days back. */
  startFrom?: string;
  /**
   * Also read SLA metric events (GET /api/v2/incremental/ticket_metric_events): each ticket's
   * apply_sla / breach / fulfill become a `ticket_sla` record (sla-events.ts).
   */
  slaEvents?: boolean;
}

/**
 * The checkpoint: Zendesk's own `after_cursor` once there is one (it stays valid after
 * `end_of_stream`, and the next poll asks it for what changed since), else the `start_time`.
 */
export interface ZendeskExportCursor {
  v: 1;
  startTime: number;
  afterCursor?: string;
  /** Where the metric event export goes on (its `end_time`), when `slaEvents` is on. */
  slaStartTime?: number;
}

const reveal = (s: SecretValue): string => (typeof s === 'string' ? s : s.reveal());

function authProvider(auth: ZendeskAuth): AuthProvider {
  if (auth.kind === 'token') return basicAuth(`${reveal(auth.email)}/token`, reveal(auth.apiToken));
  const header = `Bearer ${reveal(auth.accessToken)}`;
  return { headers: async () => ({ authorization: header }) };
}

/**
 * Catches up on Zendesk tickets through the cursor-based Incremental Ticket Export
 * (`GET /api/v2/incremental/tickets/cursor.json`): every ticket created or changed since the
 * cursor, oldest change first. Runs beside the webhook connector (registry type `zendesk-export`),
 * so a ticket whose webhook was lost (hub down, Zendesk gave up retrying) still arrives.
 */
export class ZendeskExportConnector implements Connector<ZendeskExportCursor> {
  readonly system = ZENDESK_SYSTEM;
  readonly kind = 'poll' as const;
  readonly configSchema = ZENDESK_EXPORT_CONFIG_SCHEMA;
  readonly client: ResilientHttpClient;
  private readonly pageSize: number;

  constructor(private readonly config: ZendeskExportConfig) {
    this.pageSize = config.pageSize ?? ZENDESK_DEFAULT_PAGE_SIZE;
    this.client = httpClientFromSettings(
      config,
      `${config.instanceUrl.replace(/\/+$/, '')}${ZENDESK_API_PATH}`,
      authProvider(config.auth),
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
      // A start_time in the future costs nothing and proves the token may export tickets.
      const res = await this.client.getJson<{ tickets?: unknown }>(EXPORT_ENDPOINT, EXPORT_PATH, {
        start_time: Math.floor(this.now() / MS_PER_SECOND),
        per_page: 1,
      });
      if (!Array.isArray(res.data?.tickets)) {
        return { ok: false, detail: `${EXPORT_PATH} did not answer {"tickets":[…]}` };
      }
      return {
        ok: true,
        detail: `incremental ticket export answered (${this.config.auth.kind} auth)`,
      };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async poll(cursor: ZendeskExportCursor | undefined): Promise<PollResult<ZendeskExportCursor>> {
    const c: ZendeskExportCursor = cursor ? { ...cursor } : { v: 1, startTime: this.start() };
    const res = await this.client.getJson(
      EXPORT_ENDPOINT,
      EXPORT_PATH,
      c.afterCursor
        ? { cursor: c.afterCursor, per_page: this.pageSize }
        : { start_time: c.startTime, per_page: this.pageSize },
    );
    const page = this.validate(res.data);
    const events: PolledEvent[] = page.tickets.map((t) => ({
      objectType: ZENDESK_TICKET_OBJECT_TYPE,
      payload: t,
      sourceEventId: `ticket/${t.id}@${t.updated_at}`,
      changedAt: new Date(Date.parse(t.updated_at)).toISOString(),
    }));
    if (page.after_cursor) c.afterCursor = page.after_cursor;
    let hasMore = !page.end_of_stream;
    if (this.config.slaEvents) {
      const sla = await this.pollSla(c);
      events.push(...sla.events);
      page.rejected.push(...sla.rejected);
      hasMore ||= sla.hasMore;
    }
    return { events, rejected: page.rejected, nextCursor: c, hasMore };
  }

  /**
   * One page of the metric event export from the cursor's `slaStartTime`: the SLA events of its
   * tickets folded into one `ticket_sla` record each. The export goes on from its `end_time`.
   */
  private async pollSla(
    c: ZendeskExportCursor,
  ): Promise<{ events: PolledEvent[]; rejected: RejectedRecord[]; hasMore: boolean }> {
    const start = c.slaStartTime ?? c.startTime;
    const res = await this.client.getJson(METRIC_EVENTS_ENDPOINT, METRIC_EVENTS_PATH, {
      start_time: start,
    });
    const body = (res.data ?? {}) as Record<string, unknown>;
    if (!Array.isArray(body.ticket_metric_events) || typeof body.end_time !== 'number') {
      const pointer = Array.isArray(body.ticket_metric_events)
        ? '/end_time'
        : '/ticket_metric_events';
      throw new InvalidPayloadError(
        'parse',
        `connector '${this.id}': ${METRIC_EVENTS_PATH} returned an invalid field: ${pointer} ${pointer === '/end_time' ? 'must be a number (seconds)' : 'must be an array of metric events'}`,
        [{ pointer, rule: pointer === '/end_time' ? 'type' : 'required', message: 'invalid' }],
      );
    }
    const { valid, rejected } = screenRecords(
      body.ticket_metric_events as unknown[],
      ZENDESK_TICKET_SLA_OBJECT_TYPE,
      '/ticket_metric_events',
      (e) => {
        const found: Issue[] = [];
        if (!Number.isSafeInteger(e.ticket_id))
          found.push({
            pointer: '/ticket_id',
            rule: 'type',
            message: 'must be an integer ticket id',
          });
        if (typeof e.type !== 'string' || typeof e.metric !== 'string')
          found.push({
            pointer: '/type',
            rule: 'required',
            message: 'type and metric must be strings',
          });
        if (typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time)))
          found.push({
            pointer: '/time',
            rule: 'format',
            message: 'must be an ISO 8601 date-time',
          });
        return found;
      },
    );
    const records = slaRecords(valid.map((v) => v.record as unknown as ZendeskMetricEvent));
    const events: PolledEvent[] = records.map((r) => ({
      objectType: ZENDESK_TICKET_SLA_OBJECT_TYPE,
      payload: r,
      sourceEventId: `ticket_sla/${r.ticket_id}@${r.last_event_id}`,
      changedAt: new Date(Date.parse(r.last_event_at)).toISOString(),
    }));
    const end = body.end_time;
    const full = (body.ticket_metric_events as unknown[]).length >= METRIC_EVENTS_PAGE_SIZE;
    // Zendesk's end_time is where the next page starts; a page that moved nowhere is the end.
    c.slaStartTime = Math.max(end, start);
    return { events, rejected, hasMore: full && end > start };
  }

  /** An organization by id (`GET /api/v2/organizations/{id}.json`), for enrichment. */
  async lookup(ref: { type: string; id: string }): Promise<unknown> {
    if (ref.type !== 'organization' || !/^\d+$/.test(ref.id)) {
      throw new NotFoundError(
        'enrich',
        `connector '${this.id}': can look up { type: "organization", id: <numeric id> }, not ${JSON.stringify(ref)}`,
      );
    }
    const res = await this.client.getJson<{ organization?: unknown }>(
      ORGANIZATIONS_ENDPOINT,
      `/organizations/${ref.id}.json`,
    );
    if (!res.data?.organization || typeof res.data.organization !== 'object') {
      throw new InvalidPayloadError(
        'parse',
        `connector '${this.id}': organizations/${ref.id}.json has no organization`,
        [{ pointer: '/organization', rule: 'required', message: 'must be an Organization object' }],
      );
    }
    return res.data.organization;
  }

  async close(): Promise<void> {
    this.client.shutdown();
  }

  /**
   * An export page: a broken envelope refuses the page; a ticket without an integer id or a
   * readable updated_at is set aside alone (the page's after_cursor moves past it either way).
   */
  private validate(data: unknown): {
    tickets: { id: number; updated_at: string }[];
    rejected: RejectedRecord[];
    after_cursor?: string;
    end_of_stream: boolean;
  } {
    const body = (data ?? {}) as Record<string, unknown>;
    const issues: Issue[] = [];
    if (!Array.isArray(body.tickets)) {
      issues.push({
        pointer: '/tickets',
        rule: 'required',
        message: 'must be an array of tickets',
      });
    }
    if (typeof body.end_of_stream !== 'boolean') {
      issues.push({ pointer: '/end_of_stream', rule: 'type', message: 'must be a boolean' });
    }
    if (
      body.after_cursor !== undefined &&
      body.after_cursor !== null &&
      typeof body.after_cursor !== 'string'
    ) {
      issues.push({ pointer: '/after_cursor', rule: 'type', message: 'must be a string or null' });
    }
    if (issues.length) {
      throw new InvalidPayloadError(
        'parse',
        `connector '${this.id}': ${EXPORT_PATH} returned ${issues.length} invalid field(s): ${issues[0].pointer} ${issues[0].message}`,
        issues,
      );
    }
    const { valid, rejected } = screenRecords(
      body.tickets as unknown[],
      ZENDESK_TICKET_OBJECT_TYPE,
      '/tickets',
      (t) => {
        const found: Issue[] = [];
        if (!Number.isSafeInteger(t.id))
          found.push({ pointer: '/id', rule: 'type', message: 'must be an integer ticket id' });
        if (typeof t.updated_at !== 'string' || Number.isNaN(Date.parse(t.updated_at)))
          found.push({
            pointer: '/updated_at',
            rule: 'format',
            message: 'must be an ISO 8601 date-time',
          });
        return found;
      },
    );
    return {
      tickets: valid.map((v) => v.record as unknown as { id: number; updated_at: string }),
      rejected,
      after_cursor: (body.after_cursor as string | null | undefined) ?? undefined,
      end_of_stream: body.end_of_stream as boolean,
    };
  }

  private now(): number {
    return (this.config.now ?? Date.now)();
  }

  private start(): number {
    if (this.config.startFrom)
      return Date.parse(`${this.config.startFrom}T00:00:00Z`) / MS_PER_SECOND;
    const today = Math.floor(this.now() / MS_PER_SECOND / SECONDS_PER_DAY) * SECONDS_PER_DAY;
    return today - ZENDESK_DEFAULT_LOOKBACK_DAYS * SECONDS_PER_DAY;
  }
}

/** Builds the export connector from an instance's resolved `settings` (zendesk-export.config.schema.json). */
export function zendeskExportFromSettings(
  id: string,
  s: Record<string, unknown>,
  metrics?: BreakerMetrics,
): ZendeskExportConnector {
  const need = (k: string): SecretValue => {
    const v = s[k];
    if (v === undefined || v === '') {
      throw new Error(
        `connector '${id}': settings.${k} is required when auth is "${String(s.auth)}"`,
      );
    }
    return v as SecretValue;
  };
  let auth: ZendeskAuth;
  if (s.auth === 'token')
    auth = { kind: 'token', email: need('email'), apiToken: need('apiToken') };
  else if (s.auth === 'oauth') auth = { kind: 'oauth', accessToken: need('accessToken') };
  else {
    throw new Error(
      `connector '${id}': settings.auth must be "token" or "oauth", not ${JSON.stringify(s.auth)}`,
    );
  }
  return new ZendeskExportConnector({
    ...pollSettings(id, s, metrics),
    instanceUrl: String(s.instanceUrl),
    auth,
    slaEvents: s.slaEvents === true,
  });
}
