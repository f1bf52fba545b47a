// Public surface of libs/messaging. Inside the lib, files import each other directly.
export {
  DEFAULT_ARCHIVE_MAX_AGE,
  DEFAULT_ARCHIVE_MAX_BYTES,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_PREFETCH,
  DEFAULT_PREFIX,
  DEFAULT_RECONNECT_FACTOR,
  DEFAULT_RECONNECT_INITIAL_DELAY_MS,
  DEFAULT_RECONNECT_JITTER,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  DEFAULT_RETRY_DELAYS_MS,
  DEFAULT_RETRY_JITTER,
  DEFAULT_WORK_DELIVERY_LIMIT,
  EXCEPTION_MESSAGE_TYPE,
  SOURCE_EVENT_MESSAGE_TYPE,
  TIER_PRIORITY,
} from './constants';
export {
  HEADER,
  type HeaderName,
  headerString,
  sourceEventMetaFrom,
  sourceEventPublishOptions,
} from './headers';
export {
  exceptionPublishOptions,
  exceptionRoutingKey,
  type ExceptionMessageFields,
  type ExceptionPublishExtras,
} from './exception-message';
export {
  buildTopology,
  declareTopology,
  deleteTopology,
  names,
  retryQueueFor,
  TopologyMismatchError,
  type BindingDeclaration,
  type ExchangeDeclaration,
  type QueueDeclaration,
  type RetryTier,
  type Topology,
  type TopologyNames,
  type TopologyOptions,
} from './topology';
export {
  ConfirmPublisher,
  PublishError,
  type ConfirmPublisherOptions,
  type PublishFailure,
  type Publisher,
} from './publisher';
export { outcomeFor, type HandlerOutcome } from './error-policy';
export {
  startConsumer,
  type Consumer,
  type ConsumerOptions,
  type MessageHandler,
  type BatchHandler,
  type YieldTo,
} from './consumer';
export {
  AmqpUnavailableError,
  connectAmqp,
  redactUrl,
  type AmqpUnavailableReason,
  type ConnectOptions,
} from './connection';
export {
  ManagedConnection,
  type ConnectionState,
  type ManagedConnectionEvents,
  type ManagedConnectionOptions,
  type ReconnectOptions,
} from './managed-connection';
export { childTraceparent, newTraceparent, parseTraceparent } from './trace';
export {
  BROKER_STAGE,
  DEFAULT_ARCHIVE_IDLE_TIMEOUT_MS,
  DEFAULT_DLQ_SCAN_LIMIT,
  DEFAULT_REPLAY_CHECKPOINT_DIR,
  DEFAULT_REPLAY_RATE_PER_SECOND,
  DELIVERY_LIMIT_CLASS,
  UNMAPPED_CLASS,
} from './ops-constants';
export type { ExceptionPreview, Recheck, RecheckResult } from './recheck';
export {
  archiveEndOffset,
  Pacer,
  replayArchive,
  replayPublishOptions,
  STREAM_OFFSET_HEADER,
  type ArchivedEvent,
  type ArchiveReplayOptions,
  type ReplayGroup,
  type ReplayPosition,
  type ReplayProgress,
  type ReplayReport,
  type ReplaySelection,
  type ReplayStop,
} from './replay';
export {
  checkpointFile,
  readCheckpoint,
  writeCheckpoint,
  type ReplayCheckpoint,
  type ReplayRequest,
} from './replay-checkpoint';
export {
  describeDeadLetter,
  groupDeadLetters,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetter,
  type DeadLetter,
  type DeadLetterDetail,
  type DlqGroup,
  type DlqListing,
  type DlqReplayItem,
  type DlqReplayReport,
  type DlqSelection,
} from './dlq';

// The `POST /v1/replay` body and `exhub replay`'s time flags, checked (the hub and the CLI).
export {
  ISO_TIME_EXAMPLE,
  parseIsoTime,
  parseReplayRequest,
  RequestError,
  type ArchiveReplayRequest,
  type DlqReplayRequest,
  type ReplayApiRequest,
} from './replay-request';
