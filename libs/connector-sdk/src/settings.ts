/**
 * Reading an instance's resolved `settings` (exhub.config.yaml, already checked against the
 * connector's schema at start): the resilience knobs every HTTP connector shares, named the same
 * in every config schema.
 */
import { MS_PER_SECOND } from '@exhub/core';
import type { BreakerMetrics, BreakerOptions, RetryOptions } from '@exhub/resilience';

/** A numeric setting, or undefined when absent (the schema has checked its type). */
export function numberSetting(s: Record<string, unknown>, key: string): number | undefined {
  return typeof s[key] === 'number' ? (s[key] as number) : undefined;
}

/**
 * `timeoutMs`, `maxResponseBytes`, `retries`, `retryBaseDelayMs`, `breakerResetSeconds` and
 * `breakerVolumeThreshold`, shaped for libs/resilience; an absent one keeps its default.
 */
export function resilienceSettings(s: Record<string, unknown>): {
  timeoutMs?: number;
  maxResponseBytes?: number;
  retry: { retries?: number; baseDelayMs?: number };
  breaker: { resetTimeoutMs?: number; volumeThreshold?: number };
} {
  const n = (k: string) => numberSetting(s, k);
  const resetSeconds = n('breakerResetSeconds');
  return {
    timeoutMs: n('timeoutMs'),
    maxResponseBytes: n('maxResponseBytes'),
    retry: {
      ...(n('retries') !== undefined && { retries: n('retries') }),
      ...(n('retryBaseDelayMs') !== undefined && { baseDelayMs: n('retryBaseDelayMs') }),
    },
    breaker: {
      ...(resetSeconds !== undefined && { resetTimeoutMs: resetSeconds * MS_PER_SECOND }),
      ...(n('breakerVolumeThreshold') !== undefined && {
        volumeThreshold: n('breakerVolumeThreshold'),
      }),
    },
  };
}

/**
 * The options every polled HTTP connector takes besides its own: where it may go, how much it
 * reads a page, where its first poll starts, and the resilience knobs (libs/resilience). A
 * connector's config interface extends this with its endpoint and credentials; `pollSettings`
 * reads these from an instance's resolved settings, named the same in every config schema.
 */
export interface PollConnectorOptions {
  id: string;
  allowedHosts?: string[];
  pageSize?: number;
  /** Where the first poll starts (the connector's README says the format); default: a lookback. */
  startFrom?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  metrics?: BreakerMetrics;
  now?: () => number;
}

/** `allowedHosts`, `pageSize`, `startFrom` and the resilience knobs of an instance's settings. */
export function pollSettings(
  id: string,
  s: Record<string, unknown>,
  metrics?: BreakerMetrics,
): PollConnectorOptions {
  return {
    id,
    allowedHosts: s.allowedHosts as string[] | undefined,
    pageSize: numberSetting(s, 'pageSize'),
    startFrom: s.startFrom as string | undefined,
    ...resilienceSettings(s),
    metrics,
  };
}
