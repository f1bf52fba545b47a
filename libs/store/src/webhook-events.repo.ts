import type { Kysely } from 'kysely';
import { chunked } from './chunked';
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
  // counts); a live record is left alone. The batch's statement with one row (compiled once).
  const [inserted] = await claimFreeWebhookEvents(ctx, db, [{ input, ttlMs, now }]);
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

/** Rows per multi-row statement of a batch of claims or confirms (each row count is one shape). */
export const WEBHOOK_BULK_ROWS = 32;

/** The claim to try for one request of a batch (webhook-writes.ts). */
export interface WebhookClaimRequest {
  input: WebhookEventInput;
  ttlMs: number;
  now: Date;
}

/** `connectorId` and `sourceEventId` as one map key (NUL is refused in both: refuseNul). */
function claimKey(connectorId: string, sourceEventId: string): string {
  return `${connectorId}${NUL}${sourceEventId}`;
}

function byClaimKey<T>(of: (item: T) => { connectorId: string; sourceEventId: string }) {
  return (a: T, b: T): number => {
    const ka = claimKey(of(a).connectorId, of(a).sourceEventId);
    const kb = claimKey(of(b).connectorId, of(b).sourceEventId);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/**
 * The claims of a batch of requests, the common case in one statement per 32 of them (issue 17):
 * each id that is free (unknown, or its record expired) is claimed by one INSERT … ON CONFLICT DO
 * UPDATE … WHERE expired, with a row per request, each judged against its own request's time
 * (`rememberWebhookEvent` runs the same statement with one row). Returns, per request, whether it
 * now holds a new pending claim. A request whose id was not free (a live record, a duplicate
 * within the batch) gets `false` and nothing was written for it: the caller runs
 * `rememberWebhookEvent` for it, which finds the record and answers (duplicate, retry later,
 * takeover). Rows go in key order, so two processes' batches take their row locks in the same
 * order on PostgreSQL.
 */
export async function claimFreeWebhookEvents(
  ctx: StoreContext,
  db: Kysely<StoreDatabase>,
  requests: readonly WebhookClaimRequest[],
): Promise<boolean[]> {
  const claimed = new Array<boolean>(requests.length).fill(false);
  // One row per id and statement: PostgreSQL refuses a statement that would touch a row twice,
  // and the second request for an id must find the first one's claim, as it would one by one.
  const seen = new Set<string>();
  const firsts: { request: WebhookClaimRequest; index: number }[] = [];
  requests.forEach((request, index) => {
    const key = claimKey(request.input.connectorId, request.input.sourceEventId);
    if (seen.has(key)) return;
    seen.add(key);
    firsts.push({ request, index });
  });
  firsts.sort(byClaimKey((f) => f.request.input));
  for (const chunk of chunked(firsts, WEBHOOK_BULK_ROWS)) {
    const values: unknown[] = [];
    for (const { request } of chunk) {
      const { input, ttlMs, now } = request;
      values.push(
        input.connectorId,
        input.sourceEventId,
        input.eventId,
        input.correlationId,
        now.toISOString(),
        new Date(now.getTime() + ttlMs).toISOString(),
        'pending',
      );
    }
    const { rows } = await db.executeQuery(
      ctx.prepared.bind(
        `webhook_events.claim-free:${chunk.length}`,
        (v) =>
          ctx.db
            .insertInto('webhook_events')
            .values(
              chunk.map((_, r) => ({
                connector_id: v(r * 7),
                source_event_id: v(r * 7 + 1),
                event_id: v(r * 7 + 2),
                correlation_id: v(r * 7 + 3),
                created_at: v(r * 7 + 4),
                expires_at: v(r * 7 + 5),
                state: v(r * 7 + 6),
              })),
            )
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
                // Replaced only once expired at the time of the request that proposes the row.
                .whereRef('webhook_events.expires_at', '<=', 'excluded.created_at'),
            )
            .returning(['connector_id', 'source_event_id']),
        values,
      ),
    );
    const won = new Set(rows.map((r) => claimKey(r.connector_id, r.source_event_id)));
    for (const { request, index } of chunk) {
      claimed[index] = won.has(claimKey(request.input.connectorId, request.input.sourceEventId));
    }
  }
  return claimed;
}

/**
 * `confirmWebhookEvent` for a batch of claims, in one statement per 32 of them: per claim, whether
 * it was still this acceptance's (the same answer each would get alone).
 */
export async function confirmWebhookEvents(
  ctx: StoreContext,
  db: Kysely<StoreDatabase>,
  inputs: ReadonlyArray<Pick<WebhookEventInput, 'connectorId' | 'sourceEventId' | 'eventId'>>,
): Promise<boolean[]> {
  const ownerKey = (connectorId: string, sourceEventId: string, eventId: string) =>
    `${claimKey(connectorId, sourceEventId)}${NUL}${eventId}`;
  const confirmed = new Set<string>();
  const ordered = [...inputs].sort(byClaimKey((i) => i));
  for (const chunk of chunked(ordered, WEBHOOK_BULK_ROWS)) {
    const values: unknown[] = ['confirmed'];
    for (const input of chunk) values.push(input.connectorId, input.sourceEventId, input.eventId);
    const { rows } = await db.executeQuery(
      ctx.prepared.bind(
        `webhook_events.confirm-many:${chunk.length}`,
        (v) =>
          ctx.db
            .updateTable('webhook_events')
            .set({ state: v(0) })
            .where((eb) =>
              eb.or(
                chunk.map((_, r) =>
                  eb.and([
                    eb('connector_id', '=', v(r * 3 + 1)),
                    eb('source_event_id', '=', v(r * 3 + 2)),
                    eb('event_id', '=', v(r * 3 + 3)),
                  ]),
                ),
              ),
            )
            .returning(['connector_id', 'source_event_id', 'event_id']),
        values,
      ),
    );
    for (const r of rows) confirmed.add(ownerKey(r.connector_id, r.source_event_id, r.event_id));
  }
  return inputs.map((i) => confirmed.has(ownerKey(i.connectorId, i.sourceEventId, i.eventId)));
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
  const [confirmed] = await confirmWebhookEvents(ctx, db, [input]);
  return confirmed;
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
