import type { Kysely } from 'kysely';
import type { StoreDatabase } from './schema';
import type { WebhookEventClaim, WebhookEventInput } from './types';

/**
 * Records a source event id if it is not already known (within its TTL). One INSERT … ON CONFLICT
 * DO NOTHING decides: of concurrent calls for the same id, in one process or several, exactly one
 * gets `isNew: true`, and every other one gets the first call's ids.
 */
export async function rememberWebhookEvent(
  db: Kysely<StoreDatabase>,
  input: WebhookEventInput,
  ttlMs: number,
  now: Date,
): Promise<WebhookEventClaim> {
  // Twice at most: the second round only runs if a purge removed the row between the statements.
  for (let attempt = 0; ; attempt++) {
    const claim = await tryClaim(db, input, ttlMs, now);
    if (claim || attempt > 0)
      return claim ?? { isNew: false, eventId: input.eventId, correlationId: input.correlationId };
  }
}

async function tryClaim(
  db: Kysely<StoreDatabase>,
  input: WebhookEventInput,
  ttlMs: number,
  now: Date,
): Promise<WebhookEventClaim | undefined> {
  const nowIso = now.toISOString();
  // An expired record no longer counts: clear it so the insert below can take its place.
  await db
    .deleteFrom('webhook_events')
    .where('connector_id', '=', input.connectorId)
    .where('source_event_id', '=', input.sourceEventId)
    .where('expires_at', '<=', nowIso)
    .execute();
  const inserted = await db
    .insertInto('webhook_events')
    .values({
      connector_id: input.connectorId,
      source_event_id: input.sourceEventId,
      event_id: input.eventId,
      correlation_id: input.correlationId,
      created_at: nowIso,
      expires_at: new Date(now.getTime() + ttlMs).toISOString(),
    })
    .onConflict((oc) => oc.columns(['connector_id', 'source_event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  if (inserted) return { isNew: true, eventId: input.eventId, correlationId: input.correlationId };
  const first = await db
    .selectFrom('webhook_events')
    .select(['event_id', 'correlation_id'])
    .where('connector_id', '=', input.connectorId)
    .where('source_event_id', '=', input.sourceEventId)
    .executeTakeFirst();
  // Purged between the two statements: the id is free again; the caller tries once more.
  if (!first) return undefined;
  return { isNew: false, eventId: first.event_id, correlationId: first.correlation_id };
}

/** Releases this acceptance's claim (its publish failed), so the source's retry is not refused. */
export async function forgetWebhookEvent(
  db: Kysely<StoreDatabase>,
  input: Pick<WebhookEventInput, 'connectorId' | 'sourceEventId' | 'eventId'>,
): Promise<void> {
  await db
    .deleteFrom('webhook_events')
    .where('connector_id', '=', input.connectorId)
    .where('source_event_id', '=', input.sourceEventId)
    .where('event_id', '=', input.eventId)
    .execute();
}

export async function purgeWebhookEvents(db: Kysely<StoreDatabase>, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('webhook_events')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
