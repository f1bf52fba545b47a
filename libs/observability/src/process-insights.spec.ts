import pino from 'pino';
import type { CanonicalException } from '@exhub/canonical';
import { openStore, type ExceptionStore } from '@exhub/store';
import { sampleException } from '../../store/testing/sample-exception';
import { HubMetrics } from './metrics';
import { ProcessInsightsCollector } from './process-insights';

const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}
async function samples(metrics: HubMetrics, name: string): Promise<Sample[]> {
  const metric = metrics.registry.getSingleMetric(name);
  return ((await metric?.get()) as { values: Sample[] } | undefined)?.values ?? [];
}
const find = (list: Sample[], name: string, labels: Record<string, string | number>) =>
  list.find(
    (s) =>
      (s.metricName ?? '') === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;

describe('ProcessInsightsCollector (on a real SQLite store)', () => {
  let store: ExceptionStore;
  let clock: Date;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    clock = new Date('2026-11-02T08:00:00Z');
  });
  afterEach(async () => store.close());

  const at = (hours: number) => new Date(Date.parse('2026-11-02T08:00:00Z') + hours * HOUR);
  const create = (id: string, hours: number, extra: Partial<CanonicalException> = {}) =>
    store.upsertException(
      { ...sampleException({ id, score: 50, tier: 'p2', type: 'payment_failure' }), ...extra },
      { actor: 'pipeline', at: at(hours) },
    );

  it('observes time to triage and to resolve of changes after its first round only', async () => {
    const metrics = new HubMetrics('t');
    const collector = new ProcessInsightsCollector(
      store,
      metrics,
      silent,
      () => 'mapping',
      60_000,
      () => clock,
    );
    // Before the collector started: not observed again after a restart.
    await create('old', -10);
    await store.applyDecision('old', { action: 'resolve', actor: 'a', reason: 'x', at: at(-9) });
    await collector.poll();

    await create('e1', 0);
    await store.applyDecision('e1', { action: 'approve', actor: 'a', reason: 'x', at: at(2) });
    await store.applyDecision('e1', { action: 'resolve', actor: 'a', reason: 'x', at: at(30) });
    await create('e2', 1);
    await store.applyOutcome({ exceptionId: 'e2', kind: 'dismissed', actor: 'bot', at: at(1.5) });
    await collector.poll();

    const labels = { type: 'payment_failure', tier: 'p2' };
    const triage = await samples(metrics, 'exhub_time_to_triage_seconds');
    const resolve = await samples(metrics, 'exhub_time_to_resolve_seconds');
    // e1 triaged after 2 h, e2 dismissed after 30 min (which is its triage and its resolution).
    expect(find(triage, 'exhub_time_to_triage_seconds_count', labels)).toBe(2);
    expect(find(triage, 'exhub_time_to_triage_seconds_sum', labels)).toBe(2 * 3600 + 1800);
    expect(find(triage, 'exhub_time_to_triage_seconds_bucket', { ...labels, le: 3600 })).toBe(1);
    expect(find(resolve, 'exhub_time_to_resolve_seconds_count', labels)).toBe(2);
    expect(find(resolve, 'exhub_time_to_resolve_seconds_sum', labels)).toBe(30 * 3600 + 1800);

    // Nothing new: nothing observed twice.
    await collector.poll();
    const again = await samples(metrics, 'exhub_time_to_triage_seconds');
    expect(find(again, 'exhub_time_to_triage_seconds_count', labels)).toBe(2);
  });

  it('sets open exceptions per root-cause rule and type, back to 0 when they close', async () => {
    const metrics = new HubMetrics('t');
    const ruleOf = (key: string) =>
      key.startsWith('supplier-master:') ? 'supplier-master' : 'mapping';
    const collector = new ProcessInsightsCollector(
      store,
      metrics,
      silent,
      ruleOf,
      60_000,
      () => clock,
    );
    for (const [id, key] of [
      ['g1', 'supplier-master:SUP-1|TAX'],
      ['g2', 'supplier-master:SUP-2|TAX'],
      ['g3', 'sap:vendor:4711'],
    ])
      await create(id, 0, { type: 'invoice_mismatch', group: { key, role: 'child' } });
    await collector.poll();
    const open = async () => samples(metrics, 'exhub_root_cause_open_exceptions');
    const rule = (values: Sample[], name: string) =>
      values.find((v) => v.labels.rule === name && v.labels.type === 'invoice_mismatch')?.value;
    expect(rule(await open(), 'supplier-master')).toBe(2);
    expect(rule(await open(), 'mapping')).toBe(1);
    for (const id of ['g1', 'g2'])
      await store.applyDecision(id, { action: 'dismiss', actor: 'a', reason: 'x', at: at(1) });
    await collector.poll();
    expect(rule(await open(), 'supplier-master')).toBe(0);
    expect(rule(await open(), 'mapping')).toBe(1);
  });

  it('counts a failed read and keeps going', async () => {
    const metrics = new HubMetrics('t');
    const collector = new ProcessInsightsCollector(
      store,
      metrics,
      silent,
      () => 'mapping',
      60_000,
      () => clock,
    );
    await store.close();
    await collector.poll();
    const errors = await samples(metrics, 'exhub_insights_poll_errors_total');
    expect(errors[0]?.value).toBe(1);
    store = await openStore('sqlite::memory:');
  });
});
