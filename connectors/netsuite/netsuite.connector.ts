import type {
  ConfigSchema,
  ConnectionCheck,
  Connector,
  ConnectorBreakerState,
  PolledEvent,
  PollResult,
  RejectedRecord,
} from '@exhub/connector-sdk';
import { InvalidPayloadError, type Issue } from '@exhub/core';
import { screenRecords } from '@exhub/connector-sdk';
import type { BreakerMetrics } from '@exhub/resilience';
import configSchema from './netsuite.config.schema.json';
import {
  MS_PER_DAY,
  NETSUITE_DEFAULT_LOOKBACK_DAYS,
  NETSUITE_DEFAULT_PAGE_SIZE,
  NETSUITE_CREDIT_SEARCH_TYPE,
  NETSUITE_OBJECT_TYPE,
  NETSUITE_RECORD_TYPES,
  NETSUITE_SEARCH_TYPE,
  NETSUITE_SYSTEM,
  NS_COMMON,
  NS_CORE,
} from './netsuite.constants';
import { SuiteTalkClient, xmlText } from './suitetalk.client';
import { pollSettings, type PollConnectorOptions } from '@exhub/connector-sdk';
import type { RevealableSecret } from '@exhub/connector-sdk';

export const NETSUITE_CONFIG_SCHEMA = configSchema as unknown as ConfigSchema;

/** A resolved secret as libs/config hands it over: the SDK's one secret type. */
export type { RevealableSecret };
type SecretLike = string | RevealableSecret;

export interface NetSuiteConnectorConfig extends PollConnectorOptions {
  /** The SOAP port URL (…/services/NetSuitePort_2015_1). */
  endpoint: string;
  account: SecretLike;
  consumerKey: SecretLike;
  consumerSecret: SecretLike;
  tokenId: SecretLike;
  tokenSecret: SecretLike;
  /** YYYY-MM-DD; default 30 days before the first poll. */
  startFrom?: string;
}

/**
 * The checkpoint, JSON round-trippable. `watermark` is the newest lastModifiedDate (ISO UTC) of a
 * completed search and `seen` the internal ids read at exactly that instant, so the next search
 * (`lastModifiedDate onOrAfter watermark`) skips them but not a bill changed in the same second.
 * While a search is being paged, `search` holds its id, the next page and the newest change so far.
 */
export interface NetSuiteCursor {
  v: 1;
  watermark?: string;
  seen: string[];
  search?: {
    id: string;
    nextPage: number;
    totalPages: number;
    high?: string;
    highIds: string[];
  };
}

/** One VendorBill or VendorCredit record as `soap` parsed it (attributes under `attributes`). */
export type VendorBillRecord = Record<string, unknown> & {
  attributes?: { internalId?: string; 'xsi:type'?: string };
};

interface ParsedPage {
  /** Records that passed their checks. */
  records: BillKey[];
  /** Every record whose id and change instant are readable, set aside or not: the cursor's order. */
  positions: BillKey[];
  /** Records set aside, with their key where it is readable. */
  setAside: { rejected: RejectedRecord; key?: BillKey }[];
  searchId?: string;
  pageIndex: number;
  totalPages: number;
}

/** xsd:double as SuiteTalk writes amounts (the SOAP layer leaves them as text). */
const XSD_DOUBLE = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

const reveal = (s: SecretLike): string => (typeof s === 'string' ? s : s.reveal());

/** The record type of a record (`tranPurch:VendorCredit` → VendorCredit), when it is one we read. */
export function recordTypeOf(raw: VendorBillRecord): string | undefined {
  const xsiType = raw.attributes?.['xsi:type'];
  const name = typeof xsiType === 'string' ? xsiType.split(':').pop() : undefined;
  return name && NETSUITE_RECORD_TYPES.includes(name) ? name : undefined;
}

/**
 * The PolledEvent for one bill or vendor credit: the record untouched, keyed by its type, id and
 * change instant. A vendor credit is published as objectType VendorCredit, so the bill mappings
 * (payables) never see it.
 */
export function vendorBillEvent(
  raw: VendorBillRecord,
  id: string,
  modifiedMs: number,
): PolledEvent {
  const at = new Date(modifiedMs).toISOString();
  const objectType = recordTypeOf(raw) ?? NETSUITE_OBJECT_TYPE;
  return {
    objectType,
    payload: raw,
    sourceEventId: `${objectType}/${id}@${at}`,
    changedAt: at,
  };
}

/**
 * Checks a search page as `soap` parsed it and returns its records; every problem is an issue
 * with a JSON pointer into the parsed response (`/searchResult/recordList/record/2/lastModifiedDate`).
 */
export function parseSearchPage(result: Record<string, unknown>, where: string): ParsedPage {
  const sr = result.searchResult as Record<string, unknown> | undefined;
  const issues: Issue[] = [];
  if (!sr || typeof sr !== 'object') {
    throw new InvalidPayloadError('parse', `${where}: the response has no searchResult`, [
      { pointer: '/searchResult', rule: 'required', message: 'must be a SearchResult' },
    ]);
  }
  const status = sr.status as { attributes?: { isSuccess?: unknown } } | undefined;
  if (String(status?.attributes?.isSuccess) !== 'true') {
    const detail = (status as { statusDetail?: unknown } | undefined)?.statusDetail;
    const first = (Array.isArray(detail) ? detail[0] : detail) as
      { code?: string; message?: string } | undefined;
    throw new InvalidPayloadError(
      'parse',
      `${where}: the search failed (${first?.code ?? 'no code'}: ${first?.message ?? 'no message'})`,
      [
        {
          pointer: '/searchResult/status',
          rule: 'isSuccess',
          message: first?.message ?? 'isSuccess is not true',
        },
      ],
    );
  }
  const int = (k: string, dflt: number): number => {
    const v = sr[k];
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      issues.push({
        pointer: `/searchResult/${k}`,
        rule: 'type',
        message: 'must be a non-negative integer',
      });
      return dflt;
    }
    return n;
  };
  const totalPages = int('totalPages', 1);
  const pageIndex = int('pageIndex', 1);
  const list = (sr.recordList as { record?: unknown } | undefined)?.record;
  const raws = list === undefined ? [] : Array.isArray(list) ? list : [list];
  const base = '/searchResult/recordList/record';
  const { valid, rejected, placed } = screenRecords(
    raws,
    NETSUITE_OBJECT_TYPE,
    base,
    billContentIssues,
    billKeyIssues,
  );
  const records = valid.map((v) => billKeys(v.record));
  const positions = placed.map(billKeys);
  const setAside = rejected.map((r) => {
    const raw = (r.record ?? {}) as VendorBillRecord;
    const type = typeof r.record === 'object' && r.record ? recordTypeOf(raw) : undefined;
    return {
      rejected: type ? { ...r, objectType: type } : r,
      key: billKeyIssues(raw).length === 0 ? billKeys(raw) : undefined,
    };
  });
  if (totalPages > pageIndex && (typeof sr.searchId !== 'string' || sr.searchId === '')) {
    issues.push({
      pointer: '/searchResult/searchId',
      rule: 'required',
      message: 'needed to read the next page',
    });
  }
  if (issues.length) {
    throw new InvalidPayloadError(
      'parse',
      `${where}: ${issues.length} invalid field(s): ${issues[0].pointer} ${issues[0].message}`,
      issues,
    );
  }
  return {
    records,
    positions,
    setAside,
    searchId: sr.searchId as string | undefined,
    pageIndex,
    totalPages,
  };
}

interface BillKey {
  raw: VendorBillRecord;
  id: string;
  modifiedMs: number;
}

const billKeys = (raw: VendorBillRecord): BillKey => ({
  raw,
  id: String(raw.attributes?.internalId),
  modifiedMs: Date.parse(raw.lastModifiedDate as string),
});

/** What places a record in the change order: its internal id and change instant. */
function billKeyIssues(raw: VendorBillRecord): Issue[] {
  const issues: Issue[] = [];
  const id = raw.attributes?.internalId;
  if (typeof id !== 'string' || id === '') {
    issues.push({
      pointer: '/attributes/internalId',
      rule: 'required',
      message: 'must be a non-empty string',
    });
  }
  const modified =
    typeof raw.lastModifiedDate === 'string' ? Date.parse(raw.lastModifiedDate) : NaN;
  if (Number.isNaN(modified)) {
    issues.push({
      pointer: '/lastModifiedDate',
      rule: 'format',
      message: 'must be an xsd:dateTime',
    });
  }
  return issues;
}

/** Amounts the mappings read, per record type. */
const AMOUNT_FIELDS: Record<string, readonly string[]> = {
  VendorBill: ['userTotal', 'taxTotal'],
  VendorCredit: ['userTotal', 'total', 'unApplied', 'applied'],
};

/** The record's type and the fields the connector reads. */
function billContentIssues(raw: VendorBillRecord): Issue[] {
  const issues: Issue[] = [];
  const type = recordTypeOf(raw);
  if (!type) {
    issues.push({
      pointer: '/attributes/xsi:type',
      rule: 'type',
      message: `must be one of ${NETSUITE_RECORD_TYPES.join(', ')}`,
    });
  }
  for (const flag of ['paymentHold', 'autoApply'] as const) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') {
      issues.push({ pointer: `/${flag}`, rule: 'type', message: 'must be a boolean' });
    }
  }
  for (const field of AMOUNT_FIELDS[type ?? NETSUITE_OBJECT_TYPE]) {
    const v = raw[field];
    if (
      v !== undefined &&
      !(typeof v === 'number' || (typeof v === 'string' && XSD_DOUBLE.test(v)))
    )
      issues.push({
        pointer: `/${field}`,
        rule: 'type',
        message: `must be an xsd:double like "312.40", not ${JSON.stringify(v)}`,
      });
  }
  return issues;
}

/** Polls NetSuite vendor bills and vendor credits that changed (SuiteTalk SOAP, TBA). */
export class NetSuiteConnector implements Connector<NetSuiteCursor> {
  readonly system = NETSUITE_SYSTEM;
  readonly kind = 'poll' as const;
  readonly configSchema = NETSUITE_CONFIG_SCHEMA;
  readonly client: SuiteTalkClient;

  constructor(private readonly config: NetSuiteConnectorConfig) {
    this.client = new SuiteTalkClient({
      connector: config.id,
      endpoint: config.endpoint,
      allowedHosts: config.allowedHosts,
      credentials: {
        account: reveal(config.account),
        consumerKey: reveal(config.consumerKey),
        consumerSecret: reveal(config.consumerSecret),
        tokenId: reveal(config.tokenId),
        tokenSecret: reveal(config.tokenSecret),
      },
      pageSize: config.pageSize ?? NETSUITE_DEFAULT_PAGE_SIZE,
      timeoutMs: config.timeoutMs,
      maxResponseBytes: config.maxResponseBytes,
      retry: config.retry,
      breaker: config.breaker,
      metrics: config.metrics,
    });
  }

  get id(): string {
    return this.config.id;
  }

  breakerState(): ConnectorBreakerState {
    return this.client.breakerState;
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      const res = await this.client.call('getServerTime', {});
      const r = res.getServerTimeResult as
        { status?: { attributes?: { isSuccess?: unknown } }; serverTime?: unknown } | undefined;
      if (String(r?.status?.attributes?.isSuccess) !== 'true') {
        return { ok: false, detail: 'getServerTime did not answer isSuccess="true"' };
      }
      return {
        ok: true,
        detail: `getServerTime answered ${String(r?.serverTime ?? '')} to the token passport`,
      };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async poll(cursor: NetSuiteCursor | undefined): Promise<PollResult<NetSuiteCursor>> {
    const c: NetSuiteCursor = cursor ? structuredClone(cursor) : { v: 1, seen: [] };
    const where = `connector '${this.id}' NetSuitePort`;
    let page: ParsedPage;
    if (c.search) {
      const res = await this.client.call('searchMoreWithId', {
        searchId: c.search.id,
        pageIndex: c.search.nextPage,
      });
      try {
        page = parseSearchPage(res, `${where} searchMoreWithId`);
      } catch (err) {
        // An expired or unknown search id: start the search again from the watermark.
        if (
          err instanceof InvalidPayloadError &&
          err.issues[0]?.pointer === '/searchResult/status'
        ) {
          c.search = undefined;
          return { events: [], nextCursor: c, hasMore: true };
        }
        throw err;
      }
    } else {
      const res = await this.client.call('search', { searchRecord: this.searchRecord(c) });
      page = parseSearchPage(res, `${where} search`);
      c.search = { id: page.searchId ?? '', nextPage: 1, totalPages: page.totalPages, highIds: [] };
    }
    const s = c.search!;
    const watermarkMs = c.watermark ? Date.parse(c.watermark) : -Infinity;
    const seen = new Set(c.seen);
    let highMs = s.high ? Date.parse(s.high) : -Infinity;
    const read = (r: BillKey): boolean =>
      r.modifiedMs < watermarkMs || (r.modifiedMs === watermarkMs && seen.has(r.id));
    for (const r of page.positions) {
      if (read(r)) continue;
      if (r.modifiedMs > highMs) {
        highMs = r.modifiedMs;
        s.highIds = [r.id];
      } else if (r.modifiedMs === highMs && !s.highIds.includes(r.id)) {
        s.highIds.push(r.id);
      }
    }
    // Every changed bill and credit: the mappings decide what is an exception
    // (netsuite.vendor-bill, netsuite.vendor-credit) and what ends one (…-ended).
    const events = page.records
      .filter((r) => !read(r))
      .map((r) => vendorBillEvent(r.raw, r.id, r.modifiedMs));
    const rejected = page.setAside.filter((r) => !r.key || !read(r.key)).map((r) => r.rejected);
    if (highMs > -Infinity) s.high = new Date(highMs).toISOString();
    if (page.pageIndex < page.totalPages) {
      s.nextPage = page.pageIndex + 1;
      s.totalPages = page.totalPages;
      return { events, rejected, nextCursor: c, hasMore: true };
    }
    // Search complete: the newest change read becomes the watermark.
    if (s.high) {
      if (s.high === c.watermark) c.seen = [...new Set([...c.seen, ...s.highIds])];
      else {
        c.watermark = s.high;
        c.seen = s.highIds;
      }
    }
    c.search = undefined;
    return { events, rejected, nextCursor: c, hasMore: false };
  }

  async close(): Promise<void> {
    this.client.shutdown();
  }

  /**
   * TransactionSearchBasic: vendor bills and vendor credits changed on or after the watermark, in
   * one search (transaction internal ids are unique across transaction types, so one cursor holds).
   */
  private searchRecord(c: NetSuiteCursor): Record<string, unknown> {
    const from = c.watermark ?? new Date(this.startMs()).toISOString();
    return {
      attributes: {
        'xsi:type': 'platformCommon:TransactionSearchBasic',
        'xmlns:platformCommon': NS_COMMON,
        'xmlns:platformCore': NS_CORE,
      },
      $xml:
        `<platformCommon:lastModifiedDate operator="onOrAfter">` +
        `<platformCore:searchValue>${xmlText(from)}</platformCore:searchValue>` +
        `</platformCommon:lastModifiedDate>` +
        `<platformCommon:type operator="anyOf">` +
        `<platformCore:searchValue>${NETSUITE_SEARCH_TYPE}</platformCore:searchValue>` +
        `<platformCore:searchValue>${NETSUITE_CREDIT_SEARCH_TYPE}</platformCore:searchValue>` +
        `</platformCommon:type>`,
    };
  }

  private startMs(): number {
    if (this.config.startFrom) return Date.parse(`${this.config.startFrom}T00:00:00Z`);
    const now = (this.config.now ?? Date.now)();
    return Math.floor(now / MS_PER_DAY) * MS_PER_DAY - NETSUITE_DEFAULT_LOOKBACK_DAYS * MS_PER_DAY;
  }
}

/** Builds the connector from an instance's resolved `settings` (see netsuite.config.schema.json). */
export function netSuiteFromSettings(
  id: string,
  s: Record<string, unknown>,
  metrics?: BreakerMetrics,
): NetSuiteConnector {
  return new NetSuiteConnector({
    ...pollSettings(id, s, metrics),
    endpoint: String(s.endpoint),
    account: s.account as SecretLike,
    consumerKey: s.consumerKey as SecretLike,
    consumerSecret: s.consumerSecret as SecretLike,
    tokenId: s.tokenId as SecretLike,
    tokenSecret: s.tokenSecret as SecretLike,
  });
}
