import { sql } from 'kysely';
import type { StoreContext } from './store-context';
import type { BacklogGroup, BacklogStats, PastDueException } from './types';

/** Statuses that still wait for someone: the backlog. */
const OPEN_STATUSES = ['open', 'in_review'];

/**
 * The backlog per domain and tier (count, age of the oldest from its first-seen time) and the open
 * exceptions past their `dueAt`. `dueAt` lives in the stored document only, so it is read with
 * the dialect's JSON operator and compared in JavaScript (offsets and fractional seconds make a
 * string comparison in SQL wrong).
 */
export async function backlogStats(ctx: StoreContext, now: Date): Promise<BacklogStats> {
  const rows = await ctx.db
    .selectFrom('exceptions')
    .select(['domain', 'tier'])
    .select((eb) => [
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.min('created_at').as('oldest'),
    ])
    .where('status', 'in', OPEN_STATUSES)
    .groupBy(['domain', 'tier'])
    .execute();
  const groups: BacklogGroup[] = rows.map((r) => ({
    domain: r.domain,
    tier: r.tier,
    open: Number(r.n),
    oldestAgeSeconds: Math.max(0, (now.getTime() - Date.parse(String(r.oldest))) / 1000),
  }));

  const dueAt =
    ctx.kind === 'postgres'
      ? sql<string | null>`(document::jsonb ->> 'dueAt')`
      : sql<string | null>`json_extract(document, '$.dueAt')`;
  const due = await ctx.db
    .selectFrom('exceptions')
    .select(['id', 'tier', dueAt.as('due_at')])
    .where('status', 'in', OPEN_STATUSES)
    .where(dueAt, 'is not', null)
    .execute();
  const pastDue: PastDueException[] = [];
  const pastDueByTier: Record<string, number> = {};
  for (const r of due) {
    const at = Date.parse(String(r.due_at));
    if (!Number.isFinite(at) || at > now.getTime()) continue;
    pastDue.push({ id: r.id, tier: r.tier, dueAt: String(r.due_at) });
    pastDueByTier[r.tier] = (pastDueByTier[r.tier] ?? 0) + 1;
  }
  return { groups, pastDueByTier, pastDue };
}
