// libs/resilience public surface.
export * from './constants';
export {
  basicAuth,
  OAuth2ClientCredentials,
  type AuthProvider,
  type OAuth2ClientCredentialsOptions,
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
  httpClientFromSettings,
  ResilientHttpClient,
  type ConnectorHttpSettings,
  type HttpClientOptions,
  type HttpResult,
} from './http.client';
export { backoffDelay, DEFAULT_RETRY_OPTIONS, withRetry, type RetryOptions } from './retry.policy';
// SOAP: `soap` itself is loaded lazily by ResilientSoapClient, so importing this costs nothing.
export {
  classifySoapFailure,
  readSoapFault,
  ResilientSoapClient,
  SoapHttpTransport,
  type ResilientSoapClientOptions,
  type SoapFailureClassifier,
  type SoapFault,
  type SoapFaultRules,
  type SoapTransportOptions,
} from './soap.client';
