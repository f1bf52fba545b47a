export type { ExceptionStore } from './store';
export { openStore, type OpenStoreOptions } from './open-store';
export { parseStoreUrl, redactStoreUrl } from './store-url';
export { StoreConflictError, StoreInputError, StoreNotFoundError, StoreOpenError } from './errors';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  PIPELINE_ACTOR,
  WEBHOOK_EVENT_PURGE_INTERVAL_MS,
} from './constants';
export { storeReadiness, type StoreCheck } from './readiness';
export { storeCursors } from './cursor-store.adapter';
export { exceptionContentHash } from './content-hash';
export { CommitQueue, type CommitQueueOptions } from './commit-queue';
export { writeTogether, type WritePart } from './write-together';
export { isApiKeyRole } from './api-keys.repo';
export {
  API_KEY_ROLES,
  DECISION_ACTIONS,
  OUTCOME_KINDS,
  type ApiKeyRecord,
  type ApiKeyRole,
  type AuditEntry,
  type AuditInput,
  type AuditVerification,
  type BacklogGroup,
  type BacklogStats,
  type ConnectorCursor,
  type ContextFact,
  type CreatedApiKey,
  type DecisionAction,
  type DecisionInput,
  type ExceptionVersion,
  type OpenExceptionQuery,
  type OpenLink,
  type OutcomeInput,
  type OutcomeKind,
  type OutcomeRecord,
  type PastDueException,
  type PollLockResult,
  type ResolvedBy,
  type SourceTransitionInput,
  type SourceTransitionResult,
  type StoreKind,
  type UpsertContext,
  type UpsertResult,
  type WebhookEventClaim,
  type WebhookEventState,
  type WebhookEventInput,
  type WorklistPage,
  type WorklistQuery,
} from './types';
export {
  DEGRADED_KEY,
  DUE_KEY,
  PARTY_KEY,
  exceptionKeysOf,
  linkKeysOf,
  type ExceptionKey,
} from './exception-keys';
export {
  MAX_GROUP_MEMBERS,
  MAX_TRANSITIONS_PAGE,
  type GroupMembers,
  type RootCauseCount,
  type StatusTransition,
  type TransitionPage,
  type TransitionQuery,
} from './insights.repo';
export type { DeadLetterRecord } from './dead-letters.repo';
export { WRITE_GATE_STALL_MS, WriteGate, type WriteGateStats, type WriteTurn } from './write-gate';
export {
  MAX_NAMED_STATEMENTS,
  NamedStatementPool,
  withNamedStatements,
} from './pg-named-statements';
