import pino from 'pino';
import { HubMetrics } from './metrics';
import { QueueDepthCollector, queueWatchList } from './queue-stats';

const topology = {
  names: { work: 'p.work', dlq: 'p.dlq', review: 'p.review', outcomes: 'p.outcomes' },
  retryTiers: [
    { label: '5s', queue: 'p.retry.5s' },
    { label: '30s', queue: 'p.retry.30s' },
  ],
};

function fakeChannel(depths: Record<string, number>, failOn?: string) {
  return {
    closed: false,
    async checkQueue(queue: string) {
      if (queue === failOn) throw new Error(`NOT_FOUND - no queue '${queue}'`);
      return { messageCount: depths[queue] ?? 0, consumerCount: queue === 'p.work' ? 2 : 0 };
    },
    async close() {
      this.closed = true;
    },
    on: () => undefined,
  };
}

describe('QueueDepthCollector', () => {
  it('labels queues by role, without the topology prefix', () => {
    expect(queueWatchList(topology).map((q) => q.label)).toEqual([
      'work',
      'dlq',
      'review',
      'outcomes',
      'retry.5s',
      'retry.30s',
    ]);
  });

  it('sets depth and consumer gauges from the broker', async () => {
    const metrics = new HubMetrics('t');
    const channel = fakeChannel({ 'p.dlq': 3, 'p.retry.30s': 4 });
    const collector = new QueueDepthCollector(
      async () => channel,
      queueWatchList(topology),
      metrics,
      pino({ level: 'silent' }),
    );
    await collector.start();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^exhub_queue_messages\{queue="dlq"\} 3$/m);
    expect(text).toMatch(/^exhub_queue_messages\{queue="retry\.30s"\} 4$/m);
    expect(text).toMatch(/^exhub_queue_consumers\{queue="work"\} 2$/m);
    await collector.stop();
    expect(channel.closed).toBe(true);
  });

  it('counts a failed poll and opens a fresh channel next round', async () => {
    const metrics = new HubMetrics('t');
    const channels = [fakeChannel({}, 'p.review'), fakeChannel({ 'p.review': 1 })];
    let opened = 0;
    const collector = new QueueDepthCollector(
      async () => channels[opened++],
      queueWatchList(topology),
      metrics,
      pino({ level: 'silent' }),
    );
    await collector.poll();
    expect(await metrics.registry.getSingleMetricAsString('exhub_queue_poll_errors_total')).toMatch(
      /^exhub_queue_poll_errors_total 1$/m,
    );
    expect(channels[0].closed).toBe(true);
    await collector.poll();
    expect(opened).toBe(2);
    expect(await metrics.registry.metrics()).toMatch(/^exhub_queue_messages\{queue="review"\} 1$/m);
    await collector.stop();
  });
});

describe('QueueDepthCollector.stop', () => {
  it('does not hang while a round waits for a channel (broker down), and closes it if it comes', async () => {
    const metrics = new HubMetrics('t');
    const late = fakeChannel({});
    let deliver: (c: typeof late) => void = () => undefined;
    const collector = new QueueDepthCollector(
      () => new Promise((resolve) => (deliver = resolve)),
      queueWatchList(topology),
      metrics,
      pino({ level: 'silent' }),
    );
    void collector.poll();
    const started = Date.now();
    await collector.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    deliver(late);
    await new Promise((r) => setImmediate(r));
    expect(late.closed).toBe(true);
  });
});
