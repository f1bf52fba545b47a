// libs/resilience public surface.
export * from './constants';
export {
  basicAuth,
  OAuth2ClientCredentials,
  type AuthProvider,
  type OAuth2ClientCredentialsOptions,
  type NetSuiteTbaCredentials,
} from './auth';
export {
  BREAKER_STATES,
  BreakerOpenError,
  DEFAULT_BREAKER_OPTIONS,
  EndpointBreaker,
  type BreakerMetrics,
  type BreakerOptions,
  type BreakerState,
} from './breaker';
export { fromStatus, parseRetryAfter, toHubError } from './http-errors';
export {
  encodeQuery,
  ResilientHttpClient,
  type HttpClientOptions,
  type HttpResult,
} from './http.client';
export { backoffDelay, DEFAULT_RETRY_OPTIONS, withRetry, type RetryOptions } from './retry.policy';
