import type { CanonicalException } from '@exhub/canonical';
import type { EnrichmentConfig } from '@exhub/config';
import type { Connector } from '@exhub/connector-sdk';
import { HubError } from '@exhub/core';
import type { Logger } from '@exhub/observability';
import type { ScoringContext } from '@exhub/prioritization';
import type { ContextFact, ExceptionStore } from '@exhub/store';
import {
  CUSTOMER_TIERS_TABLE,
  LOOKUP_CACHE_MAX_ENTRIES,
  MS_PER_SECOND,
  SUPPLIER_BANK_ACCOUNTS_TABLE,
  SUPPLIER_CRITICALITY_TABLE,
  SUPPLIER_NAMES_TABLE,
} from './context.constants';
import { TtlCache } from './ttl-cache';

/** What can be looked up: CRM account, ERP credit (open invoices), supplier master data. */
export type LookupKind = 'account' | 'credit' | 'supplier';

/**
 * Which exceptions get which lookup, for which party, and the `type` the connector's `lookup` is
 * asked for. Support exceptions get account and credit context; finance exceptions the supplier's
 * and, for a customer's billing dispute or failed renewal payment, the customer's account (ARR,
 * renewal: the revenue at risk).
 */
export const LOOKUPS: readonly {
  kind: LookupKind;
  domain: string;
  roles: readonly string[];
  refType: string;
  /** A failed lookup is not reported missing (the exception is not degraded for it). */
  optional?: boolean;
}[] = [
  { kind: 'account', domain: 'support', roles: ['account', 'customer'], refType: 'account' },
  { kind: 'credit', domain: 'support', roles: ['account', 'customer'], refType: 'customer' },
  { kind: 'supplier', domain: 'finance', roles: ['supplier'], refType: 'supplier' },
  // Supplementary for finance: a CRM outage does not degrade (and later re-publish) every card
  // payment; the answer is used when there is one.
  {
    kind: 'account',
    domain: 'finance',
    roles: ['account', 'customer'],
    refType: 'account',
    optional: true,
  },
];

/** Context that was found, and where it came from (shown as a factor). */
export interface FoundContext {
  kind: LookupKind;
  partyId: string;
  /** Connector id, `<connector> (last answer of <time>)` or `lookup table <name>`. */
  source: string;
  detail: string;
}

/** Context a configured connector could not give: the exception is scored without it. */
export interface MissingContext {
  kind: LookupKind;
  partyId: string;
  connector: string;
  reason: string;
}

export interface Enrichment {
  context: ScoringContext;
  found: FoundContext[];
  missing: MissingContext[];
}

export interface EnrichmentDeps {
  config: Pick<EnrichmentConfig, LookupKind | 'cacheTtlSeconds'>;
  /** The running connector instance with this id (registry), if any. */
  connector(id: string): Pick<Connector, 'lookup' | 'breakerState'> | undefined;
  facts: Pick<ExceptionStore, 'putContextFact' | 'getContextFact'>;
  /** The mapping lookup tables (mappings/lookups/*.csv). */
  tables?: { lookup(table: string, key: unknown, column?: unknown): string | undefined };
  logger?: Logger;
  now?: () => number;
}

/** Lookup errors that are an answer, not an outage. */
const PERMANENT = new Set(['NOT_FOUND', 'INVALID_PAYLOAD']);

type Answer =
  { ok: true; value: unknown; source: string } | { ok: false; connector: string; reason: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const decimal = (v: unknown): string | undefined =>
  typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)
    ? v
    : typeof v === 'number' && Number.isFinite(v)
      ? v.toFixed(2)
      : undefined;
const field = (v: unknown, ...names: string[]): unknown => {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
};

/** What a lookup answer says, as scoring context. Field names are the ones the lookups document. */
function contextOf(kind: LookupKind, v: unknown): ScoringContext {
  switch (kind) {
    case 'account':
      return {
        accountTier: str(field(v, 'tier', 'accountTier')),
        arr: decimal(field(v, 'arr', 'annualRecurringRevenue')),
        renewalDate: str(field(v, 'renewalDate')),
        openEscalations: num(field(v, 'openEscalations')),
      };
    case 'supplier':
      return { supplierCriticality: str(field(v, 'criticality', 'supplierCriticality')) };
    case 'credit':
      // The scoring context has no credit fields: credit status is shown, not scored.
      return {};
  }
}

function describe(kind: LookupKind, partyId: string, source: string, v: unknown): string {
  const said: string[] = [];
  if (kind === 'account') {
    const c = contextOf(kind, v);
    if (c.accountTier) said.push(`tier ${c.accountTier}`);
    if (c.arr) said.push(`ARR ${c.arr}`);
    if (c.renewalDate) said.push(`renewal ${c.renewalDate}`);
    if (c.openEscalations !== undefined) said.push(`${c.openEscalations} open escalation(s)`);
  } else if (kind === 'supplier') {
    const criticality = contextOf(kind, v).supplierCriticality;
    if (criticality) said.push(`criticality ${criticality}`);
    const abc = str(field(v, 'abcClassification'));
    if (abc) said.push(`ABC class ${abc}`);
    if (field(v, 'paymentBlocked') === true) said.push('blocked for payment');
  } else {
    const open = num(field(v, 'openInvoices'));
    if (open !== undefined) said.push(`${open} open invoice(s)`);
    const overdue = decimal(field(v, 'overdueAmount'));
    if (overdue) said.push(`overdue ${overdue}`);
    const status = str(field(v, 'creditStatus'));
    if (status) said.push(`credit status ${status}`);
  }
  const what =
    kind === 'supplier' ? 'Supplier' : kind === 'account' ? 'Account' : 'Customer credit';
  return `${what} ${partyId} from ${source}: ${said.length ? said.join(', ') : 'no details'}.`;
}

/** A creditor name as supplier-names keys it: upper case, spaces collapsed, trimmed. */
export function supplierNameKey(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toUpperCase();
}

/** Fills the fields `from` has that `into` does not (the first answer for a field wins). */
function merge(into: ScoringContext, from: ScoringContext): void {
  for (const [k, v] of Object.entries(from) as [keyof ScoringContext, unknown][]) {
    if (v !== undefined && into[k] === undefined) (into as Record<string, unknown>)[k] = v;
  }
}

/**
 * Looks up the context an exception's score needs, never blocking it: each lookup goes through
 * its connector (and the connector's breaker) with a TTL cache; when the connector fails or its
 * breaker is open, the last good answer stored as a context fact stands in; without one the
 * context is reported missing (the exception is published degraded and re-scored later). Where no
 * connector is configured for a kind, the static lookup tables are the context.
 */
export class EnrichmentService {
  private readonly cache: TtlCache<unknown>;

  constructor(private readonly deps: EnrichmentDeps) {
    this.cache = new TtlCache(
      deps.config.cacheTtlSeconds * MS_PER_SECOND,
      LOOKUP_CACHE_MAX_ENTRIES,
      deps.now ?? Date.now,
    );
  }

  /** The connector configured for a kind, when it is running and its breaker is not open. */
  available(kind: LookupKind): boolean {
    const id = this.deps.config[kind];
    const connector = id ? this.deps.connector(id) : undefined;
    return !!connector?.lookup && connector.breakerState?.() !== 'open';
  }

  /**
   * The ERP supplier id of a creditor a bank names by IBAN (lookup table supplier-bank-accounts,
   * SAP bank details) or by name (supplier-names); undefined when neither lists it, or when the
   * id is already the one the tables use.
   */
  supplierIdOf(party: { id: string; name?: string }): { id: string; via: string } | undefined {
    const look = (table: string, key: string): string | undefined => {
      try {
        return this.deps.tables?.lookup(table, key, 'supplier_id');
      } catch {
        // The table is not installed: nothing to match by.
        return undefined;
      }
    };
    const byIban = look(SUPPLIER_BANK_ACCOUNTS_TABLE, party.id.replace(/\s+/g, '').toUpperCase());
    if (byIban !== undefined)
      return { id: byIban, via: `its bank account in ${SUPPLIER_BANK_ACCOUNTS_TABLE}` };
    for (const name of [party.name, party.id]) {
      if (!name) continue;
      const byName = look(SUPPLIER_NAMES_TABLE, supplierNameKey(name));
      if (byName !== undefined) return { id: byName, via: `its name in ${SUPPLIER_NAMES_TABLE}` };
    }
    return undefined;
  }

  async enrich(
    e: Pick<CanonicalException, 'domain' | 'parties'> & { source?: { system?: string } },
  ): Promise<Enrichment> {
    const result: Enrichment = { context: {}, found: [], missing: [] };
    for (const l of LOOKUPS) {
      if (l.domain !== e.domain) continue;
      const named = (e.parties ?? []).find((p) => l.roles.includes(p.role) && p.id !== '');
      if (!named) continue;
      // A bank names the creditor by IBAN or name: its ERP supplier id is what the ERP and the
      // supplier tables know it by.
      const erp = l.kind === 'supplier' ? this.supplierIdOf(named) : undefined;
      const party = erp ? { ...named, id: erp.id } : named;
      const answer = await this.answer(l.kind, l.refType, party.id, e.source?.system);
      if (answer === undefined) continue;
      if (answer.ok) {
        merge(result.context, contextOf(l.kind, answer.value));
        const label = erp ? `${named.id} (supplier ${erp.id} by ${erp.via})` : party.id;
        result.found.push({
          kind: l.kind,
          partyId: named.id,
          source: answer.source,
          detail: describe(l.kind, label, answer.source, answer.value),
        });
      } else {
        if (!l.optional)
          result.missing.push({
            kind: l.kind,
            partyId: named.id,
            connector: answer.connector,
            reason: answer.reason,
          });
        const table = this.fromTable(l.kind, party.id);
        if (table?.ok) merge(result.context, contextOf(l.kind, table.value));
      }
    }
    return result;
  }

  /** undefined: nothing is known and nothing is configured (or the source says it is not there). */
  private async answer(
    kind: LookupKind,
    refType: string,
    id: string,
    source?: string,
  ): Promise<Answer | undefined> {
    const connectorId = this.deps.config[kind];
    if (!connectorId) return this.fromTable(kind, id);
    // Ids of different sources may look alike (a Zendesk and a ServiceNow number): keyed apart.
    const key = `${kind}:${connectorId}:${source ? `${source}:` : ''}${id}`;
    const cached = this.cache.get(key);
    if (cached)
      return cached.value === null ? undefined : { ok: true, ...cached, source: connectorId };

    const connector = this.deps.connector(connectorId);
    let reason: string;
    if (!connector?.lookup) {
      reason = `connector '${connectorId}' is not running in this process or has no lookup`;
    } else if (connector.breakerState?.() === 'open') {
      reason = `connector '${connectorId}' has its circuit breaker open`;
    } else {
      try {
        const value = await connector.lookup({ type: refType, id, ...(source && { source }) });
        this.cache.set(key, value ?? null);
        if (value === undefined || value === null) return undefined;
        const fact: ContextFact = {
          key,
          value,
          source: connectorId,
          fetchedAt: new Date((this.deps.now ?? Date.now)()).toISOString(),
        };
        await this.deps.facts
          .putContextFact(fact)
          .catch((err: Error) =>
            this.deps.logger?.warn({ key, err: err.message }, 'storing a context fact failed'),
          );
        return { ok: true, value, source: connectorId };
      } catch (err) {
        if (err instanceof HubError && PERMANENT.has(err.errorClass)) {
          // The source answered: no such record, or not one it can look up by this id. Asking
          // again will not change that, so nothing is missing (and nothing waits for it).
          if (err.errorClass === 'INVALID_PAYLOAD')
            this.deps.logger?.warn({ key, err: err.message }, 'context lookup refused the id');
          this.cache.set(key, null);
          return undefined;
        }
        const cls = err instanceof HubError ? `${err.errorClass}: ` : '';
        reason = `connector '${connectorId}' failed (${cls}${(err as Error).message})`;
      }
    }
    const fact = await this.deps.facts.getContextFact(key).catch(() => undefined);
    if (fact)
      return {
        ok: true,
        value: fact.value,
        source: `${connectorId} (last answer of ${fact.fetchedAt})`,
      };
    return { ok: false, connector: connectorId, reason };
  }

  private fromTable(kind: LookupKind, id: string): Answer | undefined {
    const spec =
      kind === 'account'
        ? { table: CUSTOMER_TIERS_TABLE, column: 'tier', field: 'tier' }
        : kind === 'supplier'
          ? { table: SUPPLIER_CRITICALITY_TABLE, column: 'criticality', field: 'criticality' }
          : undefined;
    if (!spec || !this.deps.tables) return undefined;
    const tables = this.deps.tables;
    const look = (table: string, key: string, column: string): string | undefined => {
      try {
        return tables.lookup(table, key, column);
      } catch {
        // The table is not installed: no static context from it.
        return undefined;
      }
    };
    const value = look(spec.table, id, spec.column);
    const source = `lookup table ${spec.table}`;
    return value === undefined ? undefined : { ok: true, value: { [spec.field]: value }, source };
  }
}
