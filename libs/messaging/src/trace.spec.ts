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
