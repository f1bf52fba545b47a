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
  type OutcomeInput,
  type OutcomeKind,
  type OutcomeRecord,
  type PastDueException,
  type PollLockResult,
  type StoreKind,
  type UpsertContext,
  type UpsertResult,
  type WebhookEventClaim,
  type WebhookEventInput,
  type WorklistPage,
  type WorklistQuery,
} from './types';
