/**
 * A fake Zendesk Support account at the protocol level: the cursor-based Incremental Ticket Export
 * (`GET /api/v2/incremental/tickets/cursor.json?start_time=…|cursor=…&per_page=…`, answering
 * `{tickets, after_cursor, after_url, before_cursor, before_url, end_of_stream}`, oldest change
 * first) and `GET /api/v2/organizations/{id}.json`, with API-token basic authentication
 * (`{email}/token:{token}`) or an OAuth bearer token; switches inject failures: 5xx, 429 with
 * Retry-After, 401, a malformed body, a slow answer, or a stopped server (`stop()` / `start()`).
 * `signedWebhook()` builds a webhook request as Zendesk signs it, for tests and the demo.
 *
 * Zendesk leaves out tickets changed in the last minute; the simulator does not (tests would wait).
 * Tests start it in process; for the demo instance in exhub.config.yaml,
 * `npm run simulator -- zendesk` runs it from its source (test code is never built; port
 * ZENDESK_SIM_PORT, default 4030).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SimulatorServer } from '../../../libs/connector-sdk/testing/simulator-server';
import type { ZendeskMetricEvent } from '../sla-events';
import {
  EXPORT_PATH,
  METRIC_EVENTS_PAGE_SIZE,
  METRIC_EVENTS_PATH,
  ZENDESK_API_PATH,
  ZENDESK_MAX_PAGE_SIZE,
  ZENDESK_SIGNATURE_HEADER,
  ZENDESK_TIMESTAMP_HEADER,
} from '../zendesk.constants';
import { signZendeskPayload } from '../zendesk.signature';

export type ZendeskFailure = '5xx' | '429' | '401' | 'malformed' | 'slow';
export type ZendeskTicket = Record<string, unknown> & { id: number; updated_at: string };

export interface ZendeskSimulatorOptions {
  email?: string;
  apiToken?: string;
  oauthToken?: string;
  /** Default: fixtures/export/*.ticket.json. */
  tickets?: ZendeskTicket[];
  organizations?: Record<string, unknown>[];
  /** SLA metric events (`GET /api/v2/incremental/ticket_metric_events`); default none. */
  metricEvents?: ZendeskMetricEvent[];
  port?: number;
  retryAfterSeconds?: number;
  slowMs?: number;
}

export const SIMULATOR_EMAIL = 'exhub@acme.example';
export const SIMULATOR_API_TOKEN = 'sim-api-token';
export const SIMULATOR_OAUTH_TOKEN = 'sim-oauth-token';
const DEFAULT_SLOW_MS = 2000;
const FIXTURES = [
  join(__dirname, '../fixtures'),
  // compiled by the bench (tsc -p tsconfig.bench.json) into dist/connectors/zendesk/testing/
  join(__dirname, '../../../../connectors/zendesk/fixtures'),
].find((d) => existsSync(d)) as string;
/** Port of the demo instance in exhub.config.yaml. */
const DEMO_PORT = 4030;

/** The exported-ticket fixtures, oldest change first. */
export function fixtureTickets(): ZendeskTicket[] {
  const dir = join(FIXTURES, 'export');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ticket.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ZendeskTicket);
}

export function fixtureOrganizations(): Record<string, unknown>[] {
  return (
    JSON.parse(readFileSync(join(FIXTURES, 'organizations.json'), 'utf8')) as {
      organizations: Record<string, unknown>[];
    }
  ).organizations;
}

/** The trigger-webhook body Zendesk's docs and zulip's fixture show. */
export function fixtureWebhookBody(): Buffer {
  return readFileSync(join(FIXTURES, 'trigger-webhook-ticket.json'));
}

/** A webhook request's headers, signed as Zendesk signs them. */
export function signedWebhook(
  rawBody: Buffer,
  secret: string,
  at: Date = new Date(),
): Record<string, string> {
  const timestamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    'content-type': 'application/json',
    [ZENDESK_SIGNATURE_HEADER]: signZendeskPayload(rawBody, secret, timestamp),
    [ZENDESK_TIMESTAMP_HEADER]: timestamp,
  };
}

/** Export position: (updated_at ms, id) of the last ticket handed out. */
interface Position {
  ms: number;
  id: number;
}
const encode = (p: Position): string => Buffer.from(`${p.ms}.${p.id}`).toString('base64url');
function decode(cursor: string): Position | undefined {
  const m = /^(\d+)\.(-?\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? { ms: Number(m[1]), id: Number(m[2]) } : undefined;
}
const after = (t: ZendeskTicket, p: Position): boolean => {
  const ms = Date.parse(t.updated_at);
  return ms > p.ms || (ms === p.ms && t.id > p.id);
};

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** `requests` counts API requests (failed ones included). */
export class ZendeskSimulator extends SimulatorServer<ZendeskFailure> {
  tickets: ZendeskTicket[];
  organizations: Record<string, unknown>[];
  metricEvents: ZendeskMetricEvent[];
  /** Every API request as `<path>?<query>`, for assertions. */
  readonly log: string[] = [];

  private constructor(private readonly o: ZendeskSimulatorOptions) {
    super(o.port);
    this.tickets = structuredClone(o.tickets ?? fixtureTickets());
    this.organizations = structuredClone(o.organizations ?? fixtureOrganizations());
    this.metricEvents = structuredClone(o.metricEvents ?? []);
  }

  /** Records SLA metric events (apply_sla, activate, breach, fulfill, …) as Zendesk would. */
  addMetricEvents(...events: ZendeskMetricEvent[]): void {
    this.metricEvents.push(...structuredClone(events));
  }

  static async start(o: ZendeskSimulatorOptions = {}): Promise<ZendeskSimulator> {
    const sim = new ZendeskSimulator(o);
    await sim.start();
    return sim;
  }

  /** `https://<subdomain>.zendesk.com` stand-in (what `instanceUrl` is set to). */
  get instanceUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  add(...tickets: ZendeskTicket[]): void {
    this.tickets.push(...structuredClone(tickets));
  }

  /** Changes a ticket as an agent would: the patch, and updated_at moves to `updatedAt`. */
  update(id: number, patch: Record<string, unknown>, updatedAt: string): void {
    const t = this.tickets.find((x) => x.id === id);
    if (!t) throw new Error(`no ticket ${id}`);
    Object.assign(t, patch, { updated_at: updatedAt });
  }

  private authorized(req: IncomingMessage): boolean {
    const a = req.headers.authorization ?? '';
    const basic = `Basic ${Buffer.from(`${this.o.email ?? SIMULATOR_EMAIL}/token:${this.o.apiToken ?? SIMULATOR_API_TOKEN}`).toString('base64')}`;
    return a === basic || a === `Bearer ${this.o.oauthToken ?? SIMULATOR_OAUTH_TOKEN}`;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (url.pathname === '/__sim/fail' && req.method === 'POST') {
      this.fail(
        (url.searchParams.get('kind') ?? '5xx') as ZendeskFailure,
        Number(url.searchParams.get('count') ?? 1),
      );
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET' || !url.pathname.startsWith(`${ZENDESK_API_PATH}/`)) {
      json(res, 404, { error: 'InvalidEndpoint', description: 'Not found' });
      return;
    }
    this.requests++;
    this.log.push(`${url.pathname}${decodeURIComponent(url.search)}`);
    const failure = this.nextFailure();
    if (failure === 'slow')
      await new Promise((r) => setTimeout(r, this.o.slowMs ?? DEFAULT_SLOW_MS));
    if (failure === '401' || !this.authorized(req)) {
      json(res, 401, { error: "Couldn't authenticate you" });
      return;
    }
    if (failure === '5xx') {
      json(res, 503, { error: 'ServiceUnavailable', description: 'Zendesk is under maintenance' });
      return;
    }
    if (failure === '429') {
      res.writeHead(429, {
        'content-type': 'text/plain',
        'retry-after': String(this.o.retryAfterSeconds ?? 1),
      });
      res.end('Too Many Requests');
      return;
    }
    if (failure === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"tickets":[{"id":35436,"updated_at":"2026-');
      return;
    }
    const org = /^\/api\/v2\/organizations\/(\d+)\.json$/.exec(url.pathname);
    if (org) {
      const found = this.organizations.find((o) => String(o.id) === org[1]);
      if (found) json(res, 200, { organization: found });
      else json(res, 404, { error: 'RecordNotFound', description: 'Not found' });
      return;
    }
    if (url.pathname === `${ZENDESK_API_PATH}${EXPORT_PATH}`) {
      this.export(url, res);
      return;
    }
    if (url.pathname === `${ZENDESK_API_PATH}${METRIC_EVENTS_PATH}`) {
      this.metricEventExport(url, res);
      return;
    }
    json(res, 404, { error: 'InvalidEndpoint', description: 'Not found' });
  }

  private metricEventExport(url: URL, res: ServerResponse): void {
    const { status, body } = metricEventPage(this.metricEvents, url);
    json(res, status, body);
  }

  private export(url: URL, res: ServerResponse): void {
    const perPage = Math.min(
      Number(url.searchParams.get('per_page') ?? ZENDESK_MAX_PAGE_SIZE),
      ZENDESK_MAX_PAGE_SIZE,
    );
    const cursor = url.searchParams.get('cursor');
    const startTime = url.searchParams.get('start_time');
    let from: Position | undefined;
    if (cursor) from = decode(cursor);
    else if (startTime && /^\d+$/.test(startTime))
      from = { ms: Number(startTime) * 1000 - 1, id: Number.MAX_SAFE_INTEGER };
    if (!from) {
      json(res, 400, {
        error: 'InvalidPaginationParameter',
        description: cursor ? 'cursor is invalid' : 'start_time or cursor is required',
      });
      return;
    }
    const rows = this.tickets
      .filter((t) => after(t, from))
      .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || a.id - b.id);
    const page = rows.slice(0, perPage);
    const last = page.at(-1);
    const afterCursor = encode(last ? { ms: Date.parse(last.updated_at), id: last.id } : from);
    const link = (c: string) => {
      const u = new URL(url);
      u.search = '';
      u.searchParams.set('cursor', c);
      return u.toString();
    };
    const beforeCursor = encode(from);
    json(res, 200, {
      tickets: page,
      after_url: link(afterCursor),
      after_cursor: afterCursor,
      before_url: link(beforeCursor),
      before_cursor: beforeCursor,
      end_of_stream: rows.length <= perPage,
    });
  }
}

/**
 * The time-based metric event export: events at or after start_time (seconds), oldest first, at
 * most METRIC_EVENTS_PAGE_SIZE, with `end_time` (the last event's time, where the next page starts)
 * and `next_page` (null once nothing is left).
 */
function metricEventPage(
  all: readonly ZendeskMetricEvent[],
  url: URL,
): { status: number; body: unknown } {
  const startTime = url.searchParams.get('start_time');
  if (!startTime || !/^\d+$/.test(startTime))
    return { status: 400, body: { error: 'InvalidValue', description: 'start_time is required' } };
  const from = Number(startTime) * 1000;
  const rows = all
    .filter((e) => Date.parse(e.time) >= from)
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id - b.id);
  const page = rows.slice(0, METRIC_EVENTS_PAGE_SIZE);
  const last = page.at(-1);
  // Zendesk's end_time is the last item's time; a page of one instant would not move, so past it.
  const endTime = last
    ? Math.floor(Date.parse(last.time) / 1000) + (rows.length > page.length ? 0 : 1)
    : Number(startTime);
  const next = new URL(url);
  next.searchParams.set('start_time', String(endTime));
  return {
    status: 200,
    body: {
      ticket_metric_events: page,
      next_page: rows.length > page.length ? next.toString() : null,
      count: page.length,
      end_time: endTime,
    },
  };
}

if (require.main === module) {
  void ZendeskSimulator.start({ port: Number(process.env.ZENDESK_SIM_PORT ?? DEMO_PORT) }).then(
    (sim) =>
      process.stdout.write(
        `Zendesk simulator: ${sim.instanceUrl}${ZENDESK_API_PATH}${EXPORT_PATH} (${SIMULATOR_EMAIL}/token)\n`,
      ),
  );
}
