import pino from 'pino';
import { BacklogCollector, type BacklogSource } from './backlog-stats';
import { HubMetrics } from './metrics';

type Stats = Awaited<ReturnType<BacklogSource['backlogStats']>>;

function fakeStore(...rounds: (Stats | Error)[]): BacklogSource & { calls: number } {
  return {
    calls: 0,
    async backlogStats() {
      const next = rounds[Math.min(this.calls, rounds.length - 1)];
      this.calls += 1;
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

async function sample(metrics: HubMetrics, name: string, labels: Record<string, string>) {
  const metric = (await metrics.registry.getSingleMetric(name)?.get()) as
    { values: { labels: Record<string, string>; value: number }[] } | undefined;
  return metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    ?.value;
}

const silent = pino({ level: 'silent' });

describe('BacklogCollector', () => {
  it('sets the backlog gauges and zeroes groups that empty out', async () => {
    const metrics = new HubMetrics('t');
    const store = fakeStore(
      {
        groups: [{ domain: 'finance', tier: 'p1', open: 3, oldestAgeSeconds: 120 }],
        pastDueByTier: { p1: 1 },
        pastDue: [{ id: 'a', tier: 'p1' }],
      },
      { groups: [], pastDueByTier: {}, pastDue: [] },
    );
    const collector = new BacklogCollector(store, metrics, silent, 60_000);
    await collector.poll();
    const fp1 = { domain: 'finance', tier: 'p1' };
    expect(await sample(metrics, 'exhub_open_exceptions', fp1)).toBe(3);
    expect(await sample(metrics, 'exhub_open_exception_oldest_age_seconds', fp1)).toBe(120);
    expect(await sample(metrics, 'exhub_exceptions_past_due', { tier: 'p1' })).toBe(1);
    expect(await sample(metrics, 'exhub_exceptions_past_due', { tier: 'p4' })).toBe(0);
    await collector.poll();
    expect(await sample(metrics, 'exhub_open_exceptions', fp1)).toBe(0);
    expect(await sample(metrics, 'exhub_open_exception_oldest_age_seconds', fp1)).toBeUndefined();
    expect(await sample(metrics, 'exhub_exceptions_past_due', { tier: 'p1' })).toBe(0);
  });

  it('counts exceptions newly past due between polls, not the ones at start', async () => {
    const metrics = new HubMetrics('t');
    const round = (ids: [string, string][]): Stats => ({
      groups: [],
      pastDueByTier: {},
      pastDue: ids.map(([id, tier]) => ({ id, tier })),
    });
    const store = fakeStore(
      round([['old', 'p1']]),
      round([
        ['old', 'p1'],
        ['new', 'p1'],
        ['n2', 'p2'],
      ]),
      round([['new', 'p1']]),
      round([
        ['new', 'p1'],
        ['old', 'p1'],
      ]),
    );
    const collector = new BacklogCollector(store, metrics, silent, 60_000);
    await collector.poll(); // baseline
    expect(await sample(metrics, 'exhub_sla_breaches_total', { tier: 'p1' })).toBe(0);
    await collector.poll();
    expect(await sample(metrics, 'exhub_sla_breaches_total', { tier: 'p1' })).toBe(1);
    expect(await sample(metrics, 'exhub_sla_breaches_total', { tier: 'p2' })).toBe(1);
    await collector.poll();
    // 'old' was resolved, then re-opened still past due: a new breach.
    await collector.poll();
    expect(await sample(metrics, 'exhub_sla_breaches_total', { tier: 'p1' })).toBe(2);
  });

  it('counts a failing store read and keeps running; stop() ends the interval', async () => {
    const metrics = new HubMetrics('t');
    const store = fakeStore(new Error('database is locked'));
    const collector = new BacklogCollector(store, metrics, silent, 10);
    await collector.start();
    await new Promise((r) => setTimeout(r, 50));
    await collector.stop();
    const calls = store.calls;
    expect(calls).toBeGreaterThan(1);
    expect(await sample(metrics, 'exhub_backlog_poll_errors_total', {})).toBe(calls);
    await new Promise((r) => setTimeout(r, 30));
    expect(store.calls).toBe(calls);
  });

  it('ignores label values outside the schema enums', async () => {
    const metrics = new HubMetrics('t');
    const store = fakeStore({
      groups: [{ domain: 'nope', tier: 'p9', open: 1, oldestAgeSeconds: 1 }],
      pastDueByTier: {},
      pastDue: [],
    });
    await new BacklogCollector(store, metrics, silent).poll();
    expect(await sample(metrics, 'exhub_open_exceptions', { domain: 'nope' })).toBeUndefined();
  });
});
