import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'exhub_';
/** Seconds; spans sub-millisecond mapping up to multi-second broker stalls. */
const STAGE_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Priority scores are 0–100; one bucket per ten points. */
const SCORE_BUCKETS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
/**
 * Every stage label value (bounded). `ingress` is the webhook hop, `total` one whole pipeline
 * delivery; the others are the pipeline's steps in order.
 */
export const STAGES = [
  'ingress',
  'map',
  'enrich',
  'score',
  'validate',
  'publish',
  'total',
] as const;
export type StageLabel = (typeof STAGES)[number];

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
    help: 'Source events dropped at ingress because the same event was already accepted (its source id; for Stripe, its id and content).',
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
  readonly lifecycleSignals = new Counter({
    name: `${METRIC_PREFIX}lifecycle_signals_total`,
    help: 'End and re-open signals from sources (lifecycle mappings), by connector and result: resolved, reopened, unchanged (already in that state), unknown_exception (the hub never opened it: a no-op).',
    labelNames: ['connector', 'result'] as const,
    registers: [this.registry],
  });
  readonly mappingReloads = new Counter({
    name: `${METRIC_PREFIX}mapping_reloads_total`,
    help: 'Hot reloads of the mappings folder: result "success" (swapped in) or "refused" (invalid; the last good version keeps serving).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly mappingFailures = new Counter({
    name: `${METRIC_PREFIX}mapping_failures_total`,
    help: 'Payloads a mapping could not map, by mapping id (from the loaded files) and reason (timeout, depth, sequence, helper, jsonata, error).',
    labelNames: ['mapping', 'reason'] as const,
    registers: [this.registry],
  });
  /** Where `exhub_mapping_evaluations_total` reads its figures; set by the process that maps. */
  mappingEvaluationSource?: () => Readonly<{ compiled: number; jsonata: number; fellBack: number }>;
  readonly mappingEvaluations = new Counter({
    name: `${METRIC_PREFIX}mapping_evaluations_total`,
    help: 'Mapping expression evaluations by the path that answered: "compiled" (the fast path) or "jsonata" (expressions it does not cover, and its hand-overs); "fell_back" counts the hand-overs alone.',
    labelNames: ['path'] as const,
    registers: [this.registry],
    collect: () => {
      const counts = this.mappingEvaluationSource?.();
      if (!counts) return;
      // The mapping library counts in plain numbers on its hot path; copied here at scrape time.
      this.mappingEvaluations.reset();
      this.mappingEvaluations.inc({ path: 'compiled' }, counts.compiled);
      this.mappingEvaluations.inc({ path: 'jsonata' }, counts.jsonata);
      this.mappingEvaluations.inc({ path: 'fell_back' }, counts.fellBack);
    },
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
  readonly stageReceived = new Counter({
    name: `${METRIC_PREFIX}stage_received_total`,
    help: 'Work items that entered a stage (ingress, map, score, validate, publish, total).',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });
  readonly stageProcessed = new Counter({
    name: `${METRIC_PREFIX}stage_processed_total`,
    help: 'Work items that left a stage successfully; failures are in exhub_stage_failures_total.',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });
  readonly workerBatchDeliveries = new Histogram({
    name: `${METRIC_PREFIX}worker_batch_deliveries`,
    help: 'Deliveries stored together by one group commit of the pipeline worker (EXHUB_WORKER_BATCH_MAX).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly workerBatchFallbacks = new Counter({
    name: `${METRIC_PREFIX}worker_batch_fallbacks_total`,
    help: 'Group commits that failed and were written again one delivery at a time.',
    registers: [this.registry],
  });
  readonly workerBatchesMerged = new Counter({
    name: `${METRIC_PREFIX}worker_batches_merged_total`,
    help: "Group commits that waited for the worker's previous transaction and were stored in one transaction with others.",
    registers: [this.registry],
  });
  readonly exceptionScore = new Histogram({
    name: `${METRIC_PREFIX}exception_score`,
    help: 'Priority score (0-100) of each published exception, by domain.',
    labelNames: ['domain'] as const,
    buckets: SCORE_BUCKETS,
    registers: [this.registry],
  });
  readonly queueMessages = new Gauge({
    name: `${METRIC_PREFIX}queue_messages`,
    help: 'Messages ready in a hub queue (work, dlq, review, outcomes, retry.<delay>), polled from the broker.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly queueConsumers = new Gauge({
    name: `${METRIC_PREFIX}queue_consumers`,
    help: 'Consumers attached to a hub queue, polled from the broker.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly queuePollErrors = new Counter({
    name: `${METRIC_PREFIX}queue_poll_errors_total`,
    help: 'Failed polls of the queue depths (broker unreachable, queue missing).',
    registers: [this.registry],
  });
  readonly dlqOldestMessageAge = new Gauge({
    name: `${METRIC_PREFIX}dlq_oldest_message_age_seconds`,
    help: 'Age of the oldest message in the DLQ (since it entered it), from the dead-letter ledger; 0 when the DLQ is empty.',
    registers: [this.registry],
  });
  readonly dlqLedgerErrors = new Counter({
    name: `${METRIC_PREFIX}dlq_ledger_errors_total`,
    help: 'Dead letters the ledger could not record, and failed reads of it; while it grows, exhub_dlq_oldest_message_age_seconds may be understated or stale.',
    registers: [this.registry],
  });
  readonly openExceptions = new Gauge({
    name: `${METRIC_PREFIX}open_exceptions`,
    help: 'Exceptions with status open or in_review, by domain and tier, read from the store.',
    labelNames: ['domain', 'tier'] as const,
    registers: [this.registry],
  });
  readonly openExceptionOldestAge = new Gauge({
    name: `${METRIC_PREFIX}open_exception_oldest_age_seconds`,
    help: 'Age of the oldest open exception (since first stored), by domain and tier.',
    labelNames: ['domain', 'tier'] as const,
    registers: [this.registry],
  });
  readonly exceptionsPastDue = new Gauge({
    name: `${METRIC_PREFIX}exceptions_past_due`,
    help: 'Open exceptions whose dueAt has passed, by tier.',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });
  readonly slaBreaches = new Counter({
    name: `${METRIC_PREFIX}sla_breaches_total`,
    help: 'Open exceptions seen passing their dueAt (between two backlog polls), by tier.',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });
  readonly slaTargetSeconds = new Gauge({
    name: `${METRIC_PREFIX}sla_target_seconds`,
    help: "The priority policy's SLA target per tier (policies/priority.yaml tiers.<tier>.slaTarget), updated when the policy is (re)loaded.",
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });
  readonly backlogPollErrors = new Counter({
    name: `${METRIC_PREFIX}backlog_poll_errors_total`,
    help: 'Failed reads of the backlog from the store; while it grows, the backlog gauges are stale.',
    registers: [this.registry],
  });
  readonly brokerReady = new Gauge({
    name: `${METRIC_PREFIX}broker_ready`,
    help: '1 while the broker connection can confirm publishes, else 0.',
    registers: [this.registry],
  });
  readonly brokerReconnects = new Counter({
    name: `${METRIC_PREFIX}broker_reconnects_total`,
    help: 'Times the broker connection was re-established after it was lost.',
    registers: [this.registry],
  });
  readonly pipelineThreadRestarts = new Counter({
    name: `${METRIC_PREFIX}pipeline_thread_restarts_total`,
    help: 'Times the pipeline worker thread (EXHUB_WORKER_THREAD=on) died unexpectedly and was restarted.',
    registers: [this.registry],
  });
  readonly pipelineIngressWait = new Counter({
    name: `${METRIC_PREFIX}pipeline_ingress_wait_seconds_total`,
    help: 'Time the pipeline worker held its batches for the webhooks being answered in the same process (EXHUB_INGRESS_FIRST), summed over batches.',
    registers: [this.registry],
  });
  readonly storeWriteWait = new Counter({
    name: `${METRIC_PREFIX}store_write_wait_seconds_total`,
    help: "Time the process's writers of the SQLite store waited for each other's transactions (the HTTP and the pipeline thread), summed over writes.",
    registers: [this.registry],
  });
  readonly storeWriteTurnsSkipped = new Counter({
    name: `${METRIC_PREFIX}store_write_turns_skipped_total`,
    help: "Writes that stopped waiting for another thread's transaction after 1 s and went on to SQLite's own lock (a thread that died in a transaction, or a transaction that long).",
    registers: [this.registry],
  });
  readonly brokerBlocked = new Gauge({
    name: `${METRIC_PREFIX}broker_blocked`,
    help: '1 while the broker blocks the connection (memory or disk alarm), else 0.',
    registers: [this.registry],
  });
  readonly breakerState = new Gauge({
    name: `${METRIC_PREFIX}breaker_state`,
    help: "1 for a connector endpoint's current circuit breaker state (closed, open, half_open), 0 for the others.",
    labelNames: ['connector', 'endpoint', 'state'] as const,
    registers: [this.registry],
  });
  readonly breakerTransitions = new Counter({
    name: `${METRIC_PREFIX}breaker_transitions_total`,
    help: 'Circuit breaker state changes, by connector, endpoint, from and to state.',
    labelNames: ['connector', 'endpoint', 'from', 'to'] as const,
    registers: [this.registry],
  });
  readonly connectorPollLag = new Gauge({
    name: `${METRIC_PREFIX}connector_poll_lag_seconds`,
    help: 'Seconds since the last successful poll of a polling connector (updated at every poll attempt).',
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });
  readonly connectorCursorAge = new Gauge({
    name: `${METRIC_PREFIX}connector_cursor_age_seconds`,
    help: "Age of the newest source change a polling connector's cursor has reached.",
    labelNames: ['connector'] as const,
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
    // Zero from the start, so rate() and `unless` in alert rules see a series before traffic.
    for (const stage of STAGES) {
      this.stageReceived.inc({ stage }, 0);
      this.stageProcessed.inc({ stage }, 0);
    }
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
