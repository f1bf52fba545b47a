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
} from './consumer';
export {
  AmqpUnavailableError,
  connectAmqp,
  redactUrl,
  type AmqpUnavailableReason,
  type ConnectOptions,
} from './connection';
export { childTraceparent, newTraceparent, parseTraceparent } from './trace';
