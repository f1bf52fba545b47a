import { GroupCommit } from './group-commit';

/** A writer that records each transaction and can refuse items. */
function writer(refuse: (item: string) => boolean = () => false) {
  const transactions: string[][] = [];
  const write = async (items: string[]): Promise<string[]> => {
    transactions.push(items);
    const bad = items.find(refuse);
    if (bad !== undefined) throw new Error(`cannot write ${bad}`);
    return items.map((i) => `${i}@stored`);
  };
  return { transactions, write };
}

describe('GroupCommit', () => {
  it('writes every arrived delivery in one transaction once all have arrived or left, in batch order', async () => {
    const w = writer();
    const commit = new GroupCommit({ write: w.write });
    const [a, b, c, d] = [commit.join(), commit.join(), commit.join(), commit.join()];
    const pc = c.persist(['c1', 'c2']);
    const pa = a.persist(['a1']);
    b.leave();
    await new Promise((r) => setImmediate(r));
    expect(w.transactions).toEqual([]);
    d.leave();
    expect(await Promise.all([pa, pc])).toEqual([['a1@stored'], ['c1@stored', 'c2@stored']]);
    expect(w.transactions).toEqual([['a1', 'c1', 'c2']]);
  });

  it('falls back to one transaction per delivery: a bad row fails only its own delivery', async () => {
    const w = writer((item) => item === 'b1');
    const fallbacks: number[] = [];
    const commit = new GroupCommit({ write: w.write, onFallback: (_e, n) => fallbacks.push(n) });
    const [a, b, c] = [commit.join(), commit.join(), commit.join()];
    const results = await Promise.allSettled([
      a.persist(['a1']),
      b.persist(['b1']),
      c.persist(['c1']),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(fallbacks).toEqual([3]);
    expect(w.transactions).toEqual([['a1', 'b1', 'c1'], ['a1'], ['b1'], ['c1']]);
  });

  it('does not let a slow delivery hold the others past maxWaitMs; the late one is written alone', async () => {
    const w = writer();
    const commit = new GroupCommit({ write: w.write, maxWaitMs: 20 });
    const [a, b, slow] = [commit.join(), commit.join(), commit.join()];
    const both = Promise.all([a.persist(['a1']), b.persist(['b1'])]);
    expect(await both).toEqual([['a1@stored'], ['b1@stored']]);
    expect(w.transactions).toEqual([['a1', 'b1']]);
    expect(await slow.persist(['s1'])).toEqual(['s1@stored']);
    expect(w.transactions).toEqual([['a1', 'b1'], ['s1']]);
    slow.leave();
  });

  it('refuses a second persist of one delivery', async () => {
    const commit = new GroupCommit({ write: writer().write });
    const a = commit.join();
    await a.persist(['a1']);
    await expect(a.persist(['a1'])).rejects.toThrow(/already persisted/);
  });
});
