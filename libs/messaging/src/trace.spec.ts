import { childTraceparent, newTraceparent, parseTraceparent } from './trace';

const FORMAT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe('traceparent', () => {
  it('starts a new sampled trace in W3C format, different each time', () => {
    const a = newTraceparent();
    const b = newTraceparent();
    expect(a).toMatch(FORMAT);
    expect(b).toMatch(FORMAT);
    expect(a).not.toBe(b);
  });

  it('never hands out the same id twice, across refills of its pool of random bytes', () => {
    // 24 random bytes per new trace: 1,000 traces use the 4,096-byte pool up ~6 times.
    const traces = Array.from({ length: 1000 }, () => newTraceparent());
    for (const t of traces) expect(t).toMatch(FORMAT);
    expect(new Set(traces.map((t) => t.slice(3, 35))).size).toBe(1000);
    expect(new Set(traces.map((t) => t.slice(36, 52))).size).toBe(1000);
  });

  it('continues the trace with a new span and the parent flags', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const child = childTraceparent(parent);
    expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    expect(child).not.toContain('b7ad6b7169203331');
  });

  it.each([
    undefined,
    '',
    'garbage',
    '00-00000000000000000000000000000000-b7ad6b7169203331-01',
    '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
    'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
  ])('starts a new trace instead of propagating %p', (parent) => {
    expect(parseTraceparent(parent)).toBeUndefined();
    expect(childTraceparent(parent)).toMatch(FORMAT);
  });
});
