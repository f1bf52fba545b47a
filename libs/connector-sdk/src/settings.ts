/**
 * Reading an instance's resolved `settings` (exhub.config.yaml, already checked against the
 * connector's schema at start): the resilience knobs every HTTP connector shares, named the same
 * in every config schema.
 */
import { MS_PER_SECOND } from '@exhub/core';

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
