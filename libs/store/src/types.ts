import type { CanonicalException, Status, Tier } from '@exhub/canonical';

export const API_KEY_ROLES = ['viewer', 'steward', 'operator', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export const OUTCOME_KINDS = ['resolved', 'escalated', 'overridden', 'dismissed'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** Who reported an outcome: a person's decision, a workflow tool, or the source system itself. */
export const RESOLVED_BY = ['person', 'workflow', 'source'] as const;
export type ResolvedBy = (typeof RESOLVED_BY)[number];

export const DECISION_ACTIONS = ['approve', 'override', 'resolve', 'dismiss'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

export type StoreKind = 'sqlite' | 'postgres';

export interface UpsertContext {
  actor: string;
  at?: Date;
}

export interface UpsertResult {
  /** The exception as stored: `version` and `status` are the store's. */
  exception: CanonicalException;
  /** First time this id was seen. */
  created: boolean;
  /** A new version was written (created, or the content differs from the current version). */
  changed: boolean;
  /** A resolved or dismissed exception was re-opened by this new source fact. */
  reopened: boolean;
  /**
   * The document this call stored (`JSON.stringify(exception)`) when it wrote a new version: a
   * publish of the stored exception can send it as is instead of serialising it again.
   */
  document?: string;
}

export interface ExceptionVersion {
  id: string;
  version: number;
  contentHash: string;
  recordedAt: string;
  exception: CanonicalException;
}

export interface WorklistQuery {
  domain?: string;
  type?: string;
  tier?: string;
  status?: string;
  partyId?: string;
  /** Opaque, from the previous page's `nextCursor`. */
  cursor?: string;
  limit?: number;
}

export interface WorklistPage {
  items: CanonicalException[];
  /** Present when more items follow. */
  nextCursor?: string;
}

export interface AuditInput {
  actor: string;
  action: string;
  exceptionId?: string;
  details?: Record<string, unknown>;
  at?: Date;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  exceptionId: string | null;
  /** JSON text exactly as hashed. */
  details: string;
  prevHash: string;
  hash: string;
}

export type AuditVerification =
  | { ok: true; entries: number; headHash: string }
  | {
      ok: false;
      entries: number;
      broken: {
        seq: number;
        field: 'hash' | 'prevHash' | 'seq' | 'head';
        expected: string;
        found: string;
        reason: string;
      };
    };

export interface ConnectorCursor {
  connectorId: string;
  cursor: string;
  updatedAt: string;
}

export interface WebhookEventInput {
  connectorId: string;
  sourceEventId: string;
  eventId: string;
  correlationId: string;
}

/**
 * `pending`: claimed, its effect (the broker's publish confirm) not yet recorded; `confirmed`: done.
 * Only a confirmed claim makes a retry a duplicate.
 */
export type WebhookEventState = 'pending' | 'confirmed';

export interface WebhookEventClaim {
  /**
   * This call holds the claim and must carry out the event, then confirm it: a new id, or a pending
   * claim older than the pending timeout taken over (its owner died or stalled). False = another
   * acceptance holds it (see `state`).
   */
  isNew: boolean;
  /** The first acceptance's ids (a takeover reuses them, so downstream ids stay the same). */
  eventId: string;
  correlationId: string;
  /** The claim's state as found (`pending` for a claim this call just took). */
  state: WebhookEventState;
  /** isNew false and pending: ms until the claim may be taken over (the caller answers "retry"). */
  retryAfterMs?: number;
  /** isNew true: the claim was a stale pending one, taken over from its owner. */
  takenOver?: true;
}

export interface ContextFact {
  key: string;
  value: unknown;
  source: string;
  fetchedAt: string;
}

export interface OutcomeInput {
  exceptionId: string;
  version?: number;
  kind: OutcomeKind;
  actor: string;
  reason?: string;
  at?: Date;
  tierBefore?: Tier;
  tierAfter?: Tier;
  /** Default `workflow` (exhub.outcomes). */
  resolvedBy?: ResolvedBy;
}

export interface OutcomeRecord {
  id: string;
  exceptionId: string;
  version: number;
  kind: OutcomeKind;
  actor: string;
  reason: string | null;
  at: string;
  tierBefore: string | null;
  tierAfter: string | null;
  /** Who reported it; null for outcomes recorded before the store kept it. */
  resolvedBy: ResolvedBy | null;
}

/**
 * What the source itself reported about an exception it raised (a lifecycle mapping's result):
 * it ended (`resolved`) or re-opened (`open`) it, with its reason.
 */
export interface SourceTransitionInput {
  exceptionId: string;
  resolution: NonNullable<CanonicalException['resolution']>;
  /** Who is audited, e.g. `source:stripe-main` (the connector). */
  actor: string;
  /** When the hub applied it (default now). */
  at?: Date;
}

export type SourceTransitionResult =
  /** The hub never opened this exception: nothing to end (the caller counts it). */
  | { kind: 'unknown' }
  /** Already in that state (a redelivery, or a dismissed exception the source ends): no change. */
  | { kind: 'unchanged'; exception: CanonicalException }
  /** A new version with the new status; `outcomeId` when it was recorded as an outcome. */
  | {
      kind: 'changed';
      exception: CanonicalException;
      statusBefore: Status;
      outcomeId?: string;
    };

export interface DecisionInput {
  action: DecisionAction;
  actor: string;
  reason: string;
  /** Required for `override`: the tier a person set. */
  tier?: Tier;
  at?: Date;
}

export interface ApiKeyRecord {
  id: string;
  role: ApiKeyRole;
  name: string;
  createdAt: string;
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** The plaintext key: shown once, never stored. */
  key: string;
}

export type PollLockResult<T> = { ran: true; value: T } | { ran: false };

export type { Status, Tier };

/** Open (`open` or `in_review`) exceptions of one domain and tier. */
export interface BacklogGroup {
  domain: string;
  tier: string;
  /** How many are open. */
  open: number;
  /** Seconds since the oldest of them was first stored (its row's creation, not re-versions). */
  oldestAgeSeconds: number;
}

/** An open exception whose `dueAt` has passed. */
export interface PastDueException {
  id: string;
  tier: string;
  dueAt: string;
}

/** The backlog as the metrics see it (`exhub_open_exceptions` and friends). */
export interface BacklogStats {
  groups: BacklogGroup[];
  /** Open exceptions past due, per tier (tiers with none are absent). */
  pastDueByTier: Record<string, number>;
  /** The same exceptions one by one (id and tier), for detecting new SLA breaches. */
  pastDue: PastDueException[];
}

/**
 * Open exceptions (status `open` or `in_review`) to link or re-score; every given filter must hold.
 * Ordered by id; at most `limit` (default and maximum MAX_FIND_OPEN).
 */
/** An open exception as `findOpenLinks` gives it: what a related one's context needs, no document. */
export interface OpenLink {
  id: string;
  domain: string;
  type: string;
  tier: string;
  /** Its link keys (parties and references; not `due` nor `degraded`). */
  keys: { kind: string; value: string }[];
}

export interface OpenExceptionQuery {
  /** Shares at least one of these keys (e.g. `{ kind: 'party', value: 'cus_1' }`). */
  keys?: { kind: string; value: string }[];
  /** dueAt at or before this instant (ISO 8601 UTC). */
  dueBefore?: string;
  /** Scored without some context it needed (`priority.degraded`). */
  degraded?: true;
  excludeId?: string;
  /** Only ids greater than this (paging). */
  afterId?: string;
  limit?: number;
}
