/** Every default of libs/resilience, in one place. */
import { MS_PER_SECOND } from '@exhub/core';
export { MS_PER_SECOND };

/** Longest an outbound HTTP request may take, connect to last byte. */
export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;
/** Largest response body accepted from a source (bytes). */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Redirects followed (each to an allowed host only). */
export const DEFAULT_MAX_REDIRECTS = 3;

/** Attempts after the first for TRANSIENT and RATE_LIMITED failures. */
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_BASE_DELAY_MS = 500;
export const DEFAULT_RETRY_MAX_DELAY_MS = 30_000;
/** Longest `Retry-After` honoured; a longer one fails the call as RATE_LIMITED for the caller. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** Breaker: share of failed calls in the rolling window that opens it. */
export const DEFAULT_BREAKER_ERROR_PERCENTAGE = 50;
/** Breaker: calls in the window before it may open at all. */
export const DEFAULT_BREAKER_VOLUME_THRESHOLD = 3;
/** Breaker: how long it stays open before one half-open probe. */
export const DEFAULT_BREAKER_RESET_MS = 30_000;
/** Breaker: the rolling statistics window. */
export const DEFAULT_BREAKER_WINDOW_MS = 60_000;

/** OAuth2: refresh a token this long before it expires. */
export const OAUTH_EXPIRY_SKEW_MS = 30_000;
/** OAuth2: lifetime assumed when the token response has no `expires_in`. */
export const OAUTH_DEFAULT_LIFETIME_MS = 5 * 60_000;
