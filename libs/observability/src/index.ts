export { HubMetrics, METRIC_PREFIX } from './metrics';
export { createLogger, redactUrl, REDACT_PATHS, type Logger } from './logger';
