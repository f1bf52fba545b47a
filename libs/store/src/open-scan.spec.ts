import type { CanonicalException } from '@exhub/canonical';
import { sampleException } from '../testing/sample-exception';
import { backlogStats } from './backlog.repo';
import { rootCauseStats } from './insights.repo';
import type { KyselyStore } from './kysely-store';
import { scanInBatches } from './open-scan';
import { openStore } from './open-store';
import { PreparedQueries } from './prepared';
import type { StoreContext } from './store-context';

describe('scanInBatches', () => {
  const ids = Array.from({ length: 6 }, (_, i) => `id-${i}`);
  const reader = (reads: string[]) => async (after: string, limit: number) => {
    reads.push(after);
    return ids
      .filter((id) => id > after)
      .slice(0, limit)
      .map((id) => ({ id }));
  };

  it.each([1, 2, 4, 6, 7])(
    'visits every row exactly once, in order, in batches of %i',
    async (size) => {
      const reads: string[] = [];
      const seen: string[] = [];
      await scanInBatches(reader(reads), (rows) => seen.push(...rows.map((r) => r.id)), size);
      expect(seen).toEqual(ids);
      // One read per full batch, and one that comes back short (possibly empty) to end it.
      expect(reads).toHaveLength(Math.floor(ids.length / size) + 1);
    },
  );

  it('lets the event loop run between batches', async () => {
    const order: string[] = [];
    const scan = scanInBatches(
      reader([]),
      (rows) => order.push(`batch ${rows[0]?.id ?? 'end'}`),
      3,
    );
    setImmediate(() => order.push('other work'));
    await scan;
    expect(order).toEqual(['batch id-0', 'other work', 'batch id-3', 'batch end']);
  });
});

describe('the periodic scans give the same answer in any batch size (SQLite)', () => {
  let store: KyselyStore;
  let ctx: StoreContext;
  const now = new Date('2026-05-01T12:00:00Z');
  const at = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

  beforeAll(async () => {
    store = (await openStore('sqlite::memory:')) as KyselyStore;
    ctx = { db: store.db, kind: 'sqlite', prepared: new PreparedQueries() };
    const put = (e: CanonicalException, minutesAgo: number) =>
      store.upsertException(e, { actor: 'pipeline', at: at(minutesAgo) });
    const tiers = ['p1', 'p2', 'p3'] as const;
    for (let i = 0; i < 23; i++) {
      const e = sampleException({
        id: `e-${String(i).padStart(2, '0')}`,
        score: 10 + i,
        tier: tiers[i % 3],
        domain: i % 4 === 0 ? 'support' : 'finance',
      });
      // Every other one past due, some not yet due, some without a due date.
      const dueAt =
        i % 3 === 0
          ? undefined
          : new Date(now.getTime() + (i % 2 ? -1 : 1) * 3_600_000).toISOString();
      const group =
        i % 5 === 4 ? undefined : { key: `k-${i % 3}`, role: i % 7 === 0 ? 'parent' : 'child' };
      await put(
        { ...e, ...(dueAt && { dueAt }), ...(group && { group }) } as CanonicalException,
        100 - i,
      );
    }
    await store.applyDecision('e-05', { action: 'resolve', actor: 'a', reason: 'x', at: now });
    await store.applyDecision('e-06', { action: 'approve', actor: 'a', reason: 'ok', at: now });
  });
  afterAll(() => store.close());

  const byTier = (s: Awaited<ReturnType<typeof backlogStats>>) => ({
    ...s,
    groups: [...s.groups].sort((a, b) =>
      `${a.domain}${a.tier}`.localeCompare(`${b.domain}${b.tier}`),
    ),
    pastDue: [...s.pastDue].sort((a, b) => a.id.localeCompare(b.id)),
  });

  it('backlogStats', async () => {
    const whole = byTier(await backlogStats(ctx, now, 1000));
    expect(whole.groups.reduce((n, g) => n + g.open, 0)).toBe(22); // 23 stored, one resolved
    expect(whole.pastDue.length).toBeGreaterThan(0);
    for (const size of [1, 2, 5, 22])
      expect(byTier(await backlogStats(ctx, now, size))).toEqual(whole);
  });

  it('rootCauseStats', async () => {
    const whole = await rootCauseStats(ctx, 1000);
    expect(whole.length).toBeGreaterThan(1);
    for (const size of [1, 2, 5]) expect(await rootCauseStats(ctx, size)).toEqual(whole);
  });
});
