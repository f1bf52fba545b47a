import type { ConsumeMessage } from 'amqplib';
import pino from 'pino';
import { HubMetrics } from '@exhub/observability';
import { deadLetterEntry, dlqAgeUpdater, recordLedgerCopy } from './dlq-ledger';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const props = (headers: Record<string, unknown>, messageId: string | null = 'evt-1') =>
  ({ properties: { messageId: messageId ?? undefined, headers } }) as unknown as ConsumeMessage;

describe('deadLetterEntry', () => {
  it("takes the hub's own dead-letter time first", () => {
    const entry = deadLetterEntry(
      props({
        'x-exhub-dead-lettered-at': '2026-11-22T11:00:00.000Z',
        'x-death': [{ time: { '!': 'timestamp', value: 1 } }],
        'x-exhub-connector': 'stripe',
        'x-exhub-error-class': 'INVALID_PAYLOAD',
      }),
      NOW,
    );
    expect(entry).toEqual({
      key: 'evt-1',
      deadAt: new Date('2026-11-22T11:00:00.000Z'),
      connectorId: 'stripe',
      errorClass: 'INVALID_PAYLOAD',
    });
  });

  it("uses the broker's x-death time for a message dead-lettered at the delivery limit", () => {
    const seconds = Date.parse('2026-11-22T10:30:00Z') / 1000;
    for (const time of [seconds, { '!': 'timestamp', value: seconds }, new Date(seconds * 1000)]) {
      expect(deadLetterEntry(props({ 'x-death': [{ time }] }), NOW).deadAt).toEqual(
        new Date('2026-11-22T10:30:00Z'),
      );
    }
  });

  it('falls back to now, and to a unique key without a message id', () => {
    const a = deadLetterEntry(props({ 'x-exhub-dead-lettered-at': 'yesterday' }, null), NOW);
    const b = deadLetterEntry(props({}, null), NOW);
    expect(a.deadAt).toEqual(NOW);
    expect(a.key).toMatch(/^no-message-id:/);
    expect(a.key).not.toBe(b.key);
  });
});

describe('the ledger consumer and the age', () => {
  const logger = pino({ level: 'silent' });

  it('acks a copy it cannot record, counting it, after a few attempts', async () => {
    const metrics = new HubMetrics('test');
    let calls = 0;
    const store = {
      recordDeadLetter: async () => {
        calls++;
        throw new Error('database is locked');
      },
    };
    const outcome = await recordLedgerCopy(
      { store, metrics, logger, backoffMs: 1, now: () => NOW },
      props({}),
    );
    expect(outcome).toEqual({ kind: 'ack' });
    expect(calls).toBe(3);
    expect(await metrics.registry.getSingleMetricAsString('exhub_dlq_ledger_errors_total')).toMatch(
      /^exhub_dlq_ledger_errors_total 1$/m,
    );
  });

  it('sets the age from the DLQ depth, 0 when empty', async () => {
    const metrics = new HubMetrics('test');
    const asked: number[] = [];
    const store = {
      oldestDeadLetter: async (depth: number) => {
        asked.push(depth);
        return depth > 0 ? new Date(NOW.getTime() - 90_000) : undefined;
      },
    };
    const update = dlqAgeUpdater(store, metrics, logger, () => NOW.getTime());
    await update(new Map([['dlq', 4]]));
    expect(
      await metrics.registry.getSingleMetricAsString('exhub_dlq_oldest_message_age_seconds'),
    ).toMatch(/exhub_dlq_oldest_message_age_seconds 90$/m);
    await update(new Map([['dlq', 0]]));
    expect(
      await metrics.registry.getSingleMetricAsString('exhub_dlq_oldest_message_age_seconds'),
    ).toMatch(/exhub_dlq_oldest_message_age_seconds 0$/m);
    await update(new Map([['work', 7]])); // no DLQ depth this round: nothing asked
    expect(asked).toEqual([4, 0]);
  });
});
