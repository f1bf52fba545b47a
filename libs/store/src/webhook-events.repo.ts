import type { Kysely } from 'kysely';
import { DEFAULT_WEBHOOK_PENDING_TIMEOUT_MS } from './constants';
import { StoreInputError } from './errors';
import type { StoreDatabase } from './schema';
import type { StoreContext } from './store-context';
import type { WebhookEventClaim, WebhookEventInput } from './types';

/**
 * Claims a source event id unless it is already known (within its TTL). One INSERT … ON CONFLICT
 * DO UPDATE … WHERE the record has expired decides: of concurrent calls for the same id, in one
 * process or several, exactly one gets `isNew: true` (an expired record is replaced in the same
 * statement, so it takes no DELETE before). The claim is `pending` until its owner confirms it (`confirmWebhookEvent`,
 * after the broker confirmed the publish): only a confirmed claim answers a retry as a duplicate.
 * A pending claim younger than `pendingTimeoutMs` answers "in progress, retry in `retryAfterMs`";
 * an older one is taken over by exactly one caller (a compare-and-set on its claim time), which
 * then publishes with the first acceptance's ids.
 */
export async function rememberWebhookEvent(
  ctx: StoreContext,
  /** `ctx.db`, or the transaction of a batch (webhook-writes.ts). */
  db: Kysely<StoreDatabase>,
  input: WebhookEventInput,
  ttlMs: number,
  now: Date,
  pendingTimeoutMs: number = DEFAULT_WEBHOOK_PENDING_TIMEOUT_MS,
): Promise<WebhookEventClaim> {
  // Twice at most: the second round only runs if the row changed between the statements (purged,
  // released or taken over by another caller).
  for (let attempt = 0; ; attempt++) {
    const claim = await tryClaim(ctx, db, input, ttlMs, now, pendingTimeoutMs);
    if (claim) return claim;
    if (attempt > 0) {
      // Still racing with another caller: it holds the claim now; ask for a retry, never "done".
      return { ...idsOf(input), isNew: false, state: 'pending', retryAfterMs: pendingTimeoutMs };
    }
  }
}

const NUL = '\u0000';

/**
 * PostgreSQL cannot store U+0000 in text (the statement fails, so dedupe silently stopped working
 * for such an id) while SQLite can: both refuse it the same way, naming the field.
 */
export function refuseNul(input: WebhookEventInput): void {
  for (const field of ['connectorId', 'sourceEventId', 'eventId', 'correlationId'] as const) {
    const value = input[field];
    if (value.includes(NUL)) {
      throw new StoreInputError(
        `${field} ${JSON.stringify(value)} contains a NUL character (U+0000), which the store ` +
          'cannot keep; send the id without it',
        field,
      );
    }
  }
}

function idsOf(input: WebhookEventInput): Pick<WebhookEventClaim, 'eventId' | 'correlationId'> {
  return { eventId: input.eventId, correlationId: input.correlationId };
}

async function tryClaim(
  ctx: StoreContext,
  db: Kysely<StoreDatabase>,
  input: WebhookEventInput,
  ttlMs: number,
  now: Date,
  pendingTimeoutMs: number,
): Promise<WebhookEventClaim | undefined> {
  const nowIso = now.toISOString();
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  // One statement: insert the claim, or replace a record whose TTL has run out (it no longer
  // counts); a live record is left alone and returns no row. Compiled once (prepared.ts).
  const { rows } = await db.executeQuery(
    ctx.prepared.bind(
      'webhook_events.claim',
      (v) =>
        ctx.db
          .insertInto('webhook_events')
          .values({
            connector_id: v(0),
            source_event_id: v(1),
            event_id: v(2),
            correlation_id: v(3),
            created_at: v(4),
            expires_at: v(5),
            state: v(6),
          })
          .onConflict((oc) =>
            oc
              .columns(['connector_id', 'source_event_id'])
              .doUpdateSet((eb) => ({
                event_id: eb.ref('excluded.event_id'),
                correlation_id: eb.ref('excluded.correlation_id'),
                created_at: eb.ref('excluded.created_at'),
                expires_at: eb.ref('excluded.expires_at'),
                state: eb.ref('excluded.state'),
              }))
              .where('webhook_events.expires_at', '<=', v(4)),
          )
          .returning('event_id'),
      [
        input.connectorId,
        input.sourceEventId,
        input.eventId,
        input.correlationId,
        nowIso,
        expiresAt,
        'pending',
      ],
    ),
  );
  const inserted = rows[0];
  if (inserted) return { ...idsOf(input), isNew: true, state: 'pending' };
  const first = await db
    .selectFrom('webhook_events')
    .select(['event_id', 'correlation_id', 'state', 'created_at'])
    .where('connector_id', '=', input.connectorId)
    .where('source_event_id', '=', input.sourceEventId)
    .executeTakeFirst();
  // Purged or released between the two statements: the id is free again; the caller tries again.
  if (!first) return undefined;
  const ids = { eventId: first.event_id, correlationId: first.correlation_id };
  if (first.state === 'confirmed') return { ...ids, isNew: false, state: 'confirmed' };
  const ageMs = now.getTime() - Date.parse(first.created_at);
  if (ageMs < pendingTimeoutMs) {
    return { ...ids, isNew: false, state: 'pending', retryAfterMs: pendingTimeoutMs - ageMs };
  }
  // Stale: its owner died or stalled before the broker confirmed. Exactly one caller takes it over.
  const taken = await db
    .updateTable('webhook_events')
    .set({ created_at: nowIso, expires_at: expiresAt })
    .where('connector_id', '=', input.connectorId)
    .where('source_event_id', '=', input.sourceEventId)
    .where('state', '=', 'pending')
    .where('created_at', '=', first.created_at)
    .returning('event_id')
    .executeTakeFirst();
  return taken ? { ...ids, isNew: true, state: 'pending', takenOver: true } : undefined;
}

/**
 * Records that the claim's event is done (the broker confirmed its publish): from now on a retry is
 * a duplicate. False if the claim is no longer this acceptance's (purged, or released).
 */
export async function confirmWebhookEvent(
  ctx: StoreContext,
  db: Kysely<StoreDatabase>,
  input: Pick<WebhookEventInput, 'connectorId' | 'sourceEventId' | 'eventId'>,
): Promise<boolean> {
  const result = await db.executeQuery(
    ctx.prepared.bind(
      'webhook_events.confirm',
      (v) =>
        ctx.db
          .updateTable('webhook_events')
          .set({ state: v(0) })
          .where('connector_id', '=', v(1))
          .where('source_event_id', '=', v(2))
          .where('event_id', '=', v(3)),
      ['confirmed', input.connectorId, input.sourceEventId, input.eventId],
    ),
  );
  return Number(result.numAffectedRows ?? 0) > 0;
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
