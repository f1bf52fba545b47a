/**
 * The one error policy of the hub: what an error means (`outcomeFor`) and what an outcome does to
 * a delivery (`planFor`). Both are pure; consumer.ts executes the plan against the broker.
 *
 * | error class                    | outcome                                                    |
 * |--------------------------------|------------------------------------------------------------|
 * | TRANSIENT, RATE_LIMITED        | retry: retry tier for the attempt, DLQ after maxAttempts    |
 * |                                | (or after the error's own `maxAttempts` of its kind in a row) |
 * | INVALID_PAYLOAD, NOT_FOUND, AUTH | dead-letter at once                                       |
 * | anything else (a bug)          | retry as TRANSIENT                                         |
 */
import type { Message, Options } from 'amqplib';
import { type ErrorClass, HubError, RateLimitedError, type Stage } from '@exhub/core';
import {
  DEFAULT_FALLBACK_STAGE,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_RETRY_AGE_MS,
  DEFAULT_RETRY_JITTER,
  MAX_ERROR_MESSAGE_LENGTH,
} from './constants';
import { BROKER_MANAGED_HEADERS, HEADER, headerString } from './headers';
import { retryQueueFor, type Topology } from './topology';

export type HandlerOutcome =
  | { kind: 'ack' }
  | {
      kind: 'retry';
      errorClass: ErrorClass;
      stage: Stage;
      message: string;
      /** Wait at least this long (e.g. a rate limit's Retry-After); picks a longer tier if needed. */
      minDelayMs?: number;
      /** Dead-letter after this many attempts when fewer than the policy's (HubError.maxAttempts). */
      maxAttempts?: number;
    }
  | {
      kind: 'dead-letter';
      errorClass: ErrorClass | 'MAPPING' | 'VALIDATION' | string;
      stage: Stage;
      message: string;
    };

const RETRY_CLASSES: readonly ErrorClass[] = ['TRANSIENT', 'RATE_LIMITED'];

/** True for the error classes the pipeline retries: a failure of the moment, not of the message. */
export function isRetryClass(errorClass: string): boolean {
  return (RETRY_CLASSES as readonly string[]).includes(errorClass);
}

/** Map an error to an outcome by its HubError class; anything that is not a HubError is retried. */
export function outcomeFor(
  error: unknown,
  fallbackStage: Stage = DEFAULT_FALLBACK_STAGE,
): HandlerOutcome {
  if (error instanceof HubError) {
    if (RETRY_CLASSES.includes(error.errorClass)) {
      const outcome: HandlerOutcome = {
        kind: 'retry',
        errorClass: error.errorClass,
        stage: error.stage,
        message: error.message,
      };
      if (error instanceof RateLimitedError && error.retryAfterMs !== undefined) {
        outcome.minDelayMs = error.retryAfterMs;
      }
      if (error.maxAttempts !== undefined) outcome.maxAttempts = error.maxAttempts;
      return outcome;
    }
    return {
      kind: 'dead-letter',
      errorClass: error.errorClass,
      stage: error.stage,
      message: error.message,
    };
  }
  const message =
    error instanceof Error
      ? `unexpected ${error.name}: ${error.message}`
      : `unexpected throw: ${String(error)}`;
  return { kind: 'retry', errorClass: 'TRANSIENT', stage: fallbackStage, message };
}

export interface PolicyContext {
  topology: Pick<Topology, 'names' | 'retryTiers'>;
  /** Failed attempts after which a retryable failure is dead-lettered. */
  maxAttempts?: number;
  /** Time since the first failure after which a retryable failure is dead-lettered. */
  maxRetryAgeMs?: number;
  /** Fraction of a tier's delay to shave off at random (0 = none). */
  retryJitter?: number;
  now?: () => Date;
  random?: () => number;
}

/** What to do with a delivery: ack it, or publish a copy (confirmed) and then ack it. */
export type DeliveryPlan =
  | { kind: 'ack' }
  | {
      kind: 'publish';
      /** `dead-letter` or `retry`, for logs and metrics. */
      action: 'dead-letter' | 'retry';
      exchange: string;
      routingKey: string;
      options: Options.Publish;
    };

/** Cut a message to `max` characters, marking the cut. */
export function truncate(text: string, max: number = MAX_ERROR_MESSAGE_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function previousAttempts(headers: Record<string, unknown> | undefined): number {
  const parsed = Number.parseInt(headerString(headers, HEADER.attempts) ?? '', 10);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : 0;
}

/**
 * Failed attempts in a row, before this one, at the same stage with the same class as `outcome`:
 * 0 when the previous failure was of another kind. A message retried by an older hub has no
 * streak header; all its attempts count then, as they did.
 */
function failureStreak(
  headers: Record<string, unknown> | undefined,
  outcome: Exclude<HandlerOutcome, { kind: 'ack' }>,
): number {
  const sameKind =
    headerString(headers, HEADER.errorStage) === outcome.stage &&
    headerString(headers, HEADER.errorClass) === outcome.errorClass;
  if (!sameKind) return 0;
  const parsed = Number.parseInt(headerString(headers, HEADER.failureStreak) ?? '', 10);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : previousAttempts(headers);
}

/**
 * The original message's properties for a republish: everything the publisher set, minus what the
 * broker manages (`x-death`, delivery count), `expiration` (a retry sets its own) and `userId`
 * (the broker rejects a user id that is not the publishing connection's).
 */
export function republishOptions(
  msg: Pick<Message, 'properties'>,
  extraHeaders: Record<string, string | number>,
): Options.Publish {
  const p = msg.properties;
  const headers: Record<string, unknown> = { ...(p.headers ?? {}) };
  for (const name of BROKER_MANAGED_HEADERS) delete headers[name];
  Object.assign(headers, extraHeaders);
  const options: Options.Publish = { persistent: true, mandatory: true, headers };
  const copy = [
    'contentType',
    'contentEncoding',
    'correlationId',
    'messageId',
    'timestamp',
    'type',
    'appId',
    'replyTo',
    'priority',
  ] as const;
  for (const key of copy) {
    const value: unknown = p[key];
    if (value !== undefined && value !== null) (options as Record<string, unknown>)[key] = value;
  }
  return options;
}

/**
 * The plan for an outcome. Attempts = (x-exhub-attempts ?? 0) + 1 — this delivery's attempt
 * counts. A retry at or past maxAttempts, or failing for longer than maxRetryAgeMs since its
 * first failure, becomes a dead-letter ("gave up after …").
 */
export function planFor(
  msg: Pick<Message, 'fields' | 'properties'>,
  outcome: HandlerOutcome,
  context: PolicyContext,
): DeliveryPlan {
  if (outcome.kind === 'ack') return { kind: 'ack' };

  const now = (context.now ?? (() => new Date()))();
  const policyMax = context.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const headers = msg.properties.headers as Record<string, unknown> | undefined;
  const attempts = previousAttempts(headers) + 1;
  const streak = failureStreak(headers, outcome) + 1;
  // An error's own lower limit (a mapping time-out: 2) counts its own kind in a row: an event that
  // was retried through a store outage still gets its retry when the recovery surge times out a
  // mapping once.
  const ownLimit =
    outcome.kind === 'retry' && outcome.maxAttempts !== undefined
      ? Math.max(1, outcome.maxAttempts)
      : undefined;
  const ownLimitHit = ownLimit !== undefined && streak >= ownLimit && attempts < policyMax;
  const firstFailedAt = headerString(headers, HEADER.firstFailedAt) ?? now.toISOString();
  const failingForMs = now.getTime() - Date.parse(firstFailedAt);
  const maxAgeMs = context.maxRetryAgeMs ?? DEFAULT_MAX_RETRY_AGE_MS;
  const tooOld = outcome.kind === 'retry' && failingForMs > maxAgeMs;
  const giveUp = outcome.kind === 'retry' && (attempts >= policyMax || ownLimitHit || tooOld);
  const message = !giveUp
    ? outcome.message
    : tooOld && attempts < policyMax && !ownLimitHit
      ? `gave up after ${Math.round(failingForMs / 1000)} s of retries (limit ${Math.round(maxAgeMs / 1000)} s, ${attempts} attempts): ${outcome.message}`
      : ownLimitHit && streak < attempts
        ? `gave up after ${streak} attempts failing like this (${attempts} in all): ${outcome.message}`
        : `gave up after ${attempts} attempts: ${outcome.message}`;
  const errorHeaders = {
    [HEADER.errorStage]: outcome.stage,
    [HEADER.errorClass]: outcome.errorClass,
    [HEADER.errorMessage]: truncate(message),
    [HEADER.attempts]: attempts,
    [HEADER.failureStreak]: streak,
    [HEADER.firstFailedAt]: firstFailedAt,
  };
  const options = republishOptions(msg, errorHeaders);

  if (outcome.kind === 'dead-letter' || giveUp) {
    options.headers = { ...options.headers, [HEADER.deadLetteredAt]: now.toISOString() };
    // The DLX is a fanout; the original routing key is kept, as broker dead-lettering does.
    return {
      kind: 'publish',
      action: 'dead-letter',
      exchange: context.topology.names.dlx,
      routingKey: msg.fields.routingKey,
      options,
    };
  }

  const tier = retryQueueFor(context.topology, attempts, outcome.minDelayMs ?? 0);
  const jitter = Math.min(Math.max(context.retryJitter ?? DEFAULT_RETRY_JITTER, 0), 1);
  const random = context.random ?? Math.random;
  // The tier's x-message-ttl is the ceiling; the per-message expiration spreads a burst below it.
  options.expiration = String(Math.max(1, Math.round(tier.delayMs * (1 - jitter * random()))));
  return { kind: 'publish', action: 'retry', exchange: '', routingKey: tier.queue, options };
}
