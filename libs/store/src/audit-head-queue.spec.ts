import type { Kysely } from 'kysely';
import { AuditHeadQueue } from './audit-head-queue';
import { auditedTransaction } from './audit.repo';
import { PreparedQueries } from './prepared';
import type { StoreDatabase } from './schema';
import type { StoreContext } from './store-context';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('AuditHeadQueue', () => {
  it('lets `permits` callers through at once and the rest in arrival order', async () => {
    const queue = new AuditHeadQueue(2);
    const order: string[] = [];
    const a = await queue.enter();
    const b = await queue.enter();
    const waiters = ['c', 'd', 'e'].map((name) =>
      queue.enter().then((release) => {
        order.push(name);
        return release;
      }),
    );
    await tick();
    expect(order).toEqual([]);
    expect(queue.state).toEqual({ active: 2, waiting: 3 });
    b();
    b(); // giving a turn back twice frees one place, not two
    await tick();
    expect(order).toEqual(['c']);
    a();
    await tick();
    expect(order).toEqual(['c', 'd']);
    for (const release of await Promise.all(waiters.slice(0, 2))) release();
    await tick();
    expect(order).toEqual(['c', 'd', 'e']);
    (await waiters[2])();
    expect(queue.state).toEqual({ active: 0, waiting: 0 });
  });

  it('refuses fewer than one permit', () => {
    expect(() => new AuditHeadQueue(0)).toThrow(/at least 1/);
  });
});

describe('auditedTransaction', () => {
  /** A database whose transaction runs fn, then commits or fails as told. */
  function ctxWith(queue: AuditHeadQueue, failAfterFn: boolean): StoreContext {
    const db = {
      transaction: () => ({
        execute: async (fn: (trx: unknown) => Promise<unknown>) => {
          const result = await fn({});
          if (failAfterFn) throw new Error('commit failed');
          return result;
        },
      }),
    } as unknown as Kysely<StoreDatabase>;
    return { db, kind: 'postgres', prepared: new PreparedQueries(), auditHead: queue };
  }

  it.each([
    ['commits', false],
    ['fails', true],
  ])('gives the turn back once the transaction %s', async (_label, fail) => {
    const queue = new AuditHeadQueue(1);
    const run = auditedTransaction(ctxWith(queue, fail), async (_trx, audited) => {
      // What appendAuditBatchIn does before its bump.
      audited.turn!.release = await audited.auditHead!.enter();
      expect(queue.state).toEqual({ active: 1, waiting: 0 });
      return 'done';
    });
    if (fail) await expect(run).rejects.toThrow('commit failed');
    else await expect(run).resolves.toBe('done');
    expect(queue.state).toEqual({ active: 0, waiting: 0 });
  });

  it('takes no turn for a transaction that appends nothing', async () => {
    const queue = new AuditHeadQueue(1);
    await auditedTransaction(ctxWith(queue, false), async () => {
      expect(queue.state).toEqual({ active: 0, waiting: 0 });
    });
    expect(queue.state).toEqual({ active: 0, waiting: 0 });
  });
});
