import type { Issue } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import type { WebhookConnector } from './webhook';

export type ConnectorKind = 'poll' | 'webhook';
/** Same values as libs/resilience BreakerState (kept here so the SDK has no runtime dependency). */
export type ConnectorBreakerState = 'closed' | 'open' | 'half_open';

/** A JSON Schema for one connector type's instance `settings`, documenting every field. */
export interface ConfigSchema {
  title?: string;
  description?: string;
  type: 'object';
  required?: string[];
  properties: Record<string, ConfigField>;
  additionalProperties?: boolean;
  [keyword: string]: unknown;
}

export interface ConfigField {
  description: string;
  type?: string | string[];
  default?: unknown;
  examples?: unknown[];
  /** A secret: given as `${VAR}` reference, never printed. */
  'x-secret'?: boolean;
  [keyword: string]: unknown;
}

/** One source item a poll found, ready to become a SourceEvent. */
export interface PolledEvent {
  /** Which mappings apply, e.g. `A_SupplierInvoice`. */
  objectType: string;
  /** The item as the source returned it; published as JSON, untouched. */
  payload: unknown;
  /** The source's own id for this state of the item (dedupe, tracing). */
  sourceEventId?: string;
  correlationId?: string;
  /** ISO time of the source change, for the cursor-age metric. */
  changedAt?: string;
}

/**
 * One record of a page the connector cannot turn into an event (a placeholder id, a field of the
 * wrong type). It is set aside alone: the runner dead-letters it with its reason, the rest of the
 * page is published and the cursor moves past it, so one bad record never blocks a feed.
 */
export interface RejectedRecord {
  /** The object type the record would have had, so a replay after a fix maps it. */
  objectType: string;
  /** The record exactly as the source returned it. */
  record: unknown;
  /** JSON pointer of the record in the source's answer, e.g. `/result/3`. */
  pointer: string;
  /** What is wrong, with JSON pointers relative to the record, e.g. `/sys_id`. */
  issues: Issue[];
}

export interface PollResult<C = unknown> {
  events: PolledEvent[];
  /** Records of this page set aside; dead-lettered before the cursor is saved. */
  rejected?: RejectedRecord[];
  /** Persisted only after every event of this page is confirmed by the broker. */
  nextCursor: C;
  /** More pages are waiting: the runner polls again at once with `nextCursor`. */
  hasMore?: boolean;
}

export interface ConnectionCheck {
  ok: boolean;
  /** What was checked, or what failed and how to fix it. */
  detail: string;
}

/**
 * A connector instance. Three required members; the rest is by kind: `poll` for pulled sources,
 * `webhook` (verify + parse on the raw body) for pushed ones, `lookup` for enrichment.
 */
export interface Connector<C = unknown> {
  readonly id: string;
  /** Connector type = folder under connectors/, e.g. `sap-s4`. */
  readonly system: string;
  readonly kind: ConnectorKind;
  checkConnection(): Promise<ConnectionCheck>;
  poll?(cursor: C | undefined): Promise<PollResult<C>>;
  webhook?: WebhookConnector;
  /** `source`: the system of the exception asking (a connector may key its lookup per source). */
  lookup?(ref: { type: string; id: string; source?: string }): Promise<unknown>;
  /** Worst breaker state over the connector's endpoints; pollers pause while `open`. */
  breakerState?(): ConnectorBreakerState;
  close?(): Promise<void>;
}

/** A polling connector: `poll` is there. */
export type PollingConnector<C = unknown> = Connector<C> & {
  poll(cursor: C | undefined): Promise<PollResult<C>>;
};

export function isPolling<C>(c: Connector<C>): c is PollingConnector<C> {
  return c.kind === 'poll' && typeof c.poll === 'function';
}

export type { SourceEventMeta };
