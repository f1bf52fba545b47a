import { serialized } from './serialized';

describe('serialized (one mapping evaluation at a time)', () => {
  it('runs calls one after another, in call order, and passes results through', async () => {
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const slow = serialized(async (n: number) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5 - n));
      order.push(n);
      running -= 1;
      return n * 10;
    });
    const results = await Promise.all([0, 1, 2, 3].map((n) => slow(n)));
    expect(results).toEqual([0, 10, 20, 30]);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(most).toBe(1);
  });

  it('a failing call rejects its own caller only; the next call still runs', async () => {
    const fn = serialized(async (fail: boolean) => {
      if (fail) throw new Error('mapping failed');
      return 'mapped';
    });
    const first = fn(true);
    const second = fn(false);
    await expect(first).rejects.toThrow('mapping failed');
    await expect(second).resolves.toBe('mapped');
  });
});
