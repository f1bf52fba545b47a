import { AuthError, RateLimitedError, TransientError } from '@exhub/core';
import { backoffDelay, DEFAULT_RETRY_OPTIONS, withRetry } from './retry.policy';
import { parseRetryAfter } from './http-errors';

describe('withRetry', () => {
  it('backs off exponentially with jitter for TRANSIENT and waits Retry-After for RATE_LIMITED', async () => {
    const waits: number[] = [];
    const errors = [
      new TransientError('ingress', 'a'),
      new TransientError('ingress', 'b'),
      new RateLimitedError('ingress', 'c', 1234),
    ];
    const result = await withRetry(
      async () => {
        const e = errors.shift();
        if (e) throw e;
        return 'done';
      },
      {
        retries: 3,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        sleep: async (ms) => waits.push(ms),
        random: () => 1,
      },
    );
    expect(result).toBe('done');
    expect(waits).toEqual([100, 200, 1234]);
  });

  it('does not retry AUTH', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new AuthError('ingress', 'no');
        },
        { sleep: async () => undefined },
      ),
    ).rejects.toThrow('no');
    expect(calls).toBe(1);
  });

  it('keeps jittered delays between half and all of the capped exponential', () => {
    const o = { ...DEFAULT_RETRY_OPTIONS, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, o, () => 0)).toBe(50);
    expect(backoffDelay(3, o, () => 1)).toBe(800);
    expect(backoffDelay(10, o, () => 1)).toBe(1000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
