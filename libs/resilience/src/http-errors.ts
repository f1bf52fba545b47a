import { isAxiosError } from 'axios';
import {
  AuthError,
  HubError,
  InvalidPayloadError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  type Stage,
} from '@exhub/core';
import { MS_PER_SECOND } from './constants';

/** Node socket errors that mean "the endpoint is not there right now". */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or invalid. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * MS_PER_SECOND;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Converts what an HTTP call threw into one of the hub's error classes:
 * 5xx, timeouts and socket errors → TRANSIENT; 401/403 → AUTH; 404 → NOT_FOUND;
 * 429 → RATE_LIMITED (with `retryAfterMs`); 400/422 and other 4xx → INVALID_PAYLOAD.
 * `where` names the endpoint (never a credential) so a user can tell which call failed.
 */
export function toHubError(err: unknown, where: string, stage: Stage = 'ingress'): HubError {
  if (err instanceof HubError) return err;
  if (isAxiosError(err)) {
    const status = err.response?.status;
    if (status === undefined) {
      const code = err.code ?? '';
      if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/i.test(err.message)) {
        return new InvalidPayloadError(
          stage,
          `${where}: response larger than the configured maxResponseBytes`,
          [{ pointer: '', rule: 'maxResponseBytes', message: err.message }],
          { cause: err },
        );
      }
      return new TransientError(
        stage,
        `${where}: ${TRANSIENT_CODES.has(code) ? code : code || 'network error'} — ${err.message}`,
        { cause: err },
      );
    }
    return fromStatus(status, err.response?.headers?.['retry-after'], where, stage, err);
  }
  const code = (err as { code?: string } | undefined)?.code;
  if (code && TRANSIENT_CODES.has(code)) {
    return new TransientError(stage, `${where}: ${code}`, { cause: err });
  }
  return new TransientError(stage, `${where}: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}

/** The error class for an HTTP status the source answered. */
export function fromStatus(
  status: number,
  retryAfter: unknown,
  where: string,
  stage: Stage = 'ingress',
  cause?: unknown,
): HubError {
  const opts = cause === undefined ? undefined : { cause };
  if (status === 401 || status === 403) {
    return new AuthError(
      stage,
      `${where}: HTTP ${status} — check the connector's credentials and the user's authorisations`,
      opts,
    );
  }
  if (status === 404) return new NotFoundError(stage, `${where}: HTTP 404 not found`, opts);
  if (status === 429) {
    const ms = parseRetryAfter(retryAfter);
    return new RateLimitedError(
      stage,
      `${where}: HTTP 429 too many requests${ms === undefined ? '' : ` (Retry-After ${ms} ms)`}`,
      ms,
      opts,
    );
  }
  if (status >= 500 || status === 408) {
    return new TransientError(stage, `${where}: HTTP ${status} from the source`, opts);
  }
  return new InvalidPayloadError(
    stage,
    `${where}: HTTP ${status} — the source refused the request`,
    [{ pointer: '', rule: `http_${status}`, message: `the source answered ${status}` }],
    opts,
  );
}
