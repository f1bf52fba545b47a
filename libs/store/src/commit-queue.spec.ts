import { CommitQueue } from './commit-queue';

/**
 * A writer whose transactions stay open until the test lets them commit, that records each
 * transaction and can refuse items.
 */
function writer(refuse: (item: string) => boolean = () => false) {
  const transactions: string[][] = [];
  const open: (() => void)[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const write = async (items: string[]): Promise<string[]> => {
    transactions.push(items);
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    await new Promise<void>((r) => open.push(r));
    running--;
    const bad = items.find(refuse);
    if (bad !== undefined) throw new Error(`cannot write ${bad}`);
    return items.map((i) => `${i}@stored`);
  };
  /** Commits the oldest open transaction and lets the queue start the next one. */
  const commitNext = async (): Promise<void> => {
    const next = open.shift();
    if (!next) throw new Error('no transaction is open');
    next();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  return { transactions, write, commitNext, mostAtOnce: () => mostAtOnce };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CommitQueue', () => {
  it('starts the first write at once and merges what queued meanwhile into the next, in order', async () => {
    const w = writer();
    const q = new CommitQueue(w.write, { maxInFlight: 1, maxItems: 100 });
    const a = q.submit(['a1']);
    expect(w.transactions).toEqual([['a1']]);
    const b = q.submit(['b1', 'b2']);
    const c = q.submit(['c1']);
    await tick();
    expect(w.transactions).toEqual([['a1']]);
    expect(q.waiting).toBe(2);
    await w.commitNext();
    expect(await a).toEqual(['a1@stored']);
    expect(w.transactions).toEqual([['a1'], ['b1', 'b2', 'c1']]);
    await w.commitNext();
    expect(await b).toEqual(['b1@stored', 'b2@stored']);
    expect(await c).toEqual(['c1@stored']);
    expect(w.mostAtOnce()).toBe(1);
  });

  it('runs at most maxInFlight writes at once', async () => {
    const w = writer();
    const q = new CommitQueue(w.write, { maxInFlight: 2, maxItems: 100 });
    const all = ['a', 'b', 'c', 'd'].map((x) => q.submit([x]));
    expect(w.transactions).toEqual([['a'], ['b']]);
    await w.commitNext();
    expect(w.transactions).toEqual([['a'], ['b'], ['c', 'd']]);
    await w.commitNext();
    await w.commitNext();
    expect(await Promise.all(all)).toEqual([
      ['a@stored'],
      ['b@stored'],
      ['c@stored'],
      ['d@stored'],
    ]);
    expect(w.mostAtOnce()).toBe(2);
  });

  it('takes no more than maxItems into one write, but never splits a submission', async () => {
    const w = writer();
    const q = new CommitQueue(w.write, { maxInFlight: 1, maxItems: 3 });
    const first = q.submit(['x']);
    const rest = [q.submit(['a1', 'a2']), q.submit(['b1']), q.submit(['c1', 'c2', 'c3', 'c4'])];
    await w.commitNext();
    expect(w.transactions[1]).toEqual(['a1', 'a2', 'b1']);
    await w.commitNext();
    // Larger than maxItems on its own: written alone, whole.
    expect(w.transactions[2]).toEqual(['c1', 'c2', 'c3', 'c4']);
    await w.commitNext();
    await first;
    expect((await Promise.all(rest)).map((r) => r.length)).toEqual([2, 1, 4]);
  });

  it('writes each submission again on its own when a merged write fails: a bad one fails alone', async () => {
    const w = writer((item) => item === 'b1');
    const fallbacks: number[] = [];
    const q = new CommitQueue(w.write, {
      maxInFlight: 1,
      maxItems: 100,
      onFallback: (_e, n) => fallbacks.push(n),
    });
    const first = q.submit(['x']);
    const results = Promise.allSettled([q.submit(['a1']), q.submit(['b1']), q.submit(['c1'])]);
    await w.commitNext(); // x
    await w.commitNext(); // a1, b1, c1 together: refused
    await w.commitNext(); // a1 alone
    await w.commitNext(); // b1 alone: refused
    await w.commitNext(); // c1 alone
    await first;
    const settled = await results;
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('cannot write b1'));
    expect(fallbacks).toEqual([3]);
    expect(w.transactions).toEqual([['x'], ['a1', 'b1', 'c1'], ['a1'], ['b1'], ['c1']]);
  });

  it('goes on after a failed write: the next submissions are written', async () => {
    const w = writer((item) => item === 'bad');
    const q = new CommitQueue(w.write, { maxInFlight: 1, maxItems: 100 });
    const bad = q.submit(['bad']);
    const next = q.submit(['ok']);
    await w.commitNext();
    await expect(bad).rejects.toThrow('cannot write bad');
    await w.commitNext();
    expect(await next).toEqual(['ok@stored']);
  });

  it('with startOnNextTurn, lets the submissions of the same turn share the first write', async () => {
    const w = writer();
    const q = new CommitQueue(w.write, { maxInFlight: 1, maxItems: 100, startOnNextTurn: true });
    const all = [q.submit(['a']), q.submit(['b']), q.submit(['c'])];
    expect(w.transactions).toEqual([]);
    await tick();
    expect(w.transactions).toEqual([['a', 'b', 'c']]);
    await w.commitNext();
    expect(await Promise.all(all)).toEqual([['a@stored'], ['b@stored'], ['c@stored']]);
  });

  it('idle() resolves once everything submitted so far has settled', async () => {
    const w = writer();
    const q = new CommitQueue(w.write, { maxInFlight: 1, maxItems: 100 });
    await q.idle(); // nothing queued: at once
    const a = q.submit(['a']);
    const b = q.submit(['b']);
    let idle = false;
    const done = q.idle().then(() => (idle = true));
    await w.commitNext();
    await a;
    expect(idle).toBe(false);
    await w.commitNext();
    await b;
    await done;
    expect(idle).toBe(true);
  });

  it('refuses limits below one', () => {
    expect(() => new CommitQueue(writer().write, { maxInFlight: 0, maxItems: 10 })).toThrow(
      /maxInFlight and maxItems must be at least 1/,
    );
  });
});
