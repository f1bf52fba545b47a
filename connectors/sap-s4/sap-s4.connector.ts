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
import { basicAuth } from '@exhub/resilience';
import type { BreakerMetrics } from '@exhub/resilience';
import { httpClientFromSettings, type ResilientHttpClient } from '@exhub/resilience';
import configSchema from './sap-s4.config.schema.json';
import {
  MS_PER_DAY,
  SAP_ABC_CRITICALITY,
  SAP_DEFAULT_LOOKBACK_DAYS,
  SAP_DEFAULT_PAGE_SIZE,
  SAP_RELEASE_BATCH,
  SAP_ENTITY_SET,
  SAP_OBJECT_TYPE,
  SAP_S4_SYSTEM,
  SAP_SUPPLIER_ENTITY_SET,
  SAP_SUPPLIER_SERVICE,
} from './sap-s4.constants';
import { pollSettings, type PollConnectorOptions } from '@exhub/connector-sdk';
import type { RevealableSecret } from '@exhub/connector-sdk';

export const SAP_S4_CONFIG_SCHEMA = configSchema as unknown as ConfigSchema;

/** A resolved secret as libs/config hands it over: the SDK's one secret type. */
export type { RevealableSecret };

export interface SapS4ConnectorConfig extends PollConnectorOptions {
  baseUrl: string;
  /** OData service of A_Supplier; default: baseUrl with the service name API_BUSINESS_PARTNER. */
  supplierServiceUrl?: string;
  username: string | RevealableSecret;
  password: string | RevealableSecret;
  sapClient?: string;
  /** YYYY-MM-DD; default 30 days before the first poll. */
  startFrom?: string;
}

/** Keyset position: (PostingDate, FiscalYear, SupplierInvoice) of the last invoice read. */
interface Position {
  postingDate: number;
  fiscalYear: string;
  invoice: string;
}

/**
 * The checkpoint. A poll cycle has two phases: `changes` reads invoices posted after the
 * watermark (keyset paging on PostingDate, FiscalYear, SupplierInvoice — the API has no change
 * timestamp); `blocked` then sweeps every invoice with a PaymentBlockingReason and emits only
 * those whose block is new or changed since the last sweep (`blocked`: key → reason);
 * `released` then re-reads the invoices whose block the sweep no longer found (`releasing`, at
 * most SAP_RELEASE_BATCH per request) and emits those now unblocked, so their exceptions end.
 */
export interface SapS4Cursor {
  v: 1;
  phase: 'changes' | 'blocked' | 'released';
  /** Keys (`<FiscalYear>/<SupplierInvoice>`) of released blocks still to re-read. */
  releasing?: string[];
  watermark?: Position;
  sweepAfter?: { fiscalYear: string; invoice: string };
  blocked: Record<string, string>;
  sweeping: Record<string, string>;
}

/** The header fields the connector itself needs; every other field passes through untouched. */
interface InvoiceKeys {
  SupplierInvoice: string;
  FiscalYear: string;
  PostingDate: string;
  PaymentBlockingReason?: string;
}

const SAP_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
/** OData v2 JSON writes Edm.Decimal as a string: optional sign, digits, optional fraction. */
const ODATA_DECIMAL = /^-?\d+(?:\.\d+)?$/;
const reveal = (s: string | RevealableSecret): string => (typeof s === 'string' ? s : s.reveal());
const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** OData v2 datetime literal (UTC, no zone suffix). */
const datetime = (ms: number): string => `datetime'${new Date(ms).toISOString().slice(0, 19)}'`;
const keyOf = (i: InvoiceKeys): string => `${i.FiscalYear}/${i.SupplierInvoice}`;

/** What `lookup({ type: 'supplier', id })` answers: the supplier's master data for enrichment. */
export interface SapSupplierContext {
  type: 'supplier';
  id: string;
  name?: string;
  /** From the ABC classification of its purchasing organisations (the best one wins). */
  criticality?: string;
  abcClassification?: string;
  paymentBlocked: boolean;
  postingBlocked: boolean;
}

interface SupplierEntity {
  Supplier?: unknown;
  SupplierName?: unknown;
  PaymentIsBlockedForSupplier?: unknown;
  PostingIsBlocked?: unknown;
  to_SupplierPurchasingOrg?: { results?: { SupplierABCClassificationCode?: unknown }[] };
}

/** Polls SAP S/4HANA supplier invoices (OData v2 API_SUPPLIERINVOICE_PROCESS_SRV). */
export class SapS4Connector implements Connector<SapS4Cursor> {
  readonly system = SAP_S4_SYSTEM;
  readonly kind = 'poll' as const;
  readonly configSchema = SAP_S4_CONFIG_SCHEMA;
  readonly client: ResilientHttpClient;
  private readonly pageSize: number;

  /** The business partner service (supplier lookups): same credentials, retries and breaker settings. */
  readonly supplierClient: ResilientHttpClient;

  constructor(private readonly config: SapS4ConnectorConfig) {
    this.pageSize = config.pageSize ?? SAP_DEFAULT_PAGE_SIZE;
    this.supplierClient = httpClientFromSettings(
      config,
      config.supplierServiceUrl ?? config.baseUrl.replace(/[^/]+\/?$/, SAP_SUPPLIER_SERVICE),
      basicAuth(reveal(config.username), reveal(config.password)),
    );
    this.client = httpClientFromSettings(
      config,
      config.baseUrl,
      basicAuth(reveal(config.username), reveal(config.password)),
    );
  }

  get id(): string {
    return this.config.id;
  }

  breakerState(): ConnectorBreakerState {
    const states = [this.client.breakerState, this.supplierClient.breakerState];
    if (states.includes('open')) return 'open';
    return states.includes('half_open') ? 'half_open' : 'closed';
  }

  /**
   * Enrichment: `{ type: 'supplier', id }` reads A_Supplier with its purchasing organisations
   * through the connector's breaker and retries; the best ABC class gives the criticality.
   */
  async lookup(ref: { type: string; id: string }): Promise<SapSupplierContext> {
    if (ref.type !== 'supplier') {
      throw new NotFoundError(
        'enrich',
        `connector '${this.id}' looks up suppliers only (type 'supplier'), not '${ref.type}'`,
      );
    }
    const res = await this.supplierClient.getJson<{ d?: SupplierEntity }>(
      SAP_SUPPLIER_ENTITY_SET,
      `/${SAP_SUPPLIER_ENTITY_SET}(${quote(ref.id)})`,
      { $expand: 'to_SupplierPurchasingOrg', $format: 'json', 'sap-client': this.config.sapClient },
    );
    const d = res.data?.d;
    if (!d || typeof d.Supplier !== 'string') {
      throw new InvalidPayloadError(
        'enrich',
        `connector '${this.id}': ${SAP_SUPPLIER_ENTITY_SET}(${quote(ref.id)}) is not an OData v2 entity {"d":{"Supplier":…}}`,
        [{ pointer: '/d/Supplier', rule: 'required', message: 'must be the supplier number' }],
      );
    }
    const classes = (d.to_SupplierPurchasingOrg?.results ?? [])
      .map((o) => o.SupplierABCClassificationCode)
      .filter((c): c is string => typeof c === 'string' && c in SAP_ABC_CRITICALITY)
      .sort();
    const best = classes[0];
    return {
      type: 'supplier',
      id: d.Supplier,
      ...(typeof d.SupplierName === 'string' && d.SupplierName !== '' && { name: d.SupplierName }),
      ...(best !== undefined && {
        criticality: SAP_ABC_CRITICALITY[best],
        abcClassification: best,
      }),
      paymentBlocked: d.PaymentIsBlockedForSupplier === true,
      postingBlocked: d.PostingIsBlocked === true,
    };
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      const res = await this.client.getJson<{ d?: { results?: unknown } }>(
        SAP_ENTITY_SET,
        `/${SAP_ENTITY_SET}`,
        {
          $top: 1,
          $select: 'SupplierInvoice',
          $format: 'json',
          'sap-client': this.config.sapClient,
        },
      );
      if (!Array.isArray(res.data?.d?.results)) {
        return { ok: false, detail: `${SAP_ENTITY_SET} did not answer an OData v2 collection` };
      }
      return { ok: true, detail: `${SAP_ENTITY_SET} answered to the communication user` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  /**
   * One invoice by its keys, read with the same A_SupplierInvoice query the poll uses (a `$filter`
   * on FiscalYear and SupplierInvoice), so an invoice named by a business event is published
   * exactly as the poll would publish it. Undefined when SAP does not return it. An entity that
   * fails the poll's checks is returned too, untouched: the pipeline dead-letters what it cannot map.
   */
  async readInvoice(supplierInvoice: string, fiscalYear: string): Promise<unknown> {
    const page = await this.query({
      $filter: `(FiscalYear eq ${quote(fiscalYear)} and SupplierInvoice eq ${quote(supplierInvoice)})`,
      $top: 1,
    });
    return page.items[0]?.raw ?? page.rejected[0]?.record;
  }

  async poll(cursor: SapS4Cursor | undefined): Promise<PollResult<SapS4Cursor>> {
    const c: SapS4Cursor = cursor
      ? structuredClone(cursor)
      : { v: 1, phase: 'changes', blocked: {}, sweeping: {} };
    if (c.phase === 'released') return this.pollReleased(c);
    return c.phase === 'changes' ? this.pollChanges(c) : this.pollBlocked(c);
  }

  async close(): Promise<void> {
    this.client.shutdown();
    this.supplierClient.shutdown();
  }

  private async pollChanges(c: SapS4Cursor): Promise<PollResult<SapS4Cursor>> {
    const w = c.watermark;
    const filter = w
      ? `PostingDate gt ${datetime(w.postingDate)} or (PostingDate eq ${datetime(w.postingDate)} and ` +
        `(FiscalYear gt ${quote(w.fiscalYear)} or (FiscalYear eq ${quote(w.fiscalYear)} and ` +
        `SupplierInvoice gt ${quote(w.invoice)})))`
      : `PostingDate ge ${datetime(this.startMs())}`;
    const page = await this.query({
      $filter: filter,
      $orderby: 'PostingDate asc,FiscalYear asc,SupplierInvoice asc',
      $top: this.pageSize,
    });
    const events = page.items.map((item) => {
      const reason = item.keys.PaymentBlockingReason ?? '';
      // Announced here: the sweep must not announce the same block again.
      if (reason) c.blocked[keyOf(item.keys)] = reason;
      return this.event(item, 'posted');
    });
    const { last, rejected } = page;
    if (last) {
      c.watermark = {
        postingDate: last.postingMs,
        fiscalYear: last.keys.FiscalYear,
        invoice: last.keys.SupplierInvoice,
      };
    }
    if (page.full) return { events, rejected, nextCursor: c, hasMore: true };
    c.phase = 'blocked';
    c.sweepAfter = undefined;
    c.sweeping = {};
    return { events, rejected, nextCursor: c, hasMore: true };
  }

  private async pollBlocked(c: SapS4Cursor): Promise<PollResult<SapS4Cursor>> {
    const a = c.sweepAfter;
    const after = a
      ? ` and (FiscalYear gt ${quote(a.fiscalYear)} or (FiscalYear eq ${quote(a.fiscalYear)} and ` +
        `SupplierInvoice gt ${quote(a.invoice)}))`
      : '';
    const page = await this.query({
      $filter: `PaymentBlockingReason ne ''${after}`,
      $orderby: 'FiscalYear asc,SupplierInvoice asc',
      $top: this.pageSize,
    });
    const events: PolledEvent[] = [];
    for (const item of page.items) {
      const key = keyOf(item.keys);
      const reason = item.keys.PaymentBlockingReason ?? '';
      if (!reason) continue;
      c.sweeping[key] = reason;
      if (c.blocked[key] !== reason) events.push(this.event(item, `block-${reason}`));
    }
    // A set-aside entity the change feed reads (posted since startFrom) is dead-lettered there;
    // the sweep sets aside only the older ones, which the change feed never sees.
    const start = this.startMs();
    const rejected = page.rejected.filter((r) => {
      const e = r.record as Record<string, unknown>;
      return keyIssues(e).length > 0 || invoiceItem(e).postingMs < start;
    });
    const { last } = page;
    if (last)
      c.sweepAfter = { fiscalYear: last.keys.FiscalYear, invoice: last.keys.SupplierInvoice };
    if (page.full) return { events, rejected, nextCursor: c, hasMore: true };
    // Sweep complete: released blocks drop out, so a block set again later is announced again,
    // and are re-read (phase `released`) so the exceptions they raised can end.
    const released = Object.keys(c.blocked).filter((k) => !(k in c.sweeping));
    c.blocked = c.sweeping;
    c.sweeping = {};
    c.sweepAfter = undefined;
    c.releasing = [...new Set([...(c.releasing ?? []), ...released])];
    c.phase = c.releasing.length > 0 ? 'released' : 'changes';
    return { events, rejected, nextCursor: c, hasMore: c.phase === 'released' };
  }

  /**
   * Re-reads up to SAP_RELEASE_BATCH invoices whose block was released and emits those still
   * unblocked (state `released@<time>`). One blocked again meanwhile is left to the next sweep;
   * one the API no longer returns (deleted, archived) is dropped: the hub cannot know why.
   */
  private async pollReleased(c: SapS4Cursor): Promise<PollResult<SapS4Cursor>> {
    const batch = (c.releasing ?? []).slice(0, SAP_RELEASE_BATCH);
    const filter = batch
      .map((k) => {
        const [fiscalYear, invoice] = [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)];
        return `(FiscalYear eq ${quote(fiscalYear)} and SupplierInvoice eq ${quote(invoice)})`;
      })
      .join(' or ');
    const page = await this.query({ $filter: filter, $top: batch.length });
    const at = new Date((this.config.now ?? Date.now)()).toISOString();
    const events = page.items
      .filter((item) => !item.keys.PaymentBlockingReason)
      .map((item) => this.event(item, `released@${at}`));
    // A re-read invoice the connector must set aside is dead-lettered like any other.
    const { rejected } = page;
    c.releasing = (c.releasing ?? []).slice(batch.length);
    if (c.releasing.length > 0) return { events, rejected, nextCursor: c, hasMore: true };
    c.releasing = undefined;
    c.phase = 'changes';
    return { events, rejected, nextCursor: c, hasMore: false };
  }

  private event(item: InvoiceItem, state: string): PolledEvent {
    return {
      objectType: SAP_OBJECT_TYPE,
      payload: item.raw,
      sourceEventId: `${SAP_ENTITY_SET}(SupplierInvoice='${item.keys.SupplierInvoice}',FiscalYear='${item.keys.FiscalYear}')#${state}`,
      changedAt: new Date(item.postingMs).toISOString(),
    };
  }

  private startMs(): number {
    if (this.config.startFrom) return Date.parse(`${this.config.startFrom}T00:00:00Z`);
    const now = (this.config.now ?? Date.now)();
    return Math.floor(now / MS_PER_DAY) * MS_PER_DAY - SAP_DEFAULT_LOOKBACK_DAYS * MS_PER_DAY;
  }

  /**
   * One OData page. A broken envelope refuses the page; an entity that fails its checks is set
   * aside alone. `last` is the last entity whose ordering keys are readable, valid or set aside,
   * so the keyset moves past a set-aside one too.
   */
  private async query(params: Record<string, string | number>): Promise<{
    items: InvoiceItem[];
    rejected: RejectedRecord[];
    last?: InvoiceItem;
    full: boolean;
  }> {
    const res = await this.client.getJson(SAP_ENTITY_SET, `/${SAP_ENTITY_SET}`, {
      ...params,
      $format: 'json',
      'sap-client': this.config.sapClient,
    });
    const body = res.data as { d?: { results?: unknown; __next?: unknown } } | null;
    const results = body?.d?.results;
    if (!Array.isArray(results)) {
      throw new InvalidPayloadError(
        'parse',
        `connector '${this.id}': ${SAP_ENTITY_SET} response is not an OData v2 collection {"d":{"results":[…]}}`,
        [
          {
            pointer: '/d/results',
            rule: 'required',
            message: 'must be an array of A_SupplierInvoice entities',
          },
        ],
      );
    }
    const { valid, rejected, placed } = screenRecords(
      results,
      SAP_OBJECT_TYPE,
      '/d/results',
      contentIssues,
      keyIssues,
    );
    const items = valid.map((v) => invoiceItem(v.record));
    const lastPlaced = placed.at(-1);
    const last = lastPlaced && invoiceItem(lastPlaced);
    const requested = typeof params.$top === 'number' ? params.$top : Infinity;
    return {
      items,
      rejected,
      last,
      full: results.length >= requested || typeof body?.d?.__next === 'string',
    };
  }
}

interface InvoiceItem {
  raw: unknown;
  keys: InvoiceKeys;
  postingMs: number;
}

function invoiceItem(e: Record<string, unknown>): InvoiceItem {
  const date = SAP_DATE.exec(e.PostingDate as string);
  return { raw: e, keys: e as unknown as InvoiceKeys, postingMs: date ? Number(date[1]) : 0 };
}

/** The keys the keyset pages on: without them an entity cannot be placed in the order. */
function keyIssues(e: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  for (const field of ['SupplierInvoice', 'FiscalYear'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '')
      issues.push({
        pointer: `/${field}`,
        rule: 'required',
        message: 'must be a non-empty string',
      });
  }
  if (typeof e.PostingDate !== 'string' || !SAP_DATE.test(e.PostingDate))
    issues.push({
      pointer: '/PostingDate',
      rule: 'format',
      message: 'must be an OData date like /Date(1492041600000)/',
    });
  return issues;
}

/** What the hub reads of an entity beyond its keys, in the types OData v2 JSON gives them. */
function contentIssues(e: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  if (
    e.PaymentBlockingReason !== undefined &&
    e.PaymentBlockingReason !== null &&
    typeof e.PaymentBlockingReason !== 'string'
  )
    issues.push({ pointer: '/PaymentBlockingReason', rule: 'type', message: 'must be a string' });
  if (
    e.InvoiceGrossAmount !== undefined &&
    (typeof e.InvoiceGrossAmount !== 'string' || !ODATA_DECIMAL.test(e.InvoiceGrossAmount))
  )
    issues.push({
      pointer: '/InvoiceGrossAmount',
      rule: 'format',
      message: `must be an Edm.Decimal string like "2400.00", not ${JSON.stringify(e.InvoiceGrossAmount)}`,
    });
  return issues;
}

/** Builds the connector from an instance's resolved `settings` (see sap-s4.config.schema.json). */
export function sapS4FromSettings(
  id: string,
  s: Record<string, unknown>,
  metrics?: BreakerMetrics,
): SapS4Connector {
  return new SapS4Connector({
    ...pollSettings(id, s, metrics),
    baseUrl: String(s.baseUrl),
    supplierServiceUrl: s.supplierServiceUrl as string | undefined,
    username: s.username as string | RevealableSecret,
    password: s.password as string | RevealableSecret,
    sapClient: s.sapClient as string | undefined,
  });
}
