import type { MessageProperties } from 'amqplib';
import type { SourceEventMeta } from '@exhub/core';
import { HEADER, sourceEventMetaFrom, sourceEventPublishOptions } from './headers';
import { Pacer, replayPublishOptions } from './replay';

const meta: SourceEventMeta = {
  eventId: 'original-event',
  correlationId: 'corr-1',
  connectorId: 'stripe',
  system: 'stripe',
  objectType: 'event',
  sourceEventId: 'evt_1',
  receivedAt: '2026-03-14T09:30:02.118Z',
  contentType: 'application/json',
};

function delivered(headers: Record<string, unknown>, messageId = meta.eventId) {
  const options = sourceEventPublishOptions({ ...meta, eventId: messageId });
  return {
    properties: {
      ...options,
      headers: { ...options.headers, ...headers },
    } as unknown as MessageProperties,
  };
}

describe('replayPublishOptions', () => {
  it('gives the event a new id, names the original, and keeps correlation and source metadata', () => {
    const { options, replayOf } = replayPublishOptions(
      delivered({ 'x-stream-offset': 42 }),
      'new-event',
    );
    expect(replayOf).toBe('original-event');
    expect(options.messageId).toBe('new-event');
    expect(options.correlationId).toBe('corr-1');
    expect(options.headers).toMatchObject({
      [HEADER.replayOf]: 'original-event',
      [HEADER.connector]: 'stripe',
      [HEADER.sourceEventId]: 'evt_1',
      [HEADER.receivedAt]: meta.receivedAt,
    });
    // Stream and error headers of the delivery are not carried into the new event.
    expect(options.headers).not.toHaveProperty('x-stream-offset');
    expect(sourceEventMetaFrom({ properties: options as MessageProperties })).toMatchObject({
      eventId: 'new-event',
      correlationId: 'corr-1',
    });
  });

  it('drops the error headers of a dead letter, so the replay starts with fresh attempts', () => {
    const { options } = replayPublishOptions(
      delivered({ [HEADER.errorClass]: 'INVALID_PAYLOAD', [HEADER.attempts]: 3 }),
      'new-event',
    );
    expect(options.headers).not.toHaveProperty(HEADER.errorClass);
    expect(options.headers).not.toHaveProperty(HEADER.attempts);
  });

  it('a replay of a replay still names the first original', () => {
    const { options, replayOf } = replayPublishOptions(
      delivered({ [HEADER.replayOf]: 'first-original' }, 'replay-1'),
      'replay-2',
    );
    expect(replayOf).toBe('first-original');
    expect(options.headers?.[HEADER.replayOf]).toBe('first-original');
  });

  it('refuses a message that is not a SourceEvent, naming the missing header', () => {
    expect(() =>
      replayPublishOptions({ properties: { messageId: 'x', headers: {} } as never }, 'new'),
    ).toThrow(/x-exhub-connector|correlationId/);
  });
});

describe('Pacer', () => {
  function fakeClock() {
    let now = 1_000;
    const waits: number[] = [];
    return {
      now: () => now,
      delay: async (ms: number) => {
        waits.push(ms);
        now += ms;
      },
      waits,
      advance: (ms: number) => (now += ms),
    };
  }

  it('spaces calls 1/rate apart without a burst', async () => {
    const clock = fakeClock();
    const pacer = new Pacer(4, clock.now, clock.delay);
    for (let i = 0; i < 5; i++) await pacer.wait();
    expect(clock.waits).toEqual([250, 250, 250, 250]);
    expect(clock.now()).toBe(2_000);
  });

  it('does not wait when the caller is already slower than the rate', async () => {
    const clock = fakeClock();
    const pacer = new Pacer(10, clock.now, clock.delay);
    await pacer.wait();
    clock.advance(500);
    await pacer.wait();
    expect(clock.waits).toEqual([]);
  });

  it('rejects a rate that is not a positive number', () => {
    expect(() => new Pacer(0)).toThrow(/rate 0\/s must be a positive number/);
    expect(() => new Pacer(Number.NaN)).toThrow(/positive/);
  });
});
