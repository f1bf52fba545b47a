/**
 * Queue depths from the broker, for SREs who cannot (or should not have to) scrape RabbitMQ:
 * every `intervalMs` the collector asks the broker (passive `checkQueue`, on a channel of its own)
 * how many messages wait in each hub queue and how many consumers it has. Broker-side, so the
 * numbers are the same whichever hub process is scraped: aggregate them with max(), not sum().
 */
import type { Logger } from 'pino';
import type { HubMetrics } from './metrics';
import { PeriodicCollector } from './periodic-collector';

/** Between two polls; a scrape every 15 s sees values at most this old. */
export const DEFAULT_QUEUE_POLL_MS = 15_000;

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

export class QueueDepthCollector extends PeriodicCollector {
  private channel?: QueueChannel;
  private failing = false;

  constructor(
    private readonly openChannel: () => Promise<QueueChannel>,
    private readonly queues: readonly WatchedQueue[],
    private readonly metrics: HubMetrics,
    private readonly logger: Logger,
    intervalMs = DEFAULT_QUEUE_POLL_MS,
    /**
     * Told the depths (by label) after every successful round, e.g. to turn the DLQ depth into
     * the age of the oldest dead letter. Its failures are its own to report: they never stop a round.
     */
    private readonly onRound?: (depths: ReadonlyMap<string, number>) => Promise<void>,
  ) {
    super(intervalMs);
  }

  /** The channel is closed once polling stopped; a round waiting on a down broker is not awaited. */
  protected override async afterStop(): Promise<void> {
    await this.channel?.close().catch(() => undefined);
    this.channel = undefined;
  }

  protected async pollOnce(): Promise<void> {
    try {
      const channel = await this.ensureChannel();
      const depths = new Map<string, number>();
      for (const queue of this.queues) {
        const { messageCount, consumerCount } = await channel.checkQueue(queue.name);
        this.metrics.queueMessages.set({ queue: queue.label }, messageCount);
        this.metrics.queueConsumers.set({ queue: queue.label }, consumerCount);
        depths.set(queue.label, messageCount);
      }
      this.failing = false;
      await this.onRound?.(depths).catch(() => undefined);
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
