/**
 * A fake ServiceNow instance at the protocol level: the Table API (`GET /api/now/table/<table>`
 * and `GET /api/now/table/<table>/<sys_id>`) for incident, task_sla, core_company, sys_user,
 * sys_user_group and cmdb_ci (business services and other CIs, as the base CMDB table holds them),
 * with the `{"result": …}` envelope, encoded queries (`sysparm_query`: `=`, `!=`, `>`, `>=`, `<`,
 * `<=`, `IN`, `NOT IN`, `^` for AND, `^OR`, `ORDERBY` / `ORDERBYDESC`), `sysparm_limit` /
 * `sysparm_offset` with `Link` and `X-Total-Count` headers, `sysparm_fields`, HTTP basic
 * authentication and an OAuth2 client-credentials token endpoint (`POST /oauth_token.do`); plus
 * switches that inject failures: 5xx, 429 with Retry-After, 401, a malformed body, a slow answer,
 * or a stopped server (`stop()` / `start()` again on the same port).
 *
 * Tests start it in process (`ServiceNowSimulator.start()`); for the demo instance in
 * exhub.config.yaml, `npm run simulator -- servicenow` runs it from its source (test code is never
 * built; port SERVICENOW_SIM_PORT, default 4020). `POST /__sim/fail?kind=5xx&count=3` switches failures on.
 * `POST /__sim/incidents`, `/__sim/companies`, `/__sim/cis` and `/__sim/groups` add records (`exhub simulate`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SimulatorServer } from '../../../libs/connector-sdk/testing/simulator-server';
import {
  CI_TABLE,
  COMPANY_TABLE,
  GROUP_TABLE,
  INCIDENT_TABLE,
  OAUTH_TOKEN_PATH,
  TABLE_API_PATH,
  TASK_SLA_TABLE,
  USER_TABLE,
} from '../servicenow.constants';

export type ServiceNowFailure = '5xx' | '429' | '401' | 'malformed' | 'slow';
export type GlideRecord = Record<string, unknown> & { sys_id: string };

export interface ServiceNowSimulatorOptions {
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  /** Default: the incidents in fixtures/incident-*.json. */
  incidents?: GlideRecord[];
  taskSlas?: GlideRecord[];
  companies?: GlideRecord[];
  /** cmdb_ci records (`sys_id`, `name`, `sys_class_name`, …); default none. */
  cis?: GlideRecord[];
  /** sys_user_group records (`sys_id`, `name`); default none. */
  groups?: GlideRecord[];
  port?: number;
  retryAfterSeconds?: number;
  slowMs?: number;
  /** Token lifetime the OAuth endpoint announces (expires_in). */
  tokenLifetimeSeconds?: number;
}

export const SIMULATOR_USER = 'exhub.integration';
export const SIMULATOR_PASSWORD = 'sim-password';
export const SIMULATOR_CLIENT_ID = 'exhub-client';
export const SIMULATOR_CLIENT_SECRET = 'sim-client-secret';
const DEFAULT_SLOW_MS = 2000;
const DEFAULT_LIMIT = 10_000;
const DEFAULT_TOKEN_LIFETIME_SECONDS = 1800;
const FIXTURES = [
  join(__dirname, '../fixtures'),
  // compiled by the bench (tsc -p tsconfig.bench.json) into dist/connectors/servicenow/testing/
  join(__dirname, '../../../../connectors/servicenow/fixtures'),
].find((d) => existsSync(d)) as string;
/** Port of the demo instance in exhub.config.yaml. */
const DEMO_PORT = 4020;

const readResult = (file: string): unknown =>
  (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { result: unknown }).result;

/** The fixture incidents, oldest update first. */
export function fixtureIncidents(): GlideRecord[] {
  return ['incident-get.json', 'incident-post.json', 'incident-patch.json'].map(
    (f) => readResult(f) as GlideRecord,
  );
}
export const fixtureTaskSlas = (): GlideRecord[] => readResult('task-sla.json') as GlideRecord[];
export const fixtureCompanies = (): GlideRecord[] =>
  readResult('core-company.json') as GlideRecord[];

/** A field's comparable value: a reference's sys_id, else the string. */
function fieldValue(r: GlideRecord, field: string): string {
  const v = r[field];
  if (v && typeof v === 'object') return String((v as { value?: unknown }).value ?? '');
  return v === undefined || v === null ? '' : String(v);
}

class QueryError extends Error {}

type Condition = (r: GlideRecord) => boolean;
const OPERATORS: [string, (a: string, b: string) => boolean][] = [
  ['NOT IN', (a, b) => !b.split(',').includes(a)],
  ['IN', (a, b) => b.split(',').includes(a)],
  ['>=', (a, b) => a >= b],
  ['<=', (a, b) => a <= b],
  ['!=', (a, b) => a !== b],
  ['>', (a, b) => a > b],
  ['<', (a, b) => a < b],
  ['=', (a, b) => a === b],
];

function condition(term: string): Condition {
  const m = /^([a-z_][a-z0-9_]*)(.*)$/.exec(term);
  const op = m && OPERATORS.find(([o]) => m[2].startsWith(o));
  if (!m || !op) throw new QueryError(`cannot parse the condition "${term}"`);
  const [, field, rest] = m;
  const value = rest.slice(op[0].length);
  return (r) => {
    if (!(field in r)) throw new QueryError(`unknown field ${field}`);
    return op[1](fieldValue(r, field), value);
  };
}

/** An encoded query: conditions ANDed with `^` (`^OR` with the one before), then ORDERBY terms. */
export function parseEncodedQuery(q: string): {
  conditions: Condition[];
  order: { field: string; desc: boolean }[];
} {
  const conditions: Condition[] = [];
  const order: { field: string; desc: boolean }[] = [];
  for (const term of q.split('^')) {
    if (term === '') continue;
    if (term.startsWith('ORDERBYDESC')) order.push({ field: term.slice(11), desc: true });
    else if (term.startsWith('ORDERBY')) order.push({ field: term.slice(7), desc: false });
    else if (term.startsWith('OR')) {
      // `A^ORB`: OR binds to the condition before it.
      const left = conditions.pop();
      if (!left) throw new QueryError(`"${term}" has no condition before it`);
      const right = condition(term.slice(2));
      conditions.push((r) => left(r) || right(r));
    } else conditions.push(condition(term));
  }
  return { conditions, order };
}

function error(res: ServerResponse, status: number, message: string, detail = ''): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, detail }, status: 'failure' }));
}

/** `requests` counts Table API requests (failed ones included; token requests not counted). */
export class ServiceNowSimulator extends SimulatorServer<ServiceNowFailure> {
  readonly tables: Record<string, GlideRecord[]>;
  /** Every Table API request as `<path>?<query>`, for assertions. */
  readonly log: string[] = [];
  /** Access tokens issued by the OAuth endpoint. */
  readonly tokens = new Set<string>();

  private constructor(private readonly o: ServiceNowSimulatorOptions) {
    super(o.port);
    this.tables = {
      [INCIDENT_TABLE]: structuredClone(o.incidents ?? fixtureIncidents()),
      [TASK_SLA_TABLE]: structuredClone(o.taskSlas ?? fixtureTaskSlas()),
      [COMPANY_TABLE]: structuredClone(o.companies ?? fixtureCompanies()),
      [USER_TABLE]: [],
      [CI_TABLE]: structuredClone(o.cis ?? []),
      [GROUP_TABLE]: structuredClone(o.groups ?? []),
    };
  }

  static async start(o: ServiceNowSimulatorOptions = {}): Promise<ServiceNowSimulator> {
    const sim = new ServiceNowSimulator(o);
    await sim.start();
    return sim;
  }

  /** The instance URL (what `instanceUrl` is set to). */
  get instanceUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  addIncidents(...incidents: GlideRecord[]): void {
    this.tables[INCIDENT_TABLE].push(...structuredClone(incidents));
  }

  /** Changes an incident the way a form save does: the patch, and sys_updated_on moves. */
  updateIncident(sysId: string, patch: Record<string, unknown>, updatedOn: string): void {
    const inc = this.tables[INCIDENT_TABLE].find((r) => r.sys_id === sysId);
    if (!inc) throw new Error(`no incident ${sysId}`);
    Object.assign(inc, patch, {
      sys_updated_on: updatedOn,
      sys_mod_count: String(Number(inc.sys_mod_count ?? 0) + 1),
    });
  }

  private authorized(req: IncomingMessage): boolean {
    const a = req.headers.authorization ?? '';
    const basic = `Basic ${Buffer.from(`${this.o.username ?? SIMULATOR_USER}:${this.o.password ?? SIMULATOR_PASSWORD}`).toString('base64')}`;
    return a === basic || (a.startsWith('Bearer ') && this.tokens.has(a.slice(7)));
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (url.pathname === '/__sim/fail' && req.method === 'POST') {
      this.fail(
        (url.searchParams.get('kind') ?? '5xx') as ServiceNowFailure,
        Number(url.searchParams.get('count') ?? 1),
      );
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === OAUTH_TOKEN_PATH && req.method === 'POST') {
      await this.token(req, res);
      return;
    }
    const adds: Record<string, string> = {
      '/__sim/incidents': INCIDENT_TABLE,
      '/__sim/companies': COMPANY_TABLE,
      '/__sim/cis': CI_TABLE,
      '/__sim/groups': GROUP_TABLE,
    };
    if (adds[url.pathname] && req.method === 'POST') {
      await this.addFromRequest(adds[url.pathname], req, res);
      return;
    }
    const m = new RegExp(`^${TABLE_API_PATH}/([a-z_]+)(?:/([0-9a-f]{32}))?$`).exec(url.pathname);
    if (req.method !== 'GET' || !m) {
      error(res, 400, 'Invalid URL', `${req.method} ${url.pathname}`);
      return;
    }
    this.requests++;
    this.log.push(`${url.pathname}${decodeURIComponent(url.search)}`);
    const failure = this.nextFailure();
    if (failure === 'slow')
      await new Promise((r) => setTimeout(r, this.o.slowMs ?? DEFAULT_SLOW_MS));
    if (failure === '401' || !this.authorized(req)) {
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': 'BASIC realm="Service-now"',
      });
      res.end(
        JSON.stringify({
          error: {
            message: 'User Not Authenticated',
            detail: 'Required to provide Auth information',
          },
          status: 'failure',
        }),
      );
      return;
    }
    if (failure === '5xx') {
      error(res, 503, 'Service Unavailable', 'the instance is hibernating or being upgraded');
      return;
    }
    if (failure === '429') {
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(this.o.retryAfterSeconds ?? 1),
      });
      res.end(JSON.stringify({ error: { message: 'Rate limit exceeded' }, status: 'failure' }));
      return;
    }
    if (failure === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"result":[{"sys_id":"a9e30c7dc6112276');
      return;
    }
    const table = this.tables[m[1]];
    if (!table) {
      error(res, 400, 'Invalid table', `Invalid table ${m[1]}`);
      return;
    }
    const fields = url.searchParams.get('sysparm_fields')?.split(',');
    const project = (r: GlideRecord) =>
      fields ? Object.fromEntries(fields.map((f) => [f, r[f] ?? ''])) : r;
    if (m[2]) {
      const record = table.find((r) => r.sys_id === m[2]);
      if (!record) {
        error(
          res,
          404,
          'No Record found',
          "Record doesn't exist or ACL restricts the record retrieval",
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify({ result: project(record) }));
      return;
    }
    let rows: GlideRecord[];
    try {
      const { conditions, order } = parseEncodedQuery(url.searchParams.get('sysparm_query') ?? '');
      rows = table.filter((r) => conditions.every((c) => c(r)));
      rows.sort((a, b) => {
        for (const { field, desc } of order) {
          const [x, y] = [fieldValue(a, field), fieldValue(b, field)];
          if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
        }
        return 0;
      });
    } catch (err) {
      if (!(err instanceof QueryError)) throw err;
      error(res, 400, 'Invalid query', err.message);
      return;
    }
    const limit = Number(url.searchParams.get('sysparm_limit') ?? DEFAULT_LIMIT);
    const offset = Number(url.searchParams.get('sysparm_offset') ?? 0);
    const page = rows.slice(offset, offset + limit);
    const link = (o: number, rel: string) => {
      const u = new URL(url);
      u.searchParams.set('sysparm_offset', String(o));
      u.searchParams.set('sysparm_limit', String(limit));
      return `<${u.toString()}>;rel="${rel}"`;
    };
    const links = [link(0, 'first')];
    if (offset + limit < rows.length) links.push(link(offset + limit, 'next'));
    links.push(link(Math.max(0, Math.floor((rows.length - 1) / limit) * limit), 'last'));
    res.writeHead(200, {
      'content-type': 'application/json;charset=UTF-8',
      'x-total-count': String(rows.length),
      link: links.join(','),
    });
    res.end(JSON.stringify({ result: page.map(project) }));
  }

  /**
   * `POST /__sim/incidents` with one incident or an array, each as the connector publishes it (the
   * Table API record, its task_sla rows under `task_sla`): the rows go to the task_sla table, the
   * record to incident. `POST /__sim/companies` adds core_company records, `POST /__sim/cis`
   * cmdb_ci records (business services and other CIs, with their `name`), `POST /__sim/groups`
   * sys_user_group records. A known sys_id is
   * replaced (an incident with its task_sla rows). `exhub simulate` uses both: `201 {added,
   * total}`; `400` without a 32-hex `sys_id` (and, for an incident, `number` and `sys_updated_on`).
   */
  private async addFromRequest(
    tableName: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      error(res, 400, 'Invalid JSON', (err as Error).message);
      return;
    }
    const list = (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
    const incidents = tableName === INCIDENT_TABLE;
    const table = this.tables[tableName];
    const bad = list.findIndex(
      (r) =>
        typeof r?.sys_id !== 'string' ||
        !/^[0-9a-f]{32}$/.test(r.sys_id) ||
        (incidents && (typeof r.number !== 'string' || typeof r.sys_updated_on !== 'string')),
    );
    if (bad >= 0) {
      error(
        res,
        400,
        'Invalid record',
        `record ${bad} needs a 32-hex sys_id${incidents ? ', a number and sys_updated_on' : ''}`,
      );
      return;
    }
    for (const r of structuredClone(list) as GlideRecord[]) {
      const at = table.findIndex((x) => x.sys_id === r.sys_id);
      if (at >= 0) table.splice(at, 1);
      if (!incidents) {
        table.push(r);
        continue;
      }
      const slaTable = this.tables[TASK_SLA_TABLE];
      this.tables[TASK_SLA_TABLE] = slaTable.filter((x) => fieldValue(x, 'task') !== r.sys_id);
      const { task_sla: slas, ...incident } = r;
      if (Array.isArray(slas)) this.tables[TASK_SLA_TABLE].push(...(slas as GlideRecord[]));
      table.push(incident as GlideRecord);
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ added: list.length, total: table.length }));
  }

  /** `POST /oauth_token.do`, grant_type=client_credentials, client in Basic auth or the form. */
  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) {
      const [u, p] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      [id, secret] = [decodeURIComponent(u), decodeURIComponent(p ?? '')];
    }
    if (form.get('grant_type') !== 'client_credentials') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'unsupported_grant_type' }));
      return;
    }
    if (
      id !== (this.o.clientId ?? SIMULATOR_CLIENT_ID) ||
      secret !== (this.o.clientSecret ?? SIMULATOR_CLIENT_SECRET)
    ) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_client', error_description: 'access_denied' }));
      return;
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.add(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: token,
        scope: 'useraccount',
        token_type: 'Bearer',
        expires_in: this.o.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
      }),
    );
  }
}

if (require.main === module) {
  void ServiceNowSimulator.start({
    port: Number(process.env.SERVICENOW_SIM_PORT ?? DEMO_PORT),
  }).then((sim) =>
    process.stdout.write(
      `ServiceNow simulator: ${sim.instanceUrl}${TABLE_API_PATH}/${INCIDENT_TABLE} (${SIMULATOR_USER})\n`,
    ),
  );
}
