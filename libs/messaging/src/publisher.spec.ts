import { EventEmitter } from 'node:events';
import type { ConfirmChannel, Options } from 'amqplib';
import { ConfirmPublisher, PublishError } from './publisher';

interface Sent {
  exchange: string;
  routingKey: string;
  options: Options.Publish;
  confirm: (error: Error | null) => void;
  settled: boolean;
}

/** In-memory stand-in for amqplib's ConfirmChannel: the test plays the broker. */
class FakeChannel extends EventEmitter {
  readonly sent: Sent[] = [];
  writable = true;
  closed = false;

  publish(
    exchange: string,
    routingKey: string,
    _content: Buffer,
    options: Options.Publish,
    cb: (error: Error | null) => void,
  ): boolean {
    if (this.closed) {
      throw Object.assign(new Error('Channel closed'), { name: 'IllegalOperationError' });
    }
    const entry: Sent = { exchange, routingKey, options, settled: false, confirm: () => undefined };
    entry.confirm = (error) => {
      if (entry.settled) return;
      entry.settled = true;
      cb(error);
    };
    this.sent.push(entry);
    return this.writable;
  }

  ack(index: number): void {
    this.sent[index].confirm(null);
  }

  unconfirmed(): Sent[] {
    return this.sent.filter((s) => !s.settled);
  }

  /** Server- or client-side close: amqplib fails every unconfirmed callback, then emits close. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.unconfirmed()) s.confirm(new Error('channel closed'));
    this.emit('close');
  }
}

function setup(options: { maxInFlight?: number; confirmTimeoutMs?: number } = {}) {
  const channel = new FakeChannel();
  const connection = new EventEmitter();
  const publisher = new ConfirmPublisher(
    channel as unknown as ConfirmChannel,
    { confirmTimeoutMs: 1_000, ...options },
    connection,
  );
  return { channel, connection, publisher };
}

const body = Buffer.from('{}');
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function reason(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PublishError);
  expect((error as PublishError).errorClass).toBe('TRANSIENT');
  expect((error as PublishError).stage).toBe('publish');
  return (error as PublishError).reason;
}

describe('ConfirmPublisher', () => {
  it('resolves only when the broker confirms', async () => {
    const { channel, publisher } = setup();
    let done = false;
    const p = publisher.publish('x', 'k', body).then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    expect(publisher.inFlight).toBe(1);
    channel.ack(0);
    await p;
    expect(done).toBe(true);
    expect(publisher.inFlight).toBe(0);
  });

  it('keeps at most maxInFlight unconfirmed; the rest wait in order', async () => {
    const { channel, publisher } = setup({ maxInFlight: 2 });
    const all = Array.from({ length: 5 }, (_, i) => publisher.publish('x', `k${i}`, body));
    await tick();
    expect(channel.sent.map((s) => s.routingKey)).toEqual(['k0', 'k1']);
    expect(publisher.inFlight).toBe(2);
    channel.ack(1);
    await tick();
    expect(channel.sent.map((s) => s.routingKey)).toEqual(['k0', 'k1', 'k2']);
    let peak = 0;
    while (channel.unconfirmed().length > 0) {
      peak = Math.max(peak, publisher.inFlight);
      channel.unconfirmed()[0].confirm(null);
      await tick();
    }
    await Promise.all(all);
    expect(peak).toBeLessThanOrEqual(2);
    expect(channel.sent).toHaveLength(5);
  });

  it('stops writing while the socket drains', async () => {
    const { channel, publisher } = setup();
    channel.writable = false;
    const first = publisher.publish('x', 'a', body);
    const second = publisher.publish('x', 'b', body);
    await tick();
    expect(channel.sent).toHaveLength(1);
    channel.writable = true;
    channel.emit('drain');
    await tick();
    expect(channel.sent).toHaveLength(2);
    channel.ack(0);
    channel.ack(1);
    await Promise.all([first, second]);
  });

  it('rejects a nack', async () => {
    const { channel, publisher } = setup();
    const p = publisher.publish('x', 'k', body);
    await tick();
    channel.sent[0].confirm(new Error('message nacked'));
    expect(await reason(p)).toBe('nacked');
  });

  it('rejects a mandatory message the broker returned as unroutable', async () => {
    const { channel, publisher } = setup();
    const p = publisher.publish('', 'q.gone', body, { mandatory: true, messageId: 'm1' });
    const other = publisher.publish('', 'q.ok', body, { mandatory: true, messageId: 'm2' });
    await tick();
    channel.emit('return', {
      fields: { replyCode: 312, replyText: 'NO_ROUTE', exchange: '', routingKey: 'q.gone' },
      properties: { messageId: 'm1' },
      content: body,
    });
    channel.ack(0);
    channel.ack(1);
    await expect(p).rejects.toThrow('queue q.gone routed the message to no queue (312 NO_ROUTE)');
    await expect(other).resolves.toBeUndefined();
  });

  it('times out, but holds the window slot until the broker answers', async () => {
    const { channel, publisher } = setup({ maxInFlight: 1, confirmTimeoutMs: 30 });
    const p = publisher.publish('x', 'k', body);
    expect(await reason(p)).toBe('timeout');
    expect(publisher.inFlight).toBe(1);
    const waiting = publisher.publish('x', 'k2', body);
    expect(await reason(waiting)).toBe('timeout');
    expect(channel.sent).toHaveLength(1);
    channel.ack(0);
    expect(publisher.inFlight).toBe(0);
  });

  it('fails fast, in-flight publishes too, and is not ready while the connection is blocked', async () => {
    const { channel, connection, publisher } = setup({ maxInFlight: 1 });
    const inFlight = publisher.publish('x', 'a', body);
    const queued = publisher.publish('x', 'b', body);
    await tick();
    connection.emit('blocked', 'low on memory');
    expect(publisher.ready).toBe(false);
    expect(publisher.notReadyReason).toBe('the broker has blocked the connection (low on memory)');
    expect(await reason(queued)).toBe('not-ready');
    // A blocked broker reads nothing more: the one already sent is not left to time out.
    expect(await reason(inFlight)).toBe('not-ready');
    expect(publisher.inFlight).toBe(0);
    const started = Date.now();
    expect(await reason(publisher.publish('x', 'c', body))).toBe('not-ready');
    expect(Date.now() - started).toBeLessThan(50);
    connection.emit('unblocked');
    expect(publisher.ready).toBe(true);
    // The late confirm of the failed publish changes nothing; a new publish goes through.
    channel.ack(0);
    const after = publisher.publish('x', 'd', body);
    await tick();
    channel.ack(1);
    await expect(after).resolves.toBeUndefined();
  });

  it('rejects in-flight and later publishes when the channel closes', async () => {
    const { channel, publisher } = setup();
    const p = publisher.publish('x', 'k', body);
    await tick();
    channel.emit('error', new Error('PRECONDITION_FAILED - no exchange'));
    await channel.close();
    expect(await reason(p)).toBe('channel-closed');
    expect(publisher.ready).toBe(false);
    expect(publisher.notReadyReason).toContain('PRECONDITION_FAILED');
    expect(await reason(publisher.publish('x', 'k', body))).toBe('not-ready');
  });

  it('close() waits for confirms, then closes the channel and refuses new publishes', async () => {
    const { channel, publisher } = setup();
    const p = publisher.publish('x', 'k', body);
    await tick();
    const closing = publisher.close();
    expect(publisher.ready).toBe(false);
    await tick();
    expect(channel.closed).toBe(false);
    channel.ack(0);
    await closing;
    await p;
    expect(channel.closed).toBe(true);
    expect(await reason(publisher.publish('x', 'k', body))).toBe('not-ready');
  });

  it('flush() resolves once everything accepted so far has settled, even failures', async () => {
    const { channel, publisher } = setup();
    const ok = publisher.publish('x', 'a', body);
    const bad = publisher.publish('x', 'b', body).catch((e: unknown) => e);
    await tick();
    let flushed = false;
    const flushing = publisher.flush().then(() => (flushed = true));
    channel.ack(0);
    await tick();
    expect(flushed).toBe(false);
    channel.sent[1].confirm(new Error('message nacked'));
    await flushing;
    await ok;
    expect(await bad).toBeInstanceOf(PublishError);
  });

  it('refuses a nonsensical window', () => {
    expect(() => setup({ maxInFlight: 0 })).toThrow(/maxInFlight = 0/);
  });
});
