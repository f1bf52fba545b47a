import {
  AggregatorRegistry,
  type Aggregator,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';
import { METRIC_PREFIX } from '@exhub/observability';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** The label that tells the pipeline thread's runtime series (`exhub_nodejs_*`) from the main thread's. */
export const THREAD_LABEL = 'thread';
export const PIPELINE_THREAD_NAME = 'pipeline';

/** Process-wide figures (CPU, RSS, open fds, start time): the main thread reports them once. */
const PROCESS_WIDE = `${METRIC_PREFIX}process_`;
/** One V8 isolate's and event loop's figures (heap, GC, event-loop lag): kept apart per thread. */
const PER_THREAD = `${METRIC_PREFIX}nodejs_`;
/** A gauge where one thread down is the process down (1 = ready). */
const MIN_GAUGES = new Set([`${METRIC_PREFIX}broker_ready`]);
/**
 * Counters of one event both threads see: each watches the same mappings folder and policy file
 * and reloads its own copy, so one edit is one reload, not two.
 */
const SHARED_EVENT_COUNTERS = new Set([
  `${METRIC_PREFIX}mapping_reloads_total`,
  `${METRIC_PREFIX}policy_reloads_total`,
]);

/**
 * How the same series from the two threads combine. Counters and histograms count events each
 * thread saw on its own: summed (a mapping or policy reload, which both threads make, counts once:
 * the larger). A gauge both threads set describes one state of the process
 * (build info, SLA targets, a breaker, the broker blocking a connection): the larger value
 * (`broker_ready`: the smaller). Gauges only one thread sets pass through unchanged.
 */
function aggregatorOf(metric: MetricObjectWithValues<MetricValue<string>>): Aggregator {
  if (SHARED_EVENT_COUNTERS.has(metric.name)) return 'max';
  if (String(metric.type) !== 'gauge') return 'sum';
  return MIN_GAUGES.has(metric.name) ? 'min' : 'max';
}

/**
 * One registry from the main thread's metrics and the pipeline worker thread's (prom-client's
 * `AggregatorRegistry.aggregate`), with the names unchanged: the thread's process-wide series are
 * left out (the main thread's are the process's), its `exhub_nodejs_*` series carry
 * `thread="pipeline"`, and the rest combine as `aggregatorOf` says.
 */
export function mergeThreadMetrics(main: MetricsJson, thread: MetricsJson): Registry {
  const fromThread = thread
    .filter((metric) => !metric.name.startsWith(PROCESS_WIDE))
    .map((metric) =>
      metric.name.startsWith(PER_THREAD)
        ? {
            ...metric,
            values: metric.values.map((v) => ({
              ...v,
              labels: { ...v.labels, [THREAD_LABEL]: PIPELINE_THREAD_NAME },
            })),
          }
        : metric,
    );
  const withAggregator = (metrics: MetricsJson): MetricsJson =>
    metrics.map((metric) => ({ ...metric, aggregator: aggregatorOf(metric) }));
  return AggregatorRegistry.aggregate([withAggregator(main), withAggregator(fromThread)]);
}
