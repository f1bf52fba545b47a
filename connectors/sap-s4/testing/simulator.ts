/**
 * A fake SAP S/4HANA at the protocol level: the OData v2 entity set A_SupplierInvoice of
 * API_SUPPLIERINVOICE_PROCESS_SRV over real HTTP, with basic authentication, `$filter` (see
 * odata-filter.ts), `$orderby`, `$top`/`$skip`, server-side paging with `__next`, `$select`,
 * `$format=json`, and switches that inject failures: 5xx, 429 with Retry-After, 401, a malformed
 * body, a slow answer, or a stopped server (`stop()` / `start()` again on the same port).
 *
 * Tests start it in process (`SapS4Simulator.start()`); for the demo instance in exhub.config.yaml,
 * `npm run simulator -- sap-s4` runs it from its source (test code is never built; port
 * SAP_S4_SIM_PORT, default 4010).
 * `POST /__sim/fail?kind=5xx&count=3` switches failures on from outside.
 * `POST /__sim/invoices` (one entity or an array) adds invoices from outside (`exhub simulate`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SimulatorServer } from '../../../libs/connector-sdk/testing/simulator-server';
import { ODataFilterError, matches, parseFilter } from './odata-filter';
import {
  SAP_ENTITY_SET,
  SAP_ENTITY_TYPE,
  SAP_SERVICE_PATH,
  SAP_SUPPLIER_ENTITY_SET,
  SAP_SUPPLIER_ENTITY_TYPE,
  SAP_SUPPLIER_SERVICE_PATH,
} from '../sap-s4.constants';

export type SapFailure = '5xx' | '429' | '401' | 'malformed' | 'slow';
export type SupplierInvoiceEntity = Record<string, unknown> & {
  SupplierInvoice: string;
  FiscalYear: string;
};

/** An A_Supplier entity of API_BUSINESS_PARTNER with its purchasing organisations. */
export interface SupplierEntity {
  Supplier: string;
  SupplierName: string;
  PaymentIsBlockedForSupplier: boolean;
  PostingIsBlocked: boolean;
  purchasingOrgs: { PurchasingOrganization: string; SupplierABCClassificationCode: string }[];
}

/** The suppliers of the invoice fixtures (supplier-criticality.csv lists the same numbers). */
export function fixtureSuppliers(): SupplierEntity[] {
  const supplier = (id: string, name: string, abc: string): SupplierEntity => ({
    Supplier: id,
    SupplierName: name,
    PaymentIsBlockedForSupplier: false,
    PostingIsBlocked: false,
    purchasingOrgs: [{ PurchasingOrganization: '1010', SupplierABCClassificationCode: abc }],
  });
  return [
    supplier('100045', 'Folienwerk Nord GmbH', 'A'),
    supplier('100078', 'Kontraktfertigung Süd AG', 'B'),
    supplier('200311', 'Bürobedarf Schmidt KG', 'C'),
  ];
}

export interface SapS4SimulatorOptions {
  username?: string;
  password?: string;
  /** Defaults to the entities in fixtures/*.invoice.json. */
  invoices?: SupplierInvoiceEntity[];
  /** A_Supplier entities (API_BUSINESS_PARTNER); default fixtureSuppliers(). */
  suppliers?: SupplierEntity[];
  /** Server-side page size: longer results get a `__next` link (SAP's default is 1000s). */
  maxPageSize?: number;
  port?: number;
  retryAfterSeconds?: number;
  slowMs?: number;
}

export const SIMULATOR_USER = 'EXHUB_COMM_USER';
export const SIMULATOR_PASSWORD = 'sim-password';
const DEFAULT_MAX_PAGE_SIZE = 1000;
const DEFAULT_SLOW_MS = 2000;
/** Beside the source, or (built into dist/) back in the source tree. */
const FIXTURES = [
  join(__dirname, '../fixtures'),
  // compiled by the bench (tsc -p tsconfig.bench.json) into dist/connectors/sap-s4/testing/
  join(__dirname, '../../../../connectors/sap-s4/fixtures'),
].find((d) => existsSync(d)) as string;
/** Port of the demo instance in exhub.config.yaml. */
const DEMO_PORT = 4010;

/** The fixture invoices (A_SupplierInvoiceType entities without `__metadata`). */
export function fixtureInvoices(): SupplierInvoiceEntity[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.invoice.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as SupplierInvoiceEntity);
}

function odataError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message: { lang: 'en', value: message } } }));
}

function compare(a: unknown, b: unknown): number {
  const v = (x: unknown): string | number => {
    const d = typeof x === 'string' ? /^\/Date\((-?\d+)/.exec(x) : null;
    return d ? Number(d[1]) : typeof x === 'number' ? x : String(x ?? '');
  };
  const [x, y] = [v(a), v(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `requests` counts requests to the entity set (failed ones included). */
export class SapS4Simulator extends SimulatorServer<SapFailure> {
  invoices: SupplierInvoiceEntity[];
  suppliers: SupplierEntity[];
  /** Requests to A_Supplier (enrichment lookups), answered or not. */
  supplierRequests = 0;
  /** Every request URL, for assertions. */
  readonly log: string[] = [];

  private constructor(private readonly o: SapS4SimulatorOptions) {
    super(o.port);
    this.invoices = structuredClone(o.invoices ?? fixtureInvoices());
    this.suppliers = structuredClone(o.suppliers ?? fixtureSuppliers());
  }

  static async start(o: SapS4SimulatorOptions = {}): Promise<SapS4Simulator> {
    const sim = new SapS4Simulator(o);
    await sim.start();
    return sim;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}${SAP_SERVICE_PATH}`;
  }

  add(...invoices: SupplierInvoiceEntity[]): void {
    this.invoices.push(...structuredClone(invoices));
  }

  update(
    key: { SupplierInvoice: string; FiscalYear: string },
    patch: Record<string, unknown>,
  ): void {
    const inv = this.invoices.find(
      (i) => i.SupplierInvoice === key.SupplierInvoice && i.FiscalYear === key.FiscalYear,
    );
    if (!inv) throw new Error(`no invoice ${key.SupplierInvoice}/${key.FiscalYear}`);
    Object.assign(inv, patch);
  }

  /**
   * `POST /__sim/invoices` with one A_SupplierInvoice entity or an array of them (`exhub simulate`
   * uses it): `201 {added, total}`; `400` when an entity lacks its key (SupplierInvoice, FiscalYear).
   */
  private async addFromRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      odataError(res, 400, 'SY/530', `Invalid JSON: ${(err as Error).message}`);
      return;
    }
    const list = (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
    const bad = list.findIndex(
      (i) => typeof i?.SupplierInvoice !== 'string' || typeof i?.FiscalYear !== 'string',
    );
    if (bad >= 0) {
      odataError(res, 400, 'SY/530', `entity ${bad} needs SupplierInvoice and FiscalYear strings`);
      return;
    }
    this.add(...(list as SupplierInvoiceEntity[]));
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ added: list.length, total: this.invoices.length }));
  }

  /** GET A_Supplier('<id>'), with `$expand=to_SupplierPurchasingOrg` as SAP answers it. */
  private supplier(res: ServerResponse, id: string, url: URL): void {
    this.supplierRequests++;
    const found = this.suppliers.find((s) => s.Supplier === id);
    if (!found) {
      odataError(res, 404, 'SY/530', `Resource not found for segment 'A_SupplierType'`);
      return;
    }
    const uri = `http://127.0.0.1:${this.port}${SAP_SUPPLIER_SERVICE_PATH}/${SAP_SUPPLIER_ENTITY_SET}('${id}')`;
    const { purchasingOrgs, ...fields } = found;
    const expand = url.searchParams.get('$expand')?.split(',') ?? [];
    const orgs = expand.includes('to_SupplierPurchasingOrg')
      ? { results: purchasingOrgs.map((o) => ({ Supplier: id, ...o })) }
      : { __deferred: { uri: `${uri}/to_SupplierPurchasingOrg` } };
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      dataserviceversion: '2.0',
    });
    res.end(
      JSON.stringify({
        d: {
          __metadata: { id: uri, uri, type: SAP_SUPPLIER_ENTITY_TYPE },
          ...fields,
          to_SupplierPurchasingOrg: orgs,
        },
      }),
    );
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (url.pathname === '/__sim/fail' && req.method === 'POST') {
      this.fail(
        (url.searchParams.get('kind') ?? '5xx') as SapFailure,
        Number(url.searchParams.get('count') ?? 1),
      );
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/__sim/invoices' && req.method === 'POST') {
      await this.addFromRequest(req, res);
      return;
    }
    const supplierKey = new RegExp(
      `^${SAP_SUPPLIER_SERVICE_PATH}/${SAP_SUPPLIER_ENTITY_SET}\\('((?:[^']|'')*)'\\)$`,
    ).exec(decodeURIComponent(url.pathname));
    const isInvoices = url.pathname === `${SAP_SERVICE_PATH}/${SAP_ENTITY_SET}`;
    if (req.method !== 'GET' || (!isInvoices && !supplierKey)) {
      odataError(res, 404, '/IWFND/CM_MGW/004', `Resource not found for segment '${url.pathname}'`);
      return;
    }
    this.requests++;
    this.log.push(url.search);
    const expected = `Basic ${Buffer.from(`${this.o.username ?? SIMULATOR_USER}:${this.o.password ?? SIMULATOR_PASSWORD}`).toString('base64')}`;
    const failure = this.nextFailure();
    if (failure === 'slow')
      await new Promise((r) => setTimeout(r, this.o.slowMs ?? DEFAULT_SLOW_MS));
    if (failure === '401' || req.headers.authorization !== expected) {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="SAP NetWeaver Application Server [S4H/100]"',
      });
      res.end();
      return;
    }
    if (failure === '5xx') {
      odataError(res, 503, '/IWFND/CM_BEC/026', 'Service unavailable');
      return;
    }
    if (failure === '429') {
      res.writeHead(429, { 'retry-after': String(this.o.retryAfterSeconds ?? 1) });
      res.end();
      return;
    }
    if (failure === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"d":{"results":[{"SupplierInvoice":"51056');
      return;
    }
    if (supplierKey) {
      this.supplier(res, supplierKey[1].replace(/''/g, "'"), url);
      return;
    }
    let rows: SupplierInvoiceEntity[];
    try {
      const filter = url.searchParams.get('$filter');
      const node = filter ? parseFilter(filter) : undefined;
      rows = this.invoices.filter((i) => !node || matches(node, i));
    } catch (err) {
      if (!(err instanceof ODataFilterError)) throw err;
      odataError(res, 400, 'SY/530', `Invalid filter: ${err.message}`);
      return;
    }
    const orderby = url.searchParams.get('$orderby');
    if (orderby) {
      const keys = orderby.split(',').map((k) => k.trim().split(/\s+/));
      rows = [...rows].sort((a, b) => {
        for (const [prop, dir] of keys) {
          const c = compare(a[prop], b[prop]);
          if (c) return dir === 'desc' ? -c : c;
        }
        return 0;
      });
    }
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    const top = url.searchParams.has('$top') ? Number(url.searchParams.get('$top')) : Infinity;
    const max = this.o.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
    const window = rows.slice(skip, skip + Math.min(top, max));
    const more = skip + window.length < Math.min(rows.length, skip + top);
    const select = url.searchParams.get('$select')?.split(',');
    const results = window.map((i) => {
      const uri = `${this.baseUrl}/${SAP_ENTITY_SET}(SupplierInvoice='${i.SupplierInvoice}',FiscalYear='${i.FiscalYear}')`;
      const fields = select ? Object.fromEntries(select.map((k) => [k, i[k]])) : i;
      return { __metadata: { id: uri, uri, type: SAP_ENTITY_TYPE }, ...fields };
    });
    const next = new URL(url);
    next.searchParams.set('$skip', String(skip + window.length));
    if (top !== Infinity) next.searchParams.set('$top', String(top - window.length));
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      dataserviceversion: '2.0',
    });
    res.end(JSON.stringify({ d: { results, ...(more && { __next: next.toString() }) } }));
  }
}

if (require.main === module) {
  void SapS4Simulator.start({ port: Number(process.env.SAP_S4_SIM_PORT ?? DEMO_PORT) }).then(
    (sim) =>
      process.stdout.write(
        `SAP S/4HANA simulator: ${sim.baseUrl}/${SAP_ENTITY_SET} (${SIMULATOR_USER})\n`,
      ),
  );
}
