import { DedupeCache } from './dedupe';

describe('DedupeCache', () => {
  const a = { eventId: 'e1', correlationId: 'c1' };

  it('answers a repeat within the window with the first acceptance', async () => {
    const cache = new DedupeCache(1000, 10);
    const accept = jest.fn().mockResolvedValue(a);
    expect(await cache.once('k', 0, accept)).toEqual({ value: a, duplicate: false });
    expect(await cache.once('k', 999, accept)).toEqual({ value: a, duplicate: true });
    expect(accept).toHaveBeenCalledTimes(1);
  });

  it('forgets after the window', async () => {
    const cache = new DedupeCache(1000, 10);
    await cache.once('k', 0, async () => a);
    const second = { eventId: 'e2', correlationId: 'c2' };
    expect(await cache.once('k', 1000, async () => second)).toEqual({
      value: second,
      duplicate: false,
    });
  });

  it('lets a concurrent duplicate wait for the first instead of accepting twice', async () => {
    const cache = new DedupeCache(1000, 10);
    let release!: (v: typeof a) => void;
    const first = cache.once('k', 0, () => new Promise((r) => (release = r)));
    const accept2 = jest.fn();
    const second = cache.once('k', 0, accept2);
    release(a);
    expect(await first).toEqual({ value: a, duplicate: false });
    expect(await second).toEqual({ value: a, duplicate: true });
    expect(accept2).not.toHaveBeenCalled();
  });

  it('does not remember a failed acceptance, so the sender can retry', async () => {
    const cache = new DedupeCache(1000, 10);
    await expect(cache.once('k', 0, async () => Promise.reject(new Error('nack')))).rejects.toThrow(
      'nack',
    );
    expect(await cache.once('k', 1, async () => a)).toEqual({ value: a, duplicate: false });
  });

  it('stays bounded, dropping the oldest entry first', async () => {
    const cache = new DedupeCache(1000, 2);
    for (const k of ['a', 'b', 'c'])
      await cache.once(k, 0, async () => ({ eventId: k, correlationId: k }));
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('c', 0)).toEqual({ eventId: 'c', correlationId: 'c' });
  });
});
