import { sql } from 'kysely';
import { POLL_LOCK_NAMESPACE } from './constants';
import type { StoreContext } from './store-context';
import type { PollLockResult } from './types';

/**
 * Runs `fn` only if no other process is polling this connector. PostgreSQL: a session-level
 * advisory lock (`pg_try_advisory_lock(hashtext(…))`) held on one pooled connection for fn's
 * duration, released after it (or by the server if this process dies). SQLite serves a single
 * process, so it always runs.
 */
export async function withPollLock<T>(
  ctx: StoreContext,
  connectorId: string,
  fn: () => Promise<T>,
): Promise<PollLockResult<T>> {
  if (ctx.kind === 'sqlite') return { ran: true, value: await fn() };
  const key = `${POLL_LOCK_NAMESPACE}${connectorId}`;
  return ctx.db.connection().execute(async (conn) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_lock(hashtext(${key})) as locked`.execute(conn);
    if (!rows[0]?.locked) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
    }
  });
}
