import type { Tier } from './policy-types';

/** A related exception that is still open (linked by party or reference). */
export interface LinkedException {
  id?: string;
  domain: string;
  type: string;
  tier?: Tier;
  /**
   * How it is linked: `reference` — it shares a reference (the same invoice, payment, order, …),
   * so one item waits on the other; `party` — only a party (the same account or supplier), a crowd
   * rather than a dependency. Absent: not said (counted as a reference link).
   */
  via?: 'reference' | 'party';
}

/**
 * What the hub knows around an exception beyond its own payload: account and supplier facts and
 * related exceptions. Every field is optional; missing fields the policy requires make the score
 * `degraded`.
 */
export interface ScoringContext {
  accountTier?: string;
  /** Annual recurring revenue in the reporting currency, as a decimal string. */
  arr?: string;
  /** The account's next renewal, a UTC date-time or a calendar date. */
  renewalDate?: string;
  openEscalations?: number;
  supplierCriticality?: string;
  linkedOpenExceptions?: LinkedException[];
  blockedItems?: number;
  /** How many times the same root cause was seen before. */
  recurrenceCount?: number;
}

export interface Money {
  value: string;
  currency: string;
}

/** What the scorer reads of an exception. A structural subset of the canonical exception. */
export interface ScoringInput {
  domain: string;
  type: string;
  amount?: Money;
  amountBase?: Money;
  dueAt?: string;
  /** When it happened in the source (what `resolution.impliedDue` may count from). */
  occurredAt?: string;
  signals?: Record<string, unknown>;
  parties?: { role: string; id: string; name?: string; tier?: string }[];
  references?: Record<string, string>;
  context?: ScoringContext;
}
