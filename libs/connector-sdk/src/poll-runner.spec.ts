import type { PollingConnector, PollResult } from './connector';
import { MemoryCursorStore } from './cursor-store';
import { InvalidPayloadError, TransientError } from '@exhub/core';
import { PollRunner, REFUSED_PAGE_OBJECT_TYPE, type ConfirmingPublisher } from './poll-runner';

/** A publisher whose confirms the test releases by hand. */
class ManualPublisher implements ConfirmingPublisher {
  ready = true;
  readonly sent: { body: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  publish(_exchange: string, _key: string, content: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sent.push({ body: content.toString('utf8'), resolve, reject }),
    );
  }
}

/** A publisher that confirms at once and keeps what it was given. */
class RecordingPublisher implements ConfirmingPublisher {
  ready = true;
  readonly sent: { exchange: string; body: unknown; headers: Record<string, unknown> }[] = [];
  async publish(
    exchange: string,
    _key: string,
    content: Buffer,
    options?: { headers?: Record<string, unknown> },
  ): Promise<void> {
    this.sent.push({
      exchange,
      body: JSON.parse(content.toString('utf8')),
      headers: options?.headers ?? {},
    });
  }
}

function fakeConnector(
  pages: PollResult<number>[],
): PollingConnector<number> & { calls: (number | undefined)[]; breaker: 'closed' | 'open' } {
  const c = {
    id: 'fake',
    system: 'fake',
    kind: 'poll' as const,
    calls: [] as (number | undefined)[],
    breaker: 'closed' as 'closed' | 'open',
    checkConnection: async () => ({ ok: true, detail: 'ok' }),
    breakerState: () => c.breaker,
    poll: async (cursor: number | undefined) => {
      c.calls.push(cursor);
      const page = pages.shift();
      if (!page) throw new TransientError('ingress', 'no more pages scripted');
      return page;
    },
  };
  return c;
}

/** A `publishEvent` that sends each event's payload to `exchange` through the test publisher. */
const publishTo =
  (publisher: ConfirmingPublisher, exchange: string) =>
  (e: { payload: unknown }): Promise<void> =>
    publisher.publish(exchange, '', Buffer.from(JSON.stringify(e.payload)));

const tick = () => new Promise((r) => setImmediate(r));
const event = (n: number) => ({ objectType: 'thing', payload: { n } });

function runnerFor(
  connector: PollingConnector<number>,
  publisher: ConfirmingPublisher,
  store = new MemoryCursorStore(),
) {
  const runner = new PollRunner({
    connector: connector as PollingConnector,
    store,
    publisher,
    publishEvent: (e) =>
      publisher.publish('exhub.ingress', '', Buffer.from(JSON.stringify(e.payload))),
    publishOptions: (meta) => ({
      messageId: meta.eventId,
      headers: { connector: meta.connectorId },
    }),
  });
  return { runner, store };
}

describe('PollRunner', () => {
  it('saves the cursor only after every publish of the page is confirmed', async () => {
    const connector = fakeConnector([{ events: [event(1), event(2)], nextCursor: 2 }]);
    const publisher = new ManualPublisher();
    const { runner, store } = runnerFor(connector, publisher);
    const done = runner.pollNow();
    await tick();
    expect(publisher.sent.map((s) => JSON.parse(s.body))).toEqual([{ n: 1 }, { n: 2 }]);
    publisher.sent[0].resolve();
    await tick();
    expect(await store.get('fake')).toBeUndefined(); // one confirm still missing
    publisher.sent[1].resolve();
    expect(await done).toEqual({ status: 'polled', published: 2, pages: 1, rejected: 0 });
    expect(await store.get('fake')).toBe(2);
  });

  it('keeps the old cursor when a publish is not confirmed, so the page is read again', async () => {
    const connector = fakeConnector([
      { events: [event(1)], nextCursor: 1 },
      { events: [event(1)], nextCursor: 1 },
    ]);
    const publisher = new ManualPublisher();
    const { runner, store } = runnerFor(connector, publisher);
    const failed = runner.pollNow();
    await tick();
    publisher.sent[0].reject(new TransientError('publish', 'nacked'));
    await expect(failed).rejects.toThrow('nacked');
    expect(await store.get('fake')).toBeUndefined();
    expect(runner.status.lastError).toMatchObject({ errorClass: 'TRANSIENT' });
    const again = runner.pollNow();
    await tick();
    publisher.sent[1].resolve();
    await again;
    expect(connector.calls).toEqual([undefined, undefined]);
    expect(await store.get('fake')).toBe(1);
  });

  it('reads pages back to back while the connector says hasMore, resuming from each cursor', async () => {
    const connector = fakeConnector([
      { events: [event(1)], nextCursor: 1, hasMore: true },
      { events: [], nextCursor: 2, hasMore: false },
    ]);
    const publisher = new ManualPublisher();
    const { runner } = runnerFor(connector, publisher);
    const done = runner.pollNow();
    await tick();
    publisher.sent[0].resolve();
    expect(await done).toMatchObject({ published: 1, pages: 2 });
    expect(connector.calls).toEqual([undefined, 1]);
  });

  it('runs one poll at a time', async () => {
    const connector = fakeConnector([{ events: [event(1)], nextCursor: 1 }]);
    const publisher = new ManualPublisher();
    const { runner } = runnerFor(connector, publisher);
    const first = runner.pollNow();
    expect(await runner.pollNow()).toEqual({ status: 'busy' });
    await tick();
    publisher.sent[0].resolve();
    await first;
    expect(connector.calls).toHaveLength(1);
  });

  it('pauses while the broker cannot confirm and while the breaker is open', async () => {
    const connector = fakeConnector([]);
    const publisher = new ManualPublisher();
    const { runner } = runnerFor(connector, publisher);
    publisher.ready = false;
    expect(await runner.pollNow()).toEqual({ status: 'paused_broker' });
    publisher.ready = true;
    connector.breaker = 'open';
    expect(await runner.pollNow()).toEqual({ status: 'paused_breaker' });
    expect(runner.status.paused).toBe('breaker');
    expect(connector.calls).toEqual([]);
  });

  describe('a record the connector sets aside', () => {
    const poison = { sys_id: 'PLACEHOLDER', short_description: 'imported by hand' };
    const page: PollResult<number> = {
      events: [event(1), event(2)],
      rejected: [
        {
          objectType: 'incident',
          record: poison,
          pointer: '/result/1',
          issues: [{ pointer: '/sys_id', rule: 'pattern', message: 'must be a 32-hex sys_id' }],
        },
      ],
      nextCursor: 3,
    };

    it('is dead-lettered alone with the raw record and its reason; the rest is published and the cursor moves on', async () => {
      const connector = fakeConnector([structuredClone(page)]);
      const publisher = new RecordingPublisher();
      const store = new MemoryCursorStore();
      const runner = new PollRunner({
        connector: connector as PollingConnector,
        store,
        publisher,
        publishEvent: publishTo(publisher, 'p.ingress'),
        deadLetterExchange: 'p.dlx',
        publishOptions: (meta) => ({
          messageId: meta.eventId,
          headers: { 'x-exhub-object-type': meta.objectType },
        }),
      });
      expect(await runner.pollNow()).toEqual({
        status: 'polled',
        published: 2,
        pages: 1,
        rejected: 1,
      });
      expect(publisher.sent.map((s) => [s.exchange, s.body])).toEqual([
        ['p.ingress', { n: 1 }],
        ['p.ingress', { n: 2 }],
        ['p.dlx', poison],
      ]);
      expect(publisher.sent[2].headers).toMatchObject({
        'x-exhub-object-type': 'incident',
        'x-exhub-error-class': 'INVALID_PAYLOAD',
        'x-exhub-error-stage': 'parse',
        'x-exhub-error-message': expect.stringContaining(
          'connector fake set aside the record at /result/1: /sys_id must be a 32-hex sys_id',
        ),
      });
      expect(await store.get('fake')).toBe(3);
      expect(runner.status).toMatchObject({ published: 2, rejected: 1 });
    });

    it('is dead-lettered once when the connector reads it again unchanged', async () => {
      const connector = fakeConnector([structuredClone(page), structuredClone(page)]);
      const publisher = new RecordingPublisher();
      const runner = new PollRunner({
        connector: connector as PollingConnector,
        store: new MemoryCursorStore(),
        publisher,
        publishEvent: publishTo(publisher, 'p.ingress'),
        deadLetterExchange: 'p.dlx',
        publishOptions: (meta) => ({ messageId: meta.eventId }),
      });
      await runner.pollNow();
      await runner.pollNow();
      expect(publisher.sent.filter((s) => s.exchange === 'p.dlx')).toHaveLength(1);
      expect(publisher.sent.filter((s) => s.exchange === 'p.ingress')).toHaveLength(4);
    });

    it('is reported through onError, and counted, when there is no dead-letter exchange', async () => {
      const connector = fakeConnector([structuredClone(page)]);
      const publisher = new RecordingPublisher();
      const errors: string[] = [];
      const runner = new PollRunner({
        connector: connector as PollingConnector,
        store: new MemoryCursorStore(),
        publisher,
        publishEvent: publishTo(publisher, 'p.ingress'),
        publishOptions: (meta) => ({ messageId: meta.eventId }),
        onError: (e) => errors.push(e.message),
      });
      await runner.pollNow();
      expect(publisher.sent).toHaveLength(2);
      expect(errors).toEqual([expect.stringContaining('/result/1: /sys_id must be a 32-hex')]);
      expect(runner.status.rejected).toBe(1);
    });
  });

  describe('a page the connector refuses as INVALID_PAYLOAD', () => {
    const malformed = () =>
      new InvalidPayloadError('ingress', 'the answer is not an OData feed', [
        { pointer: '/d/results', rule: 'type', message: 'must be an array' },
      ]);

    function refusingRunner(publisher: RecordingPublisher, store = new MemoryCursorStore()) {
      let fail = true;
      const calls: unknown[] = [];
      const connector: PollingConnector<number> = {
        id: 'erp',
        system: 'erp',
        kind: 'poll',
        checkConnection: async () => ({ ok: true, detail: 'ok' }),
        poll: async (cursor) => {
          calls.push(cursor);
          if (fail) throw malformed();
          return { events: [event(9)], nextCursor: 9 };
        },
      };
      const runner = new PollRunner({
        connector: connector as PollingConnector,
        store,
        publisher,
        publishEvent: (e) =>
          publisher.publish('p.ingress', '', Buffer.from(JSON.stringify(e.payload)), {
            headers: { 'x-exhub-connector': connector.id, 'x-exhub-object-type': e.objectType },
          }),
        deadLetterExchange: 'p.dlx',
        publishOptions: (meta) => ({
          messageId: meta.eventId,
          headers: {
            'x-exhub-connector': meta.connectorId,
            'x-exhub-object-type': meta.objectType,
          },
        }),
      });
      return { runner, calls, store, heal: () => (fail = false) };
    }

    it('is recorded in the DLQ once, with its reason and issues, and the cursor stays', async () => {
      const publisher = new RecordingPublisher();
      const store = new MemoryCursorStore();
      await store.put('erp', 4);
      const { runner } = refusingRunner(publisher, store);
      await expect(runner.pollNow()).rejects.toThrow('the answer is not an OData feed');
      await expect(runner.pollNow()).rejects.toThrow('the answer is not an OData feed');

      expect(publisher.sent).toHaveLength(1); // the same refusal at the same cursor: once
      const [dead] = publisher.sent;
      expect(dead.exchange).toBe('p.dlx');
      expect(dead.headers).toMatchObject({
        'x-exhub-connector': 'erp',
        'x-exhub-object-type': REFUSED_PAGE_OBJECT_TYPE,
        'x-exhub-error-class': 'INVALID_PAYLOAD',
        'x-exhub-error-stage': 'ingress',
        'x-exhub-error-message':
          'poll of connector erp refused a page: the answer is not an OData feed',
      });
      expect(dead.body).toEqual({
        connector: 'erp',
        system: 'erp',
        cursor: 4,
        stage: 'ingress',
        errorClass: 'INVALID_PAYLOAD',
        message: 'the answer is not an OData feed',
        issues: [{ pointer: '/d/results', rule: 'type', message: 'must be an array' }],
      });
      expect(await store.get('erp')).toBe(4);
      expect(runner.status.lastError?.errorClass).toBe('INVALID_PAYLOAD');
    });

    it('resumes from the same cursor once the source answers well', async () => {
      const publisher = new RecordingPublisher();
      const { runner, calls, heal } = refusingRunner(publisher);
      await expect(runner.pollNow()).rejects.toThrow();
      heal();
      await expect(runner.pollNow()).resolves.toEqual({
        status: 'polled',
        published: 1,
        pages: 1,
        rejected: 0,
      });
      expect(calls).toEqual([undefined, undefined]);
      expect(publisher.sent.map((s) => s.exchange)).toEqual(['p.dlx', 'p.ingress']);
      expect(runner.status.lastError).toBeUndefined();
    });

    it('is not recorded when no dead-letter exchange is configured (the error still surfaces)', async () => {
      const connector = fakeConnector([]);
      connector.poll = async () => {
        throw malformed();
      };
      const publisher = new ManualPublisher();
      const { runner } = runnerFor(connector, publisher);
      await expect(runner.pollNow()).rejects.toThrow('the answer is not an OData feed');
      expect(publisher.sent).toHaveLength(0);
    });
  });
});
