import type { Kysely } from 'kysely';
import type { StoreDatabase } from './schema';

/** One message that entered the DLQ, as the hub's dead-letter ledger saw it. */
export interface DeadLetterRecord {
  /** The message id (the hub sets one on everything it publishes); unique. */
  key: string;
  /** When the message entered the DLQ. */
  deadAt: Date;
  connectorId?: string;
  errorClass?: string;
}

/** Records a dead letter once; a redelivered ledger copy (same key) changes nothing. */
export async function recordDeadLetter(
  db: Kysely<StoreDatabase>,
  entry: DeadLetterRecord,
): Promise<void> {
  await db
    .insertInto('dead_letters')
    .values({
      message_key: entry.key,
      dead_at: entry.deadAt.toISOString(),
      connector: entry.connectorId ?? null,
      error_class: entry.errorClass ?? null,
    })
    .onConflict((oc) => oc.column('message_key').doNothing())
    .execute();
}

/**
 * When the oldest message still in the DLQ entered it, given the DLQ's depth now (from the
 * broker). The DLQ is taken from its head (replay, purge, `dlq ls` all read in order), so the
 * `depth` newest records are the messages still there and the `depth`-th newest is the oldest of
 * them; older records are of messages already taken and are deleted here, which keeps the table
 * as small as the DLQ. Depth 0 empties it. When the ledger knows fewer messages than the broker
 * holds (some dead-lettered while no worker recorded them), the oldest known one is returned: the
 * true age is at least that.
 */
export async function oldestDeadLetter(
  db: Kysely<StoreDatabase>,
  depth: number,
): Promise<Date | undefined> {
  if (depth <= 0) {
    await db.deleteFrom('dead_letters').execute();
    return undefined;
  }
  const row =
    (await db
      .selectFrom('dead_letters')
      .select(['dead_at', 'message_key'])
      .orderBy('dead_at', 'desc')
      .orderBy('message_key', 'desc')
      .limit(1)
      .offset(depth - 1)
      .executeTakeFirst()) ??
    (await db
      .selectFrom('dead_letters')
      .select(['dead_at', 'message_key'])
      .orderBy('dead_at', 'asc')
      .orderBy('message_key', 'asc')
      .limit(1)
      .executeTakeFirst());
  if (!row) return undefined;
  await db.deleteFrom('dead_letters').where('dead_at', '<', row.dead_at).execute();
  return new Date(row.dead_at);
}
