export { HubMetrics, METRIC_PREFIX, STAGES, type StageLabel } from './metrics';
export { createLogger, redactUrl, REDACT_PATHS, type Logger } from './logger';
export { observeStage } from './stage';
export {
  DEFAULT_QUEUE_POLL_MS,
  QueueDepthCollector,
  queueWatchList,
  type WatchedQueue,
} from './queue-stats';
export {
  BacklogCollector,
  DEFAULT_BACKLOG_POLL_MS,
  MAX_TRACKED_PAST_DUE,
  type BacklogSource,
} from './backlog-stats';
export { PriorityMetrics, PROCESS_DURATION_BUCKETS } from './priority-metrics';
export {
  DEFAULT_INSIGHTS_POLL_MS,
  ProcessInsightsCollector,
  type ProcessInsightsSource,
} from './process-insights';
export {
  createSdkTracer,
  hubTracer,
  initTracing,
  inSpan,
  PropagatingTracer,
  setHubTracer,
  tracingRequested,
  type HubSpan,
  type HubTracer,
  type SpanAttributes,
  type SpanKindName,
  type StartSpanOptions,
} from './tracing';
