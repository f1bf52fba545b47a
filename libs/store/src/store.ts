import type { CanonicalException } from '@exhub/canonical';
import type { DeadLetterRecord } from './dead-letters.repo';
import type {
  ApiKeyRecord,
  AuditEntry,
  AuditInput,
  AuditVerification,
  BacklogStats,
  ConnectorCursor,
  ContextFact,
  CreatedApiKey,
  DecisionInput,
  ExceptionVersion,
  OpenExceptionQuery,
  OpenLink,
  OutcomeInput,
  OutcomeRecord,
  SourceTransitionInput,
  SourceTransitionResult,
  PollLockResult,
  StoreKind,
  UpsertContext,
  UpsertResult,
  WebhookEventClaim,
  WebhookEventInput,
  WorklistPage,
  WorklistQuery,
} from './types';
import type {
  GroupMembers,
  RootCauseCount,
  TransitionPage,
  TransitionQuery,
} from './insights.repo';

/**
 * The hub's memory: what it has seen and decided. One interface, two adapters (SQLite embedded by
 * default, PostgreSQL for scale-out), one contract suite (testing/store.contract.ts) both must pass.
 */
export interface ExceptionStore {
  readonly kind: StoreKind;
  /** The store URL with any password redacted. */
  readonly location: string;
  /** Resolves when the database answers; rejects with the reason otherwise (readiness). */
  ping(): Promise<void>;
  /**
   * Why the last write failed (disk full, I/O error), until a write succeeds again; undefined
   * while writes work. A store that answers reads can still be unable to write (readiness).
   */
  writeFailure(): string | undefined;
  /**
   * Calls `listener` with what `writeFailure()` says after every write that failed, and with
   * undefined after the first write that succeeds again; never while writes just work. Every
   * listener added is called, in the order added. A store that reports write failures per
   * statement (PostgreSQL) never calls it.
   */
  watchWriteFailure(listener: (failure: string | undefined) => void): void;
  close(): Promise<void>;

  upsertException(exception: CanonicalException, context: UpsertContext): Promise<UpsertResult>;
  /**
   * Group commit: many exceptions in one transaction, each stored as `upsertException` would
   * store it, results in the order given; the audit entries appended in that order. All or nothing.
   */
  upsertExceptions(
    items: ReadonlyArray<{ exception: CanonicalException; context: UpsertContext }>,
  ): Promise<UpsertResult[]>;
  getException(id: string): Promise<CanonicalException | undefined>;
  exceptionHistory(id: string): Promise<ExceptionVersion[]>;
  worklist(query: WorklistQuery): Promise<WorklistPage>;
  applyDecision(id: string, decision: DecisionInput): Promise<CanonicalException>;
  applyOutcome(outcome: OutcomeInput): Promise<CanonicalException>;
  listOutcomes(exceptionId?: string): Promise<OutcomeRecord[]>;
  /** The source ended or re-opened an exception it raised (see exceptions.repo.ts). */
  applySourceTransition(input: SourceTransitionInput): Promise<SourceTransitionResult>;
  /** Open exceptions sharing a party or reference, due soon, or degraded (links, re-scoring). */
  findOpenExceptions(query: OpenExceptionQuery): Promise<CanonicalException[]>;
  /** The same exceptions as `findOpenExceptions`, without their documents: ids, tiers, link keys. */
  findOpenLinks(query: OpenExceptionQuery): Promise<OpenLink[]>;
  /**
   * Of these stored exceptions, the ids with a link key some other exception has too; for the
   * rest, `findOpenExceptions` by their link keys finds nothing. One look for a whole batch.
   */
  sharingLinkKeys(exceptions: ReadonlyArray<CanonicalException>): Promise<Set<string>>;
  /** Open exceptions per domain and tier, their oldest age, and those past `dueAt` (metrics). */
  backlogStats(now?: Date): Promise<BacklogStats>;
  /** Status changes read from the audit trail (time to triage and to resolve). */
  statusTransitions(query?: TransitionQuery): Promise<TransitionPage>;
  /** Open exceptions sharing a root-cause key (`group.key`), parents excepted, by key and type. */
  rootCauseStats(): Promise<RootCauseCount[]>;
  /** How many open exceptions (parents and `excludeId` excepted) carry this root-cause key. */
  openGroupMembers(key: string, excludeId?: string): Promise<GroupMembers>;

  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  auditTrail(filter?: {
    exceptionId?: string;
    afterSeq?: number;
    limit?: number;
  }): Promise<AuditEntry[]>;
  verifyAudit(): Promise<AuditVerification>;

  getCursor(connectorId: string): Promise<ConnectorCursor | undefined>;
  putCursor(connectorId: string, cursor: string, at?: Date): Promise<void>;

  /**
   * Claims a source event id (pending until confirmed). A pending claim older than
   * `pendingTimeoutMs` is taken over; a younger one answers isNew false with `retryAfterMs`.
   */
  rememberWebhookEvent(
    event: WebhookEventInput,
    ttlMs: number,
    now?: Date,
    pendingTimeoutMs?: number,
  ): Promise<WebhookEventClaim>;
  /** The claim's event is done (publish confirmed): later claims of the id are duplicates. */
  confirmWebhookEvent(
    event: Pick<WebhookEventInput, 'connectorId' | 'sourceEventId' | 'eventId'>,
  ): Promise<boolean>;
  forgetWebhookEvent(
    event: Pick<WebhookEventInput, 'connectorId' | 'sourceEventId' | 'eventId'>,
  ): Promise<void>;
  purgeWebhookEvents(now?: Date): Promise<number>;

  putContextFact(fact: ContextFact): Promise<void>;
  getContextFact(key: string): Promise<ContextFact | undefined>;

  createApiKey(role: string, name: string): Promise<CreatedApiKey>;
  findApiKey(plaintext: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string): Promise<boolean>;

  /** The dead-letter ledger (exhub.dlq.ledger): one record per message that entered the DLQ. */
  recordDeadLetter(entry: DeadLetterRecord): Promise<void>;
  /** When the oldest message still in a DLQ of `depth` messages entered it; prunes the rest. */
  oldestDeadLetter(depth: number): Promise<Date | undefined>;

  /** Runs fn unless another process holds this connector's poll lock (PostgreSQL); SQLite: always. */
  withPollLock<T>(connectorId: string, fn: () => Promise<T>): Promise<PollLockResult<T>>;
}
