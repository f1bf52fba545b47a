/**
 * A consumer with manual acks on its own channel and prefetch. Handlers return an outcome and never
 * touch the channel; the error policy (error-policy.ts) turns the outcome into a plan, and this file
 * carries it out: ack, or publish a copy (retry tier / DLX) with a broker confirm and only then ack.
 * If that publish fails the delivery is requeued (after a short pause), never dropped: the work
 * queue's x-delivery-limit bounds the loop by dead-lettering it through the broker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Stage } from '../../connector-sdk/src/errors';
import { DEFAULT_FALLBACK_STAGE, DEFAULT_PREFETCH, DEFAULT_REQUEUE_DELAY_MS } from './constants';
import { type HandlerOutcome, outcomeFor, planFor, type PolicyContext } from './error-policy';
import type { Publisher } from './publisher';
import type { Topology } from './topology';

export type { HandlerOutcome } from './error-policy';
export type MessageHandler = (msg: ConsumeMessage) => Promise<HandlerOutcome>;

export interface ConsumerOptions {
  queue: string;
  handler: MessageHandler;
  /** Confirmed publisher for retry and dead-letter copies. */
  publisher: Publisher;
  topology: Pick<Topology, 'names' | 'retryTiers'>;
  /** Unacked deliveries at once on this consumer's channel. */
  prefetch?: number;
  /** Failed attempts before a retryable failure is dead-lettered. */
  maxAttempts?: number;
  retryJitter?: number;
  /** Stage a thrown non-HubError is attributed to. */
  fallbackStage?: Stage;
  /** Pause before requeueing a delivery whose retry/DLQ publish failed. */
  requeueDelayMs?: number;
  /**
   * Problems the consumer handled but someone should hear about (publish failed, channel lost).
   * Defaults to one line on stderr, so they are never silent.
   */
  onError?: (error: Error, msg?: ConsumeMessage) => void;
}

export interface Consumer {
  readonly queue: string;
  readonly consumerTag: string;
  /** Deliveries being handled or settled right now. */
  readonly inFlight: number;
  /** False once cancelled, or when the broker or connection ended the consumer. */
  readonly active: boolean;
  /** Stop consuming, wait for in-flight deliveries to be settled (acked), close the channel. */
  cancel(): Promise<void>;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function isOutcome(value: unknown): value is HandlerOutcome {
  const kind = (value as { kind?: unknown } | null | undefined)?.kind;
  return kind === 'ack' || kind === 'retry' || kind === 'dead-letter';
}

export async function startConsumer(
  model: Pick<ChannelModel, 'createChannel'>,
  options: ConsumerOptions,
): Promise<Consumer> {
  const { queue, handler, publisher } = options;
  const fallbackStage = options.fallbackStage ?? DEFAULT_FALLBACK_STAGE;
  const requeueDelayMs = options.requeueDelayMs ?? DEFAULT_REQUEUE_DELAY_MS;
  const onError =
    options.onError ??
    ((error: Error) => console.error(`exhub messaging: consumer on ${queue}: ${error.message}`));
  const report = (error: unknown, msg?: ConsumeMessage): void => onError(asError(error), msg);
  const policy: PolicyContext = {
    topology: options.topology,
    maxAttempts: options.maxAttempts,
    retryJitter: options.retryJitter,
  };

  const channel: Channel = await model.createChannel();
  let active = true;
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();

  channel.on('error', (error: Error) =>
    report(new Error(`consumer channel on ${queue}: ${error.message}`)),
  );
  channel.on('close', () => {
    active = false;
  });

  const settle = (action: 'ack' | 'requeue', msg: ConsumeMessage): void => {
    try {
      if (action === 'ack') channel.ack(msg);
      else channel.nack(msg, false, true);
    } catch (error) {
      // The channel is gone; the broker requeues every unacked delivery itself.
      report(
        new Error(
          `could not ${action} delivery ${msg.fields.deliveryTag} on ${queue}: ${asError(error).message}`,
        ),
        msg,
      );
    }
  };

  const handle = async (msg: ConsumeMessage): Promise<void> => {
    let outcome: HandlerOutcome;
    try {
      const returned: unknown = await handler(msg);
      outcome = isOutcome(returned)
        ? returned
        : outcomeFor(new TypeError(`handler for ${queue} returned no outcome`), fallbackStage);
    } catch (error) {
      outcome = outcomeFor(error, fallbackStage);
    }
    const plan = planFor(msg, outcome, policy);
    if (plan.kind === 'ack') {
      settle('ack', msg);
      return;
    }
    try {
      await publisher.publish(plan.exchange, plan.routingKey, msg.content, plan.options);
    } catch (error) {
      report(
        new Error(
          `${plan.action} publish of delivery ${msg.properties.messageId ?? msg.fields.deliveryTag} to ` +
            `${plan.exchange || plan.routingKey} failed, requeueing it: ${asError(error).message}`,
          { cause: error },
        ),
        msg,
      );
      if (!stopping.signal.aborted) {
        await sleep(requeueDelayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
      settle('requeue', msg);
      return;
    }
    settle('ack', msg);
  };

  await channel.prefetch(options.prefetch ?? DEFAULT_PREFETCH);
  const { consumerTag } = await channel.consume(
    queue,
    (msg) => {
      if (msg === null) {
        // The broker cancelled us: the queue was deleted or its leader moved away.
        active = false;
        report(new Error(`the broker cancelled the consumer on ${queue} (queue deleted?)`));
        return;
      }
      const work = handle(msg).catch((error: unknown) => report(error, msg));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    { noAck: false },
  );

  return {
    queue,
    consumerTag,
    get inFlight() {
      return inFlight.size;
    },
    get active() {
      return active;
    },
    async cancel() {
      const wasActive = active;
      active = false;
      if (wasActive) {
        try {
          await channel.cancel(consumerTag);
        } catch (error) {
          report(error);
        }
      }
      // Deliveries already handed to us before cancel-ok are handled too; a requeue pause is cut
      // short so shutdown does not wait on it.
      stopping.abort();
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      try {
        await channel.close();
      } catch {
        // Already closed (connection lost or cancelled twice).
      }
    },
  };
}
