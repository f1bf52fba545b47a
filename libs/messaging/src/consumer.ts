/**
 * A consumer with manual acks on its own channel and prefetch. Handlers return an outcome and never
 * touch the channel; the error policy (error-policy.ts) turns the outcome into a plan, and this file
 * carries it out: ack, or publish a copy (retry tier / DLX) with a broker confirm and only then ack.
 * If that publish fails the delivery is requeued (after a short pause), never dropped: the work
 * queue's x-delivery-limit bounds the loop by dead-lettering it through the broker.
 *
 * With a `batchHandler` (micro-batching, the pipeline worker's group commit) the deliveries that
 * arrived together are handed over as one batch, but each is still settled on its own, by its own
 * outcome, exactly as above.
 *
 * With `channels` > 1 it consumes the queue on that many channels, each with its own prefetch, and
 * feeds one batch queue: a group commit can then take more deliveries than one channel may hold
 * unacked. RabbitMQ holds a channel's quorum-queue settles beyond `quorum_commands_soft_limit` (32)
 * unsent, and closing the channel drops them, so one channel with a larger prefetch would lose its
 * last acks on a graceful stop; several channels of 32 never have more than 32 settles pending each.
 *
 * On a `ManagedConnection` the consumer re-subscribes by itself when its channel or the connection
 * is lost (or the broker cancels it): a new channel once the connection is back, with a growing
 * pause between failed attempts. Deliveries in flight on the dead channel are finished but cannot
 * be acked there; the broker has already requeued them (at-least-once: they come again).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Stage } from '@exhub/core';
import {
  DEFAULT_CHANNEL_REOPEN_DELAY_MS,
  DEFAULT_CHANNEL_REOPEN_MAX_DELAY_MS,
  DEFAULT_FALLBACK_STAGE,
  DEFAULT_PREFETCH,
  DEFAULT_REQUEUE_DELAY_MS,
} from './constants';
import { type HandlerOutcome, outcomeFor, planFor, type PolicyContext } from './error-policy';
import { ManagedConnection } from './managed-connection';
import type { Publisher } from './publisher';
import type { Topology } from './topology';

export type { HandlerOutcome } from './error-policy';
export type MessageHandler = (msg: ConsumeMessage) => Promise<HandlerOutcome>;
/**
 * Handles the deliveries that were ready together (a micro-batch): one outcome per delivery, in
 * the same order, each settled (acked, retried, dead-lettered) as soon as its own promise does.
 */
export type BatchHandler = (msgs: ConsumeMessage[]) => Promise<HandlerOutcome>[];

export interface YieldTo {
  /** True while the other work is busy enough that this consumer should wait. */
  busy(): boolean;
  /** The longest a delivery waits before its batch starts, busy or not. */
  maxWaitMs: number;
  /** How often `busy()` is asked again while deliveries wait. */
  pollMs: number;
  /** Told how long a batch waited, each time one started after waiting (for a metric). */
  onWaited?: (ms: number) => void;
}

export interface ConsumerOptions {
  queue: string;
  handler: MessageHandler;
  /** Confirmed publisher for retry and dead-letter copies. */
  publisher: Publisher;
  topology: Pick<Topology, 'names' | 'retryTiers'>;
  /** Unacked deliveries at once on each of this consumer's channels. */
  prefetch?: number;
  /**
   * Channels consuming the queue (default 1), each with `prefetch`: up to `channels` × `prefetch`
   * deliveries in hand at once, in one batch queue.
   */
  channels?: number;
  /**
   * Micro-batching: with `batchHandler` and `batchMax` > 1, the deliveries that arrive together
   * (within one turn of the event loop, never waiting for more) go to `batchHandler` in batches of
   * up to `batchMax`; otherwise each goes to `handler` on its own.
   */
  batchHandler?: BatchHandler;
  batchMax?: number;
  /**
   * Yields to work that matters more in the same process (the pipeline worker to webhook ingress,
   * EXHUB_INGRESS_FIRST): while `busy()` says so, deliveries that arrived wait, unacknowledged,
   * before their batch starts — never longer than `maxWaitMs` each, so the consumer always makes
   * progress — and the broker sends no more than the prefetch meanwhile. Only with micro-batching.
   */
  yieldTo?: YieldTo;
  /** Failed attempts before a retryable failure is dead-lettered. */
  maxAttempts?: number;
  /** Time since the first failure after which retries stop (default 1 h). */
  maxRetryAgeMs?: number;
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
  /** Told each time the consumer is subscribed again after a loss (ManagedConnection only). */
  onResubscribed?: () => void;
}

export interface Consumer {
  readonly queue: string;
  /** The consumer tag of the first channel (each channel has its own). */
  readonly consumerTag: string;
  /** Deliveries being handled or settled right now. */
  readonly inFlight: number;
  /**
   * False once cancelled, or while the broker or connection has ended the consumer (on a
   * ManagedConnection it becomes true again once re-subscribed).
   */
  readonly active: boolean;
  /** Stop consuming, wait for in-flight deliveries to be settled (acked), close the channels. */
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
  model: Pick<ChannelModel, 'createChannel'> | ManagedConnection,
  options: ConsumerOptions,
): Promise<Consumer> {
  const { queue, handler, publisher } = options;
  const fallbackStage = options.fallbackStage ?? DEFAULT_FALLBACK_STAGE;
  const requeueDelayMs = options.requeueDelayMs ?? DEFAULT_REQUEUE_DELAY_MS;
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  const channelCount = Math.max(1, Math.floor(options.channels ?? 1));
  const onError =
    options.onError ??
    ((error: Error) => console.error(`exhub messaging: consumer on ${queue}: ${error.message}`));
  const report = (error: unknown, msg?: ConsumeMessage): void => onError(asError(error), msg);
  const policy: PolicyContext = {
    topology: options.topology,
    maxAttempts: options.maxAttempts,
    maxRetryAgeMs: options.maxRetryAgeMs,
    retryJitter: options.retryJitter,
  };
  const managed = model instanceof ManagedConnection ? model : undefined;
  const gone = (): boolean => cancelled || managed?.state === 'closed';

  /** One subscription: a channel of its own, its consumer tag, re-subscribed on its own. */
  interface Slot {
    channel?: Channel;
    consumerTag: string;
    active: boolean;
    resubscribing: boolean;
  }
  const slots: Slot[] = Array.from({ length: channelCount }, () => ({
    consumerTag: '',
    active: false,
    resubscribing: false,
  }));
  let cancelled = false;
  /** Deliveries that arrived after cancel(): left to the broker to requeue (see deliver). */
  let lateDeliveries = 0;
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();

  /** Acks and nacks go to the channel the delivery came on: delivery tags are per channel. */
  const settle = (on: Channel, action: 'ack' | 'requeue', msg: ConsumeMessage): void => {
    try {
      if (!slots.some((slot) => slot.channel === on)) {
        throw new Error('its channel was lost (the broker requeued it)');
      }
      if (action === 'ack') on.ack(msg);
      else on.nack(msg, false, true);
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

  const handle = async (
    on: Channel,
    msg: ConsumeMessage,
    run: (msg: ConsumeMessage) => Promise<HandlerOutcome> = handler,
  ): Promise<void> => {
    let outcome: HandlerOutcome;
    try {
      const returned: unknown = await run(msg);
      outcome = isOutcome(returned)
        ? returned
        : outcomeFor(new TypeError(`handler for ${queue} returned no outcome`), fallbackStage);
    } catch (error) {
      outcome = outcomeFor(error, fallbackStage);
    }
    const plan = planFor(msg, outcome, policy);
    if (plan.kind === 'ack') {
      settle(on, 'ack', msg);
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
      settle(on, 'requeue', msg);
      return;
    }
    settle(on, 'ack', msg);
  };

  const track = (work: Promise<void>, msg: ConsumeMessage): void => {
    const tracked = work.catch((error: unknown) => report(error, msg));
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  };

  // Micro-batching: deliveries collected until the event loop has run what arrived with them.
  const batchMax = options.batchHandler ? Math.max(1, options.batchMax ?? 1) : 1;
  let pending: { on: Channel; msg: ConsumeMessage }[] = [];
  let flushScheduled = false;
  const yieldTo = options.yieldTo;
  /** Since when the deliveries in `pending` have waited for `yieldTo`, and the timer that asks again. */
  let waitingSince: number | undefined;
  let waitTimer: NodeJS.Timeout | undefined;
  /** True when `pending` must wait for `yieldTo` (and a timer will flush it later). */
  const mustWait = (): boolean => {
    if (!yieldTo || pending.length === 0) return false;
    const now = Date.now();
    waitingSince ??= now;
    if (!cancelled && now - waitingSince < yieldTo.maxWaitMs && yieldTo.busy()) {
      waitTimer ??= setTimeout(
        () => {
          waitTimer = undefined;
          flush();
        },
        Math.min(yieldTo.pollMs, Math.max(1, waitingSince + yieldTo.maxWaitMs - now)),
      );
      return true;
    }
    if (waitTimer) clearTimeout(waitTimer);
    waitTimer = undefined;
    const waited = now - waitingSince;
    waitingSince = undefined;
    if (waited > 0) yieldTo.onWaited?.(waited);
    return false;
  };
  const flush = (): void => {
    flushScheduled = false;
    if (mustWait()) return;
    while (pending.length > 0) {
      const batch = pending.slice(0, batchMax);
      pending = pending.slice(batchMax);
      handleBatch(batch);
    }
  };
  const handleBatch = (batch: { on: Channel; msg: ConsumeMessage }[]): void => {
    let outcomes: Promise<HandlerOutcome>[];
    try {
      outcomes = options.batchHandler!(batch.map((b) => b.msg));
      if (outcomes.length !== batch.length) {
        throw new TypeError(
          `batch handler for ${queue} returned ${outcomes.length} outcomes for ${batch.length} deliveries`,
        );
      }
    } catch (error) {
      outcomes = batch.map(() => Promise.reject(error));
    }
    batch.forEach(({ on, msg }, i) =>
      track(
        handle(on, msg, () => outcomes[i]),
        msg,
      ),
    );
  };
  const deliver = (on: Channel, msg: ConsumeMessage): void => {
    if (cancelled) {
      // Arrived after cancel() collected the in-flight work (a queue may still deliver after its
      // cancel-ok): handled now, its ack could follow the channel's close and be ignored, and it
      // would be processed again after a restart. Left unacked, the broker requeues it when the
      // channel closes, unprocessed.
      lateDeliveries += 1;
      return;
    }
    if (batchMax <= 1) {
      track(handle(on, msg), msg);
      return;
    }
    pending.push({ on, msg });
    if (pending.length >= batchMax) {
      flush();
    } else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  const subscribe = async (slot: Slot): Promise<void> => {
    const ch: Channel = await model.createChannel();
    ch.on('error', (error: Error) =>
      report(new Error(`consumer channel on ${queue}: ${error.message}`)),
    );
    ch.on('close', () => {
      if (ch !== slot.channel) return;
      slot.active = false;
      if (managed && !cancelled) void resubscribe(slot);
    });
    slot.channel = ch;
    await ch.prefetch(prefetch);
    const ok = await ch.consume(
      queue,
      (msg) => {
        if (msg === null) {
          // The broker cancelled us: the queue was deleted or its leader moved away.
          slot.active = false;
          report(new Error(`the broker cancelled the consumer on ${queue} (queue deleted?)`));
          if (managed && !cancelled) void ch.close().catch(() => undefined);
          return;
        }
        deliver(ch, msg);
      },
      { noAck: false },
    );
    slot.consumerTag = ok.consumerTag;
    slot.active = true;
  };

  const resubscribe = async (slot: Slot): Promise<void> => {
    if (slot.resubscribing) return;
    slot.resubscribing = true;
    let delay = DEFAULT_CHANNEL_REOPEN_DELAY_MS;
    try {
      while (!gone()) {
        try {
          await subscribe(slot);
          if (gone()) {
            await slot.channel?.close().catch(() => undefined);
          } else {
            options.onResubscribed?.();
          }
          return;
        } catch (error) {
          if (!gone())
            report(
              new Error(
                `re-subscribing to ${queue} failed, trying again in ${delay} ms: ${asError(error).message}`,
              ),
            );
          await sleep(delay, undefined, { signal: stopping.signal }).catch(() => undefined);
          delay = Math.min(delay * 2, DEFAULT_CHANNEL_REOPEN_MAX_DELAY_MS);
        }
      }
    } finally {
      slot.resubscribing = false;
    }
  };

  try {
    for (const slot of slots) await subscribe(slot);
  } catch (error) {
    // Not started: the channels already open are closed, so nothing is left consuming.
    cancelled = true;
    await Promise.all(slots.map((slot) => slot.channel?.close().catch(() => undefined)));
    throw error;
  }

  return {
    queue,
    get consumerTag() {
      return slots[0].consumerTag;
    },
    get inFlight() {
      return inFlight.size + pending.length;
    },
    get active() {
      return !cancelled && slots.every((slot) => slot.active);
    },
    async cancel() {
      cancelled = true;
      await Promise.all(
        slots.map(async (slot) => {
          const wasActive = slot.active;
          slot.active = false;
          if (!wasActive || !slot.channel) return;
          try {
            await slot.channel.cancel(slot.consumerTag);
          } catch (error) {
            report(error);
          }
        }),
      );
      // Deliveries handed to us before cancel() are handled too (those waiting for their batch
      // included); those arriving later are left for the broker to requeue (deliver). A requeue
      // pause is cut short so shutdown does not wait on it.
      stopping.abort();
      flush();
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      await Promise.all(
        slots.map(async (slot) => {
          try {
            await slot.channel?.close();
          } catch {
            // Already closed (connection lost or cancelled twice).
          }
        }),
      );
      if (lateDeliveries > 0) {
        report(
          new Error(
            `${lateDeliveries} deliveries arrived on ${queue} after the consumer was cancelled: not processed, requeued by the broker when the channel closed`,
          ),
        );
      }
    },
  };
}
