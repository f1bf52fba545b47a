import { HubMetrics } from '@exhub/observability';
import { mergeThreadMetrics } from './merge-metrics';

/** `name{labels} value` lines of a Prometheus text exposition, by series. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe('mergeThreadMetrics: one exposition for the main thread and the pipeline thread', () => {
  let main: HubMetrics;
  let thread: HubMetrics;
  let merged: Map<string, number>;
  let text: string;

  beforeAll(async () => {
    main = new HubMetrics('1.2.3');
    thread = new HubMetrics('1.2.3');
    main.stageProcessed.inc({ stage: 'ingress' }, 5);
    thread.stageProcessed.inc({ stage: 'total' }, 3);
    main.stageProcessed.inc({ stage: 'total' }, 1);
    main.stageDuration.observe({ stage: 'map' }, 0.002);
    thread.stageDuration.observe({ stage: 'map' }, 0.004);
    thread.stageDuration.observe({ stage: 'map' }, 0.2);
    main.brokerReady.set(1);
    thread.brokerReady.set(0);
    main.brokerBlocked.set(0);
    thread.brokerBlocked.set(1);
    // One edit of the mappings folder, reloaded by each thread.
    main.mappingReloads.inc({ result: 'success' });
    thread.mappingReloads.inc({ result: 'success' });
    text = await mergeThreadMetrics(
      await main.registry.getMetricsAsJSON(),
      await thread.registry.getMetricsAsJSON(),
    ).metrics();
    merged = series(text);
  });

  afterAll(() => {
    main.registry.clear();
    thread.registry.clear();
  });

  it('sums the counters and histograms each thread counted on its own', () => {
    expect(merged.get('exhub_stage_processed_total{stage="ingress"}')).toBe(5);
    expect(merged.get('exhub_stage_processed_total{stage="total"}')).toBe(4);
    expect(merged.get('exhub_stage_duration_seconds_count{stage="map"}')).toBe(3);
    expect(merged.get('exhub_stage_duration_seconds_bucket{le="0.005",stage="map"}')).toBe(2);
  });

  it('counts a reload both threads made once', () => {
    expect(merged.get('exhub_mapping_reloads_total{result="success"}')).toBe(1);
  });

  it('combines a gauge of the process state: blocked if either is, ready only if both are', () => {
    expect(merged.get('exhub_broker_blocked')).toBe(1);
    expect(merged.get('exhub_broker_ready')).toBe(0);
    expect(
      merged.get('exhub_build_info{version="1.2.3",node="' + process.versions.node + '"}'),
    ).toBe(1);
  });

  it('reports process figures once and each thread’s event loop as its own series', () => {
    expect(text.match(/^exhub_process_resident_memory_bytes /gm)).toHaveLength(1);
    expect(text.match(/^exhub_process_cpu_seconds_total /gm)).toHaveLength(1);
    expect(merged.has('exhub_nodejs_eventloop_lag_seconds')).toBe(true);
    expect(merged.has('exhub_nodejs_eventloop_lag_seconds{thread="pipeline"}')).toBe(true);
    // Every family once, with its HELP and TYPE.
    const types = text.match(/^# TYPE \S+/gm) ?? [];
    expect(new Set(types).size).toBe(types.length);
  });
});
