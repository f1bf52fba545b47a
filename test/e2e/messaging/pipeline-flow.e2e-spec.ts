import { randomBytes, randomUUID } from 'node:crypto';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type { SourceEventMeta } from '@exhub/core';
import {
  ConfirmPublisher,
  HEADER,
  type HandlerOutcome,
  sourceEventMetaFrom,
  sourceEventPublishOptions,
  startConsumer,
  type Topology,
} from '@exhub/messaging';
import { collect, connect, isolatedTopology, sleep, waitFor } from './broker';

/** Bytes that are not valid UTF-8, so any re-encoding of the body would show. */
function binaryPayload(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3]), randomBytes(64)]);
}

function meta(): SourceEventMeta {
  return {
    eventId: randomUUID(),
    correlationId: randomUUID(),
    connectorId: 'stripe',
    system: 'stripe',
    objectType: 'event',
    sourceEventId: `evt_${randomBytes(6).toString('hex')}`,
    receivedAt: new Date().toISOString(),
    contentType: 'application/octet-stream',
  };
}

describe('ingress → work → retry / DLQ on a real broker', () => {
  let model: ChannelModel;
  let publisher: ConfirmPublisher;
  let topology: Topology;
  let cleanup: () => Promise<void>;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    model = await connect('pipeline flow');
  });

  beforeEach(async () => {
    ({ topology, cleanup } = await isolatedTopology(model, {
      retryDelaysMs: [200, 400],
      workDeliveryLimit: 2,
    }));
    publisher = await ConfirmPublisher.create(model);
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await publisher.close();
    await cleanup();
  });

  afterAll(async () => {
    await model.close();
  });

  async function ingest(body: Buffer, m: SourceEventMeta): Promise<void> {
    await publisher.publish(topology.names.ingress, '', body, sourceEventPublishOptions(m));
  }

  async function consume(
    handler: (msg: ConsumeMessage) => Promise<HandlerOutcome>,
    extra: { maxAttempts?: number; requeueDelayMs?: number; publisher?: ConfirmPublisher } = {},
  ) {
    const consumer = await startConsumer(model, {
      queue: topology.names.work,
      prefetch: 8,
      handler,
      publisher: extra.publisher ?? publisher,
      topology,
      maxAttempts: extra.maxAttempts ?? 3,
      requeueDelayMs: extra.requeueDelayMs ?? 10,
      onError: () => undefined,
    });
    stops.push(() => consumer.cancel());
    return consumer;
  }

  /** Messages on work once an unacked delivery would be back there (after a consumer stopped). */
  async function workLeftAfterSettling(): Promise<number> {
    await sleep(100);
    const check = await model.createChannel();
    const work = await check.checkQueue(topology.names.work);
    await check.close();
    return work.messageCount;
  }

  async function dlq() {
    const c = await collect(model, topology.names.dlq);
    stops.push(c.stop);
    return c.messages;
  }

  it('a confirmed ingress publish lands in the archive stream and on work; the consumer acks it', async () => {
    const body = binaryPayload();
    const m = meta();
    await ingest(body, m);

    const archive = await collect(model, topology.names.archive, { from: 'first' });
    stops.push(archive.stop);
    const archived = await waitFor('the archived event', () => archive.messages[0]);
    expect(archived.content.equals(body)).toBe(true);
    expect(sourceEventMetaFrom(archived)).toEqual(m);

    const seen: ConsumeMessage[] = [];
    const consumer = await consume(async (msg) => {
      seen.push(msg);
      return { kind: 'ack' };
    });
    const delivered = await waitFor('the work delivery', () => seen[0]);
    expect(delivered.content.equals(body)).toBe(true);
    expect(sourceEventMetaFrom(delivered)).toEqual(m);

    await consumer.cancel();
    expect(await workLeftAfterSettling()).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('micro-batches what is ready together; a poison message dead-letters alone, a failed one retries alone', async () => {
    const dead = await dlq();
    const bodies = ['ok-1', 'poison', 'ok-2', 'flaky', 'ok-3', 'ok-4'];
    for (const b of bodies) await ingest(Buffer.from(b), meta());
    const batches: string[][] = [];
    const acked: string[] = [];
    let flakyAttempts = 0;
    const consumer = await startConsumer(model, {
      queue: topology.names.work,
      prefetch: 8,
      handler: async () => {
        throw new Error('the single handler is not used when batching');
      },
      batchMax: 8,
      batchHandler: (msgs) => {
        batches.push(msgs.map((m) => m.content.toString()));
        return msgs.map(async (msg): Promise<HandlerOutcome> => {
          const body = msg.content.toString();
          if (body === 'poison') {
            return {
              kind: 'dead-letter',
              errorClass: 'INVALID_PAYLOAD',
              stage: 'parse',
              message: 'poison',
            };
          }
          if (body === 'flaky' && ++flakyAttempts === 1) {
            return { kind: 'retry', errorClass: 'TRANSIENT', stage: 'publish', message: 'nacked' };
          }
          acked.push(body);
          return { kind: 'ack' };
        });
      },
      publisher,
      topology,
      maxAttempts: 3,
      onError: () => undefined,
    });
    stops.push(() => consumer.cancel());
    await waitFor('every delivery handled', () => (acked.length === 5 ? true : undefined));
    const deadLetter = await waitFor('the dead letter', () => dead[0]);
    expect(deadLetter.content.toString()).toBe('poison');
    expect(acked.sort()).toEqual(['flaky', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
    // The six were queued before the consumer started: they came in batches, not one by one.
    // (Not necessarily the first: the broker's first delivery can reach us alone, in a socket
    // read of its own, and a batch never waits for more.)
    expect(Math.max(...batches.map((b) => b.length))).toBeGreaterThan(1);
    expect(batches.flat().filter((b) => b === 'flaky')).toHaveLength(2);
    await consumer.cancel();
    expect(await workLeftAfterSettling()).toBe(0);
    expect(dead).toHaveLength(1);
  });

  it('on several channels, holds prefetch × channels deliveries for one batch, and acks each on its own channel', async () => {
    const total = 40;
    for (let i = 0; i < total; i++) await ingest(Buffer.from(`event-${i}`), meta());
    const batches: number[] = [];
    const handled: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const consumer = await startConsumer(model, {
      queue: topology.names.work,
      prefetch: 4,
      channels: 3,
      handler: async () => {
        throw new Error('the single handler is not used when batching');
      },
      batchMax: 12,
      batchHandler: (msgs) => {
        batches.push(msgs.length);
        return msgs.map(async (msg): Promise<HandlerOutcome> => {
          // The first deliveries wait until twelve are in hand: more than one channel's prefetch.
          await released;
          handled.push(msg.content.toString());
          return { kind: 'ack' };
        });
      },
      publisher,
      topology,
      onError: () => undefined,
    });
    stops.push(() => consumer.cancel());
    await waitFor('twelve deliveries in hand on three channels of four', () =>
      consumer.inFlight === 12 ? true : undefined,
    );
    await sleep(100);
    // Each channel holds no more than its own prefetch: the broker gives no thirteenth.
    expect(consumer.inFlight).toBe(12);
    release();
    await waitFor('every delivery handled', () => (handled.length === total ? true : undefined));
    expect(new Set(handled).size).toBe(total);
    expect(Math.max(...batches)).toBeGreaterThan(4);
    await consumer.cancel();
    expect(await workLeftAfterSettling()).toBe(0);
    expect(handled).toHaveLength(total);
  });

  it('dead-letter: the DLQ holds the byte-identical body, original properties and all five error headers', async () => {
    const dead = await dlq();
    await consume(async () => ({
      kind: 'dead-letter',
      errorClass: 'MAPPING',
      stage: 'map',
      message: 'no mapping for stripe/event',
    }));
    const body = binaryPayload();
    const m = meta();
    await ingest(body, m);

    const msg = await waitFor('the dead letter', () => dead[0]);
    expect(msg.content.equals(body)).toBe(true);
    expect(sourceEventMetaFrom(msg)).toEqual(m);
    const headers = msg.properties.headers ?? {};
    expect(headers[HEADER.errorStage]).toBe('map');
    expect(headers[HEADER.errorClass]).toBe('MAPPING');
    expect(headers[HEADER.errorMessage]).toBe('no mapping for stripe/event');
    expect(headers[HEADER.attempts]).toBe(1);
    expect(Date.parse(headers[HEADER.firstFailedAt])).not.toBeNaN();
    expect(msg.properties.deliveryMode).toBe(2);
  });

  it('retry: the message waits in the first tier, comes back to work and succeeds on attempt 2', async () => {
    const attempts: { at: number; headers: Record<string, unknown> }[] = [];
    await consume(async (msg) => {
      attempts.push({ at: Date.now(), headers: { ...msg.properties.headers } });
      return attempts.length === 1
        ? { kind: 'retry', errorClass: 'TRANSIENT', stage: 'enrich', message: 'fx rates down' }
        : { kind: 'ack' };
    });
    const body = binaryPayload();
    await ingest(body, meta());

    await waitFor('the second attempt', () => attempts.length >= 2);
    await sleep(600); // nothing further may arrive: it was acked
    expect(attempts).toHaveLength(2);
    const waited = attempts[1].at - attempts[0].at;
    expect(waited).toBeGreaterThanOrEqual(150); // tier 200 ms, jitter shaves at most 20 %
    expect(attempts[1].headers[HEADER.attempts]).toBe(1);
    expect(attempts[1].headers[HEADER.errorClass]).toBe('TRANSIENT');
    expect(attempts[1].headers[HEADER.firstFailedAt]).toEqual(expect.any(String));
  });

  it('retry past maxAttempts goes to the DLQ with "gave up after"', async () => {
    const dead = await dlq();
    let calls = 0;
    await consume(
      async () => {
        calls += 1;
        return { kind: 'retry', errorClass: 'TRANSIENT', stage: 'enrich', message: 'still down' };
      },
      { maxAttempts: 3 },
    );
    const body = binaryPayload();
    await ingest(body, meta());

    const msg = await waitFor('the dead letter', () => dead[0]);
    expect(calls).toBe(3);
    expect(msg.content.equals(body)).toBe(true);
    const headers = msg.properties.headers ?? {};
    expect(headers[HEADER.errorMessage]).toBe('gave up after 3 attempts: still down');
    expect(headers[HEADER.attempts]).toBe(3);
    expect(headers[HEADER.errorStage]).toBe('enrich');
    expect(headers[HEADER.errorClass]).toBe('TRANSIENT');
  });

  it('a handler that throws is retried (TRANSIENT), then handled', async () => {
    let calls = 0;
    const seen: Record<string, unknown>[] = [];
    await consume(async (msg) => {
      calls += 1;
      seen.push({ ...msg.properties.headers });
      if (calls === 1) throw new TypeError('cannot read properties of undefined');
      return { kind: 'ack' };
    });
    await ingest(binaryPayload(), meta());
    await waitFor('the retried delivery', () => calls >= 2);
    expect(seen[1][HEADER.errorClass]).toBe('TRANSIENT');
    expect(seen[1][HEADER.errorMessage]).toBe(
      'unexpected TypeError: cannot read properties of undefined',
    );
  });

  it('when the DLQ publish cannot be confirmed the delivery is requeued, and the delivery limit still gets it to the DLQ', async () => {
    const dead = await dlq();
    const broken = await ConfirmPublisher.create(model);
    await broken.close(); // every publish through it fails fast
    let calls = 0;
    await consume(
      async () => {
        calls += 1;
        return {
          kind: 'dead-letter',
          errorClass: 'INVALID_PAYLOAD',
          stage: 'validate',
          message: 'bad',
        };
      },
      { publisher: broken },
    );
    const body = binaryPayload();
    await ingest(body, meta());

    const msg = await waitFor('the broker dead-lettering it', () => dead[0]);
    expect(msg.content.equals(body)).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(2); // delivered, requeued, redelivered … never lost
    expect(msg.properties.headers?.['x-death']).toEqual(
      expect.arrayContaining([expect.objectContaining({ queue: topology.names.work })]),
    );
  });

  it('cancel() waits for in-flight handlers and acks them before closing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const consumer = await consume(async () => {
      started += 1;
      await gate;
      return { kind: 'ack' };
    });
    await ingest(binaryPayload(), meta());
    await waitFor('the handler to start', () => started === 1);
    expect(consumer.inFlight).toBe(1);

    let cancelled = false;
    const cancelling = consumer.cancel().then(() => (cancelled = true));
    await sleep(100);
    expect(cancelled).toBe(false);
    release();
    await cancelling;
    expect(consumer.inFlight).toBe(0);
    expect(consumer.active).toBe(false);

    expect(await workLeftAfterSettling()).toBe(0); // acked, not requeued
  });
});
