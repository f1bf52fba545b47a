/**
 * A pull interface over a push consumer, for the operations tools that read a queue or stream
 * step by step (replay, DLQ scans): deliveries wait in a buffer bounded by the channel prefetch,
 * `next()` hands them out one at a time and says when nothing came for a while. Nothing is acked
 * here; the caller acks what it has finished with, and `close()` returns the rest to the queue.
 */
import type { Channel, ChannelModel, ConsumeMessage, Options } from 'amqplib';

export type NextDelivery =
  | { kind: 'message'; msg: ConsumeMessage }
  | { kind: 'idle' }
  | { kind: 'cancelled'; reason: string };

export interface Deliveries {
  readonly channel: Channel;
  /** The next delivery, `idle` after `idleMs` without one, `cancelled` if the consumer ended. */
  next(idleMs: number, signal?: AbortSignal): Promise<NextDelivery>;
  ack(msg: ConsumeMessage): void;
  /** Cancel the consumer and close the channel: the broker takes back every unacked delivery. */
  close(): Promise<void>;
}

export async function openDeliveries(
  model: Pick<ChannelModel, 'createChannel'>,
  queue: string,
  options: { prefetch: number; consume?: Options.Consume },
): Promise<Deliveries> {
  const channel = await model.createChannel();
  const buffer: ConsumeMessage[] = [];
  let wake: (() => void) | undefined;
  let ended: string | undefined;
  channel.on('error', (error: Error) => {
    ended ??= `channel error: ${error.message}`;
    wake?.();
  });
  channel.on('close', () => {
    ended ??= 'the channel closed';
    wake?.();
  });
  await channel.prefetch(options.prefetch);
  const { consumerTag } = await channel.consume(
    queue,
    (msg) => {
      if (msg === null) ended ??= `the broker cancelled the consumer on ${queue} (queue deleted?)`;
      else buffer.push(msg);
      wake?.();
    },
    { ...options.consume, noAck: false },
  );
  let closed = false;

  return {
    channel,
    async next(idleMs, signal) {
      for (;;) {
        const msg = buffer.shift();
        if (msg) return { kind: 'message', msg };
        if (ended !== undefined) return { kind: 'cancelled', reason: ended };
        if (signal?.aborted) return { kind: 'cancelled', reason: 'aborted' };
        const woken = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => finish(false), idleMs);
          const onAbort = (): void => finish(true);
          function finish(value: boolean): void {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            wake = undefined;
            resolve(value);
          }
          wake = () => finish(true);
          signal?.addEventListener('abort', onAbort, { once: true });
        });
        if (!woken) return { kind: 'idle' };
      }
    },
    ack(msg) {
      channel.ack(msg);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (ended === undefined) await channel.cancel(consumerTag).catch(() => undefined);
      await channel.close().catch(() => undefined);
    },
  };
}
