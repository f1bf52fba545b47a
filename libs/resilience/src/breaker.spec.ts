import { AuthError, InvalidPayloadError, TransientError } from '@exhub/core';
import { BreakerOpenError, EndpointBreaker, type BreakerMetrics } from './breaker';

function recorder() {
  const state = new Map<string, number>();
  const transitions: string[] = [];
  const metrics: BreakerMetrics = {
    breakerState: { set: (l, v) => state.set(l.state, v) },
    breakerTransitions: { inc: (l) => void transitions.push(`${l.from}->${l.to}`) },
  };
  return { state, transitions, metrics };
}
const fail = (e: Error) => () => Promise.reject(e);

describe('EndpointBreaker', () => {
  it('opens under failures, fails fast while open, probes half-open and closes; metrics follow', async () => {
    const m = recorder();
    const b = new EndpointBreaker(
      'c',
      'ep',
      { volumeThreshold: 2, resetTimeoutMs: 100 },
      m.metrics,
    );
    expect(Object.fromEntries(m.state)).toEqual({ closed: 1, open: 0, half_open: 0 });
    for (let i = 0; i < 2; i++)
      await expect(b.fire(fail(new TransientError('ingress', 'down')))).rejects.toThrow('down');
    expect(b.state).toBe('open');
    let called = false;
    await expect(b.fire(async () => (called = true))).rejects.toBeInstanceOf(BreakerOpenError);
    expect(called).toBe(false);
    await new Promise((r) => setTimeout(r, 150));
    expect(b.state).toBe('half_open');
    expect(await b.fire(async () => 'ok')).toBe('ok');
    expect(b.state).toBe('closed');
    expect(m.transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    expect(Object.fromEntries(m.state)).toEqual({ closed: 1, open: 0, half_open: 0 });
    b.shutdown();
  });

  it('opens at once on AUTH; does not count INVALID_PAYLOAD', async () => {
    const b = new EndpointBreaker('c', 'ep', { volumeThreshold: 1 });
    for (let i = 0; i < 5; i++)
      await expect(b.fire(fail(new InvalidPayloadError('parse', 'bad')))).rejects.toThrow('bad');
    expect(b.state).toBe('closed');
    await expect(b.fire(fail(new AuthError('ingress', 'nope')))).rejects.toThrow('nope');
    expect(b.state).toBe('open');
    b.shutdown();
  });
});
