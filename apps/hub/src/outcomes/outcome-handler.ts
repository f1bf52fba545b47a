import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumeMessage } from 'amqplib';
import { formatIssues } from '@exhub/core';
import type { HandlerOutcome } from '@exhub/messaging';
import type { Logger } from '@exhub/observability';
import { StoreNotFoundError, type ExceptionStore } from '@exhub/store';
import { OUTCOME_SCHEMA_FILE, parseOutcome } from './outcome-message';

/** Dedupe records of outcome message ids live beside webhook event ids, under this "connector". */
export const OUTCOME_DEDUPE_SCOPE = 'exhub.outcomes';
/** Attempts at the store before a transiently failing outcome is dead-lettered. */
export const OUTCOME_STORE_ATTEMPTS = 3;
export const OUTCOME_STORE_BACKOFF_MS = 250;
/**
 * An outcome's dedupe claim not confirmed within this is stale (its consumer died mid-apply) and is
 * taken over by the redelivery; a younger one is waited for.
 */
export const OUTCOME_PENDING_TIMEOUT_MS = 5000;

export interface OutcomeDeps {
  store: ExceptionStore;
  logger: Logger;
  /** How long a message id is remembered to drop re-sent outcomes (ingress.dedupeWindowSeconds). */
  dedupeTtlMs: number;
  backoffMs?: number;
}

const deadLetter = (
  errorClass: string,
  stage: 'parse' | 'validate' | 'enrich',
  message: string,
): HandlerOutcome => ({ kind: 'dead-letter', errorClass, stage, message });

/**
 * One outcome from exhub.outcomes: validated (schemas/outcome.v1.schema.json), dropped if its
 * `message-id` was applied before, then applied with `store.applyOutcome` (status moved, outcome
 * recorded for training, audited with the reporting actor) and acked. Invalid → dead letter with
 * the reason; an unknown exception → dead letter NOT_FOUND. The store failing is retried here a
 * few times and then dead-lettered: the shared retry tiers lead back to exhub.work, not here.
 */
export async function handleOutcome(
  deps: OutcomeDeps,
  msg: ConsumeMessage,
): Promise<HandlerOutcome> {
  const parsed = parseOutcome(msg.content);
  if (!parsed.ok) {
    const json = parsed.issues.some((i) => i.rule === 'json');
    return deadLetter(
      'INVALID_PAYLOAD',
      json ? 'parse' : 'validate',
      `outcome rejected (${OUTCOME_SCHEMA_FILE}): ${formatIssues(parsed.issues)}`,
    );
  }
  const o = parsed.value;
  const messageId = msg.properties.messageId as string | undefined;
  const claim = messageId
    ? {
        connectorId: OUTCOME_DEDUPE_SCOPE,
        sourceEventId: messageId,
        eventId: messageId,
        correlationId: (msg.properties.correlationId as string | undefined) ?? messageId,
      }
    : undefined;
  const log = deps.logger.child({ exceptionId: o.exceptionId, messageId, outcome: o.outcome });
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= OUTCOME_STORE_ATTEMPTS; attempt++) {
    let claimed = false;
    try {
      if (claim) {
        const seen = await deps.store.rememberWebhookEvent(
          claim,
          deps.dedupeTtlMs,
          new Date(),
          OUTCOME_PENDING_TIMEOUT_MS,
        );
        if (!seen.isNew && seen.state === 'confirmed') {
          log.info('outcome already applied (same message-id): acknowledged, not applied again');
          return { kind: 'ack' };
        }
        if (!seen.isNew) {
          // Another delivery claimed it and has not confirmed: wait until it is done or stale.
          lastError = new Error(`another delivery of message ${messageId} is still applying it`);
          await sleep(seen.retryAfterMs ?? OUTCOME_PENDING_TIMEOUT_MS);
          continue;
        }
        claimed = true;
      }
      const exception = await deps.store.applyOutcome({
        exceptionId: o.exceptionId,
        version: o.version,
        kind: o.outcome,
        actor: o.actor,
        reason: o.reason,
        at: new Date(o.at),
        ...(o.tier ? { tierAfter: o.tier } : {}),
      });
      if (claim) {
        // A failure here only lets a redelivery apply it again after the pending timeout.
        await deps.store
          .confirmWebhookEvent(claim)
          .catch((err: Error) =>
            log.warn({ err: err.message }, 'confirming the outcome claim failed'),
          );
      }
      log.info({ status: exception.status, actor: o.actor }, 'outcome applied');
      return { kind: 'ack' };
    } catch (err) {
      if (claimed && claim) await deps.store.forgetWebhookEvent(claim).catch(() => undefined);
      if (err instanceof StoreNotFoundError) {
        return deadLetter(
          'NOT_FOUND',
          'validate',
          `outcome for exception ${o.exceptionId}, which the hub does not know: ${err.message}`,
        );
      }
      lastError = err as Error;
      log.warn({ err: lastError.message, attempt }, 'applying an outcome failed');
      if (attempt < OUTCOME_STORE_ATTEMPTS) {
        await sleep((deps.backoffMs ?? OUTCOME_STORE_BACKOFF_MS) * attempt);
      }
    }
  }
  return deadLetter(
    'TRANSIENT',
    'enrich',
    `the store failed ${OUTCOME_STORE_ATTEMPTS} times applying this outcome (${lastError?.message}); replay it from the DLQ once the store is back`,
  );
}
