import type { MessageProperties } from 'amqplib';
import { describeDeadLetter, groupDeadLetters, type DeadLetter } from './dlq';
import { HEADER } from './headers';

/** Typed loosely: amqplib's x-death type lacks the `delivery_limit` reason RabbitMQ sends. */
function letter(properties: Record<string, unknown>, body = '{"a":1}') {
  return { content: Buffer.from(body), properties: properties as unknown as MessageProperties };
}

const sourceHeaders = {
  [HEADER.connector]: 'stripe',
  [HEADER.system]: 'stripe',
  [HEADER.objectType]: 'event',
  [HEADER.receivedAt]: '2026-03-14T09:30:02.118Z',
};

describe('describeDeadLetter', () => {
  it('reads the hub error headers', () => {
    const d = describeDeadLetter(
      letter({
        messageId: 'ev-1',
        correlationId: 'corr-1',
        contentType: 'application/json',
        headers: {
          ...sourceHeaders,
          [HEADER.errorClass]: 'INVALID_PAYLOAD',
          [HEADER.errorStage]: 'validate',
          [HEADER.errorMessage]: 'bad currency',
          [HEADER.attempts]: 1,
          [HEADER.firstFailedAt]: '2026-03-14T09:31:00.000Z',
        },
      }),
    );
    expect(d).toEqual({
      id: 'ev-1',
      errorClass: 'INVALID_PAYLOAD',
      stage: 'validate',
      message: 'bad currency',
      attempts: 1,
      failedAt: '2026-03-14T09:31:00.000Z',
      connector: 'stripe',
      objectType: 'event',
      correlationId: 'corr-1',
      replayOf: undefined,
      contentType: 'application/json',
      bytes: 7,
    });
  });

  it('classes a message the broker dead-lettered at the delivery limit as DELIVERY_LIMIT, even with old retry headers', () => {
    const d = describeDeadLetter(
      letter({
        messageId: 'ev-2',
        headers: {
          ...sourceHeaders,
          [HEADER.errorClass]: 'TRANSIENT',
          [HEADER.errorStage]: 'publish',
          'x-death': [
            {
              reason: 'delivery_limit',
              queue: 'exhub.work',
              count: 1,
              time: { '!': 'timestamp', value: 1_773_480_600 },
            },
          ],
        },
      }),
    );
    expect(d).toMatchObject({
      errorClass: 'DELIVERY_LIMIT',
      stage: 'broker',
      failedAt: new Date(1_773_480_600_000).toISOString(),
    });
    expect(d.message).toMatch(/exhub\.work after its delivery limit/);
  });

  it('names an unknown dead letter by its position when it has no message id', () => {
    const d = describeDeadLetter(letter({ headers: {} }), '#7');
    expect(d).toMatchObject({ id: '#7', errorClass: 'UNKNOWN', stage: 'broker' });
  });
});

describe('groupDeadLetters', () => {
  const base: Omit<DeadLetter, 'id' | 'errorClass' | 'stage' | 'failedAt'> = {
    message: '',
    bytes: 1,
  };
  it('groups by class and stage, largest first, with the oldest age and sample ids', () => {
    const now = new Date('2026-03-14T10:00:00.000Z');
    const groups = groupDeadLetters(
      [
        {
          ...base,
          id: 'a',
          errorClass: 'INVALID_PAYLOAD',
          stage: 'validate',
          failedAt: '2026-03-14T09:00:00.000Z',
        },
        {
          ...base,
          id: 'b',
          errorClass: 'INVALID_PAYLOAD',
          stage: 'validate',
          failedAt: '2026-03-14T08:00:00.000Z',
        },
        {
          ...base,
          id: 'c',
          errorClass: 'INVALID_PAYLOAD',
          stage: 'map',
          failedAt: '2026-03-14T09:59:00.000Z',
        },
        { ...base, id: 'd', errorClass: 'DELIVERY_LIMIT', stage: 'broker' },
        {
          ...base,
          id: 'e',
          errorClass: 'INVALID_PAYLOAD',
          stage: 'validate',
          failedAt: '2026-03-14T09:30:00.000Z',
        },
      ],
      now,
      2,
    );
    expect(groups).toEqual([
      {
        errorClass: 'INVALID_PAYLOAD',
        stage: 'validate',
        count: 3,
        oldestFailedAt: '2026-03-14T08:00:00.000Z',
        oldestAgeSeconds: 7200,
        sampleIds: ['a', 'b'],
      },
      { errorClass: 'DELIVERY_LIMIT', stage: 'broker', count: 1, sampleIds: ['d'] },
      {
        errorClass: 'INVALID_PAYLOAD',
        stage: 'map',
        count: 1,
        oldestFailedAt: '2026-03-14T09:59:00.000Z',
        oldestAgeSeconds: 60,
        sampleIds: ['c'],
      },
    ]);
  });
});
