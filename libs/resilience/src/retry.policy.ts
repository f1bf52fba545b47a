import { setTimeout as sleep } from 'node:timers/promises';
import { HubError, RateLimitedError } from '@exhub/core';
import {
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_BASE_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
} from './constants';

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured by waiting; longer ones are rethrown to the caller. */
  maxRetryAfterMs: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<unknown>;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: HubError }) => void;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  retries: DEFAULT_RETRIES,
  baseDelayMs: DEFAULT_RETRY_BASE_DELAY_MS,
  maxDelayMs: DEFAULT_RETRY_MAX_DELAY_MS,
  maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
};

/** Exponential backoff with full jitter: a random delay in [base·2^n / 2, base·2^n], capped. */
export function backoffDelay(attempt: number, o: RetryOptions, random = Math.random): number {
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs `fn`, retrying only what retrying can fix: TRANSIENT (with backoff and jitter) and
 * RATE_LIMITED (after exactly the `Retry-After` the source asked for, else backoff). AUTH,
 * NOT_FOUND and INVALID_PAYLOAD are rethrown at once: retrying them only burns calls.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: Partial<RetryOptions> = {},
): Promise<T> {
  const o = { ...DEFAULT_RETRY_OPTIONS, ...options };
  const wait = o.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof HubError) || attempt >= o.retries) throw err;
      let delayMs: number;
      if (err instanceof RateLimitedError) {
        if (err.retryAfterMs !== undefined && err.retryAfterMs > o.maxRetryAfterMs) throw err;
        delayMs = err.retryAfterMs ?? backoffDelay(attempt, o, o.random);
      } else if (err.errorClass === 'TRANSIENT' && !isBreakerOpen(err)) {
        delayMs = backoffDelay(attempt, o, o.random);
      } else {
        throw err;
      }
      o.onRetry?.({ attempt: attempt + 1, delayMs, error: err });
      await wait(delayMs);
    }
  }
}

function isBreakerOpen(err: HubError): boolean {
  return (err as { breakerOpen?: boolean }).breakerOpen === true;
}
