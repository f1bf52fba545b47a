import { sql } from 'kysely';
import { OPEN_SCAN_BATCH } from './constants';
import { byIdOrder, scanInBatches } from './open-scan';
import type { StoreContext } from './store-context';
import type { BacklogGroup, BacklogStats, PastDueException } from './types';

/** Statuses that still wait for someone: the backlog. */
const OPEN_STATUSES = ['open', 'in_review'];

/**
 * The backlog per domain and tier (count, age of the oldest from its first-seen time) and the open
 * exceptions past their `dueAt`. `dueAt` lives in the stored document only, so it is read with
 * the dialect's JSON operator and compared in JavaScript (offsets and fractional seconds make a
 * string comparison in SQL wrong). Read in batches of `batchSize` (open-scan.ts): this runs every
 * 30 s over the whole backlog, which must not stop the event loop.
 */
export async function backlogStats(
  ctx: StoreContext,
  now: Date,
  batchSize = OPEN_SCAN_BATCH,
): Promise<BacklogStats> {
  const dueAt =
    ctx.kind === 'postgres'
      ? sql<string | null>`(document::jsonb ->> 'dueAt')`
      : sql<string | null>`json_extract(document, '$.dueAt')`;
  const byGroup = new Map<string, { domain: string; tier: string; open: number; oldest: number }>();
  const pastDue: PastDueException[] = [];
  const pastDueByTier: Record<string, number> = {};
  await scanInBatches(
    (after, limit) =>
      ctx.db
        .selectFrom('exceptions')
        .select(['id', 'domain', 'tier', 'created_at', dueAt.as('due_at')])
        .where(byIdOrder(ctx), 'in', OPEN_STATUSES)
        .where('id', '>', after)
        .orderBy('id')
        .limit(limit)
        .execute(),
    (rows) => {
      for (const r of rows) {
        const key = `${r.domain}\u0000${r.tier}`;
        const firstSeen = Date.parse(String(r.created_at));
        const group = byGroup.get(key);
        if (group) {
          group.open += 1;
          group.oldest = Math.min(group.oldest, firstSeen);
        } else {
          byGroup.set(key, { domain: r.domain, tier: r.tier, open: 1, oldest: firstSeen });
        }
        if (r.due_at === null || r.due_at === undefined) continue;
        const at = Date.parse(String(r.due_at));
        if (!Number.isFinite(at) || at > now.getTime()) continue;
        pastDue.push({ id: r.id, tier: r.tier, dueAt: String(r.due_at) });
        pastDueByTier[r.tier] = (pastDueByTier[r.tier] ?? 0) + 1;
      }
    },
    batchSize,
  );
  const groups: BacklogGroup[] = [...byGroup.values()].map((g) => ({
    domain: g.domain,
    tier: g.tier,
    open: g.open,
    oldestAgeSeconds: Math.max(0, (now.getTime() - g.oldest) / 1000),
  }));
  return { groups, pastDueByTier, pastDue };
}
