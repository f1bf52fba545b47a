/**
 * Queue depths from the broker, for SREs who cannot (or should not have to) scrape RabbitMQ:
 * every `intervalMs` the collector asks the broker (passive `checkQueue`, on a channel of its own)
 * how many messages wait in each hub queue and how many consumers it has. Broker-side, so the
 * numbers are the same whichever hub process is scraped: aggregate them with max(), not sum().
 */
import type { Logger } from 'pino';
import type { HubMetrics } from './metrics';

/** Between two polls; a scrape every 15 s sees values at most this old. */
export const DEFAULT_QUEUE_POLL_MS = 15_000;
/** Longest `stop()` waits for a round in progress. */
const STOP_WAIT_MS = 1_000;

export interface WatchedQueue {
  /** Label value, bounded by the topology: `work`, `dlq`, `review`, `outcomes`, `retry.<delay>`. */
  label: string;
  /** The queue's name on the broker (with the topology prefix). */
  name: string;
}

interface QueueChannel {
  checkQueue(queue: string): Promise<{ messageCount: number; consumerCount: number }>;
  close(): Promise<void>;
  on(event: 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

/** The queues worth watching, from the topology (structural, so this lib does not own it). */
export function queueWatchList(topology: {
  names: { work: string; dlq: string; review: string; outcomes: string };
  retryTiers: readonly { label: string; queue: string }[];
}): WatchedQueue[] {
  const n = topology.names;
  return [
    { label: 'work', name: n.work },
    { label: 'dlq', name: n.dlq },
    { label: 'review', name: n.review },
    { label: 'outcomes', name: n.outcomes },
    ...topology.retryTiers.map((t) => ({ label: `retry.${t.label}`, name: t.queue })),
  ];
}

export class QueueDepthCollector {
  private channel?: QueueChannel;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly openChannel: () => Promise<QueueChannel>,
    private readonly queues: readonly WatchedQueue[],
    private readonly metrics: HubMetrics,
    private readonly logger: Logger,
    private readonly intervalMs = DEFAULT_QUEUE_POLL_MS,
  ) {}

  /** Polls once now (so the first scrape has values), then every interval. */
  async start(): Promise<void> {
    await this.poll();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Stops polling. A round still waiting for a channel (the connection is down and waits to come
   * back) is not waited for beyond STOP_WAIT_MS: shutdown must not hang on a broker outage.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.polling,
      new Promise((resolve) => (timeout = setTimeout(resolve, STOP_WAIT_MS))),
    ]);
    clearTimeout(timeout);
    await this.channel?.close().catch(() => undefined);
    this.channel = undefined;
  }

  /** One round; a failure is counted and logged, and the next round opens a fresh channel. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    try {
      const channel = await this.ensureChannel();
      for (const queue of this.queues) {
        const { messageCount, consumerCount } = await channel.checkQueue(queue.name);
        this.metrics.queueMessages.set({ queue: queue.label }, messageCount);
        this.metrics.queueConsumers.set({ queue: queue.label }, consumerCount);
      }
      this.failing = false;
    } catch (error) {
      if (this.stopped) return;
      this.metrics.queuePollErrors.inc();
      // One warning per outage, not one per round.
      const level = this.failing ? 'debug' : 'warn';
      this.failing = true;
      this.logger[level](
        { err: (error as Error).message },
        'could not read queue depths from the broker; exhub_queue_messages is stale',
      );
      // A failed checkQueue closes the channel on the broker side: start over next round.
      const broken = this.channel;
      this.channel = undefined;
      await broken?.close().catch(() => undefined);
    }
  }

  private async ensureChannel(): Promise<QueueChannel> {
    if (this.channel) return this.channel;
    const channel = await this.openChannel();
    if (this.stopped) {
      // Opened after stop() gave up waiting: nobody would close it.
      await channel.close().catch(() => undefined);
      throw new Error('queue depth collector stopped');
    }
    // A channel error (queue missing) must not crash the process; the poll reports it.
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
    return channel;
  }
}
