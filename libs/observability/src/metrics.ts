import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'exhub_';
/** Seconds; spans sub-millisecond mapping up to multi-second broker stalls. */
const STAGE_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * The hub's metric catalogue (docs/metrics.md lists every one). One registry per process; label
 * values are bounded: connector ids come from the config file, stages and error classes from
 * fixed lists, domains and tiers from the schema.
 */
export class HubMetrics {
  readonly registry = new Registry();

  readonly eventsReceived = new Counter({
    name: `${METRIC_PREFIX}events_received_total`,
    help: 'Source events accepted at ingress and confirmed by the broker, by connector.',
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });
  readonly eventsDuplicate = new Counter({
    name: `${METRIC_PREFIX}events_duplicate_total`,
    help: 'Source events dropped at ingress because the same source event id was already accepted.',
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });
  readonly webhookRejections = new Counter({
    name: `${METRIC_PREFIX}webhook_rejections_total`,
    help: 'Webhook requests refused at ingress, by connector and reason.',
    labelNames: ['connector', 'reason'] as const,
    registers: [this.registry],
  });
  readonly eventsUnmapped = new Counter({
    name: `${METRIC_PREFIX}events_unmapped_total`,
    help: 'Source events no mapping matched (acknowledged; still in the archive).',
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });
  readonly exceptionsPublished = new Counter({
    name: `${METRIC_PREFIX}exceptions_published_total`,
    help: 'Canonical exceptions published to exhub.exceptions and confirmed, by domain and tier.',
    labelNames: ['domain', 'tier'] as const,
    registers: [this.registry],
  });
  readonly stageFailures = new Counter({
    name: `${METRIC_PREFIX}stage_failures_total`,
    help: 'Failures by pipeline stage, error class and outcome (retry or dead_letter).',
    labelNames: ['stage', 'error_class', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly stageDuration = new Histogram({
    name: `${METRIC_PREFIX}stage_duration_seconds`,
    help: 'Time spent in each stage (ingress, map, validate, score, publish, total).',
    labelNames: ['stage'] as const,
    buckets: STAGE_BUCKETS,
    registers: [this.registry],
  });
  readonly brokerReady = new Gauge({
    name: `${METRIC_PREFIX}broker_ready`,
    help: '1 while the broker connection can confirm publishes, else 0.',
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: `${METRIC_PREFIX}build_info`,
    help: 'Always 1; labels carry the hub version and the Node.js version.',
    labelNames: ['version', 'node'] as const,
    registers: [this.registry],
  });

  constructor(version: string) {
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    this.dropGaugesEndingInTotal();
    this.buildInfo.set({ version, node: process.versions.node }, 1);
  }

  /**
   * prom-client's defaults include three gauges named `…_total` (active handles, requests,
   * resources), a suffix Prometheus reserves for counters: `promtool check metrics` rejects them.
   * The same numbers are exposed without the suffix (`exhub_nodejs_active_handles`, …), so these
   * copies are dropped.
   */
  private dropGaugesEndingInTotal(): void {
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(`${METRIC_PREFIX}${name}`);
    }
  }

  /** Starts a timer for a stage; call the result to observe the elapsed seconds. */
  time(stage: string): () => number {
    return this.stageDuration.startTimer({ stage });
  }
}
