/**
 * The consumer's micro-batching (batchHandler / batchMax): what arrived together goes to one
 * batch, and each delivery is settled on its own as soon as its own outcome is known. The channel
 * is a stand-in that records acks and nacks; the broker path is in
 * test/e2e/messaging/pipeline-flow.e2e-spec.ts.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { startConsumer, type HandlerOutcome } from './index';
import { buildTopology } from './topology';

interface FakeChannel {
  deliver(msg: ConsumeMessage): void;
  acked: number[];
  requeued: number[];
}

function fakeModel(): { model: { createChannel(): Promise<Channel> }; channel: FakeChannel } {
  let onMessage: ((msg: ConsumeMessage | null) => void) | undefined;
  const acked: number[] = [];
  const requeued: number[] = [];
  const channel = {
    on: () => channel,
    prefetch: async () => undefined,
    consume: async (_queue: string, fn: (msg: ConsumeMessage | null) => void) => {
      onMessage = fn;
      return { consumerTag: 'ctag' };
    },
    ack: (msg: ConsumeMessage) => acked.push(msg.fields.deliveryTag),
    nack: (msg: ConsumeMessage) => requeued.push(msg.fields.deliveryTag),
    cancel: async () => undefined,
    close: async () => undefined,
  };
  return {
    model: { createChannel: async () => channel as unknown as Channel },
    channel: { deliver: (msg) => onMessage?.(msg), acked, requeued },
  };
}

const message = (tag: number): ConsumeMessage =>
  ({
    content: Buffer.from(`m${tag}`),
    fields: { deliveryTag: tag, redelivered: false, exchange: '', routingKey: 'q' },
    properties: { headers: {}, messageId: `m${tag}` },
  }) as unknown as ConsumeMessage;

const tick = () => new Promise((r) => setImmediate(r));

describe('startConsumer with a batch handler', () => {
  const topology = buildTopology({ prefix: 'batchtest' });

  function deferred() {
    let resolve!: (o: HandlerOutcome) => void;
    const promise = new Promise<HandlerOutcome>((r) => (resolve = r));
    return { promise, resolve };
  }

  it('hands what arrived together to one batch, up to batchMax, and acks each on its own', async () => {
    const { model, channel } = fakeModel();
    const batches: number[][] = [];
    const pending = new Map<number, ReturnType<typeof deferred>>();
    const published: string[] = [];
    const consumer = await startConsumer(model, {
      queue: 'q',
      topology,
      publisher: { publish: async (_x, key) => void published.push(key) },
      handler: async () => {
        throw new Error('the single handler is not used when batching');
      },
      batchMax: 3,
      batchHandler: (msgs) => {
        batches.push(msgs.map((m) => m.fields.deliveryTag));
        return msgs.map((m) => {
          const d = deferred();
          pending.set(m.fields.deliveryTag, d);
          return d.promise;
        });
      },
    });
    for (const tag of [1, 2, 3, 4, 5]) channel.deliver(message(tag));
    // A full batch goes at once; the rest after this turn of the event loop, without waiting.
    expect(batches).toEqual([[1, 2, 3]]);
    await tick();
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(consumer.inFlight).toBe(5);

    // Each delivery settles when its own outcome is known, not when its batch is done.
    pending.get(2)!.resolve({ kind: 'ack' });
    await tick();
    expect(channel.acked).toEqual([2]);
    pending.get(5)!.resolve({
      kind: 'dead-letter',
      errorClass: 'INVALID_PAYLOAD',
      stage: 'parse',
      message: 'poison',
    });
    await tick();
    await tick();
    // Dead-lettered (published to the DLX with a confirm), then acked: it alone.
    expect(published).toHaveLength(1);
    expect(channel.acked).toEqual([2, 5]);
    for (const tag of [1, 3, 4]) pending.get(tag)!.resolve({ kind: 'ack' });
    await consumer.cancel();
    expect(channel.acked.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(channel.requeued).toEqual([]);
  });

  it('turns a batch handler that throws into one outcome per delivery (retried, never dropped)', async () => {
    const { model, channel } = fakeModel();
    const published: string[] = [];
    const consumer = await startConsumer(model, {
      queue: 'q',
      topology,
      publisher: { publish: async (_x, key) => void published.push(key) },
      handler: async () => ({ kind: 'ack' }),
      batchMax: 8,
      batchHandler: () => {
        throw new Error('boom');
      },
    });
    channel.deliver(message(1));
    channel.deliver(message(2));
    await tick();
    await consumer.cancel();
    // Each failed delivery went to the retry path with a confirm and was then acked.
    expect(published).toHaveLength(2);
    expect(channel.acked.sort()).toEqual([1, 2]);
  });

  it('leaves a delivery that arrives after cancel() unprocessed and unacked, for the broker to requeue', async () => {
    const { model, channel } = fakeModel();
    const handled: number[] = [];
    const reports: string[] = [];
    const consumer = await startConsumer(model, {
      queue: 'q',
      topology,
      publisher: { publish: async () => undefined },
      handler: async () => ({ kind: 'ack' }),
      batchMax: 4,
      batchHandler: (msgs) =>
        msgs.map(async (m) => {
          handled.push(m.fields.deliveryTag);
          return { kind: 'ack' } as HandlerOutcome;
        }),
      onError: (error) => reports.push(error.message),
    });
    channel.deliver(message(1));
    const stopping = consumer.cancel();
    // A quorum queue may still deliver while (or after) the cancel is answered: handled then, its
    // ack could reach the broker after the channel's close and be dropped, and the next hub would
    // process it a second time.
    channel.deliver(message(2));
    await stopping;
    channel.deliver(message(3));
    await tick();
    expect(handled).toEqual([1]);
    expect(channel.acked).toEqual([1]);
    expect(channel.requeued).toEqual([]);
    expect(reports).toEqual([
      '1 deliveries arrived on q after the consumer was cancelled: not processed, requeued by the broker when the channel closed',
    ]);
  });

  it('with batchMax 1 calls the single handler for each delivery', async () => {
    const { model, channel } = fakeModel();
    const seen: number[] = [];
    const consumer = await startConsumer(model, {
      queue: 'q',
      topology,
      publisher: { publish: async () => undefined },
      handler: async (m) => {
        seen.push(m.fields.deliveryTag);
        return { kind: 'ack' };
      },
      batchMax: 1,
      batchHandler: () => {
        throw new Error('not used with batchMax 1');
      },
    });
    channel.deliver(message(1));
    channel.deliver(message(2));
    await consumer.cancel();
    expect(seen).toEqual([1, 2]);
    expect(channel.acked).toEqual([1, 2]);
  });

  describe('yielding to other work (yieldTo)', () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    async function yieldingConsumer(yieldTo: {
      busy: () => boolean;
      maxWaitMs: number;
      onWaited?: (ms: number) => void;
    }) {
      const { model, channel } = fakeModel();
      const batches: number[][] = [];
      const consumer = await startConsumer(model, {
        queue: 'q',
        topology,
        publisher: { publish: async () => undefined },
        handler: async () => ({ kind: 'ack' }),
        batchMax: 8,
        batchHandler: (msgs) => {
          batches.push(msgs.map((m) => m.fields.deliveryTag));
          return msgs.map(async () => ({ kind: 'ack' }) as HandlerOutcome);
        },
        yieldTo: { pollMs: 2, ...yieldTo },
      });
      return { consumer, channel, batches };
    }

    it('holds deliveries, unacknowledged, while busy, and hands them over together once it is not', async () => {
      let busy = true;
      const waited: number[] = [];
      const { consumer, channel, batches } = await yieldingConsumer({
        busy: () => busy,
        maxWaitMs: 60_000,
        onWaited: (ms) => waited.push(ms),
      });
      channel.deliver(message(1));
      channel.deliver(message(2));
      await sleep(30);
      channel.deliver(message(3));
      await sleep(30);
      expect(batches).toEqual([]);
      expect(channel.acked).toEqual([]);
      expect(consumer.inFlight).toBe(3);

      busy = false;
      await sleep(30);
      expect(batches).toEqual([[1, 2, 3]]);
      expect(channel.acked).toEqual([1, 2, 3]);
      expect(waited).toHaveLength(1);
      expect(waited[0]).toBeGreaterThanOrEqual(50);

      // Not busy: the next delivery goes at once, without waiting.
      channel.deliver(message(4));
      await tick();
      expect(batches).toEqual([[1, 2, 3], [4]]);
      expect(waited).toHaveLength(1);
      await consumer.cancel();
    });

    it('never holds a delivery longer than maxWaitMs, however long the other work stays busy', async () => {
      const { consumer, channel, batches } = await yieldingConsumer({
        busy: () => true,
        maxWaitMs: 40,
      });
      const started = Date.now();
      channel.deliver(message(1));
      while (batches.length === 0 && Date.now() - started < 5000) await sleep(5);
      expect(batches).toEqual([[1]]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(35);
      expect(channel.acked).toEqual([1]);
      await consumer.cancel();
    });

    it('on cancel() handles and acks what it held at once (a graceful stop neither waits nor drops)', async () => {
      const { consumer, channel, batches } = await yieldingConsumer({
        busy: () => true,
        maxWaitMs: 60_000,
      });
      channel.deliver(message(1));
      channel.deliver(message(2));
      await sleep(20);
      expect(batches).toEqual([]);
      const started = Date.now();
      await consumer.cancel();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(batches).toEqual([[1, 2]]);
      expect(channel.acked).toEqual([1, 2]);
    });
  });
});
