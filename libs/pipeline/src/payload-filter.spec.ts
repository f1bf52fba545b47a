import type { ArchivedEvent } from '@exhub/messaging';
import { compilePayloadFilter, FilterError } from './payload-filter';

function event(payload: unknown): ArchivedEvent {
  return {
    offset: 7,
    meta: { eventId: 'ev-1' } as ArchivedEvent['meta'],
    msg: { content: Buffer.from(JSON.stringify(payload)), properties: {} } as ArchivedEvent['msg'],
  };
}

describe('compilePayloadFilter', () => {
  it('matches on a JSONata predicate over the payload', async () => {
    const filter = compilePayloadFilter('data.object.amount > 10000');
    await expect(filter(event({ data: { object: { amount: 20000 } } }))).resolves.toBe(true);
    await expect(filter(event({ data: { object: { amount: 5 } } }))).resolves.toBe(false);
  });

  it('stops a filter mapping over millions of items within the limits, naming the event and limit', async () => {
    const filter = compilePayloadFilter('$count([1..5000000].($ * 2)) > 0');
    const started = Date.now();
    const failure = filter(event({})).catch((e: unknown) => e);
    const err = (await failure) as FilterError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(FilterError);
    expect(err.message).toMatch(
      /--filter ".*" failed on archived event ev-1 \(offset 7\): built a sequence longer than 100000 items; the replay stopped there/,
    );
  });

  it('stops a filter that loops, at the time limit', async () => {
    const filter = compilePayloadFilter(
      '($f := function($n) { $n > 0 ? $f($n - 1) + $f($n - 1) : 1 }; $f(40) > 0)',
    );
    const started = Date.now();
    const err = (await filter(event({})).catch((e: unknown) => e)) as FilterError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.message).toContain('took longer than 50 ms on one event');
  });

  it('refuses a catastrophic regex and a huge $pad before or without freezing', async () => {
    expect(() => compilePayloadFilter('$contains(reason, /^(a+)+$/)', '/filter')).toThrow(
      /\/filter ".*" is not a usable JSONata expression: regular expression \/\^\(a\+\)\+\$\/ at position \d+ can backtrack catastrophically/,
    );
    const pad = compilePayloadFilter('$length($pad("x", 500000000)) > 0');
    const err = (await pad(event({})).catch((e: unknown) => e)) as FilterError;
    expect(err.message).toContain('$pad: width 500000000 is over the limit of 2000000 characters');
  });
});
