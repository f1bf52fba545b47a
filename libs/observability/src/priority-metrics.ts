import { Counter, Gauge, Histogram } from 'prom-client';
import { METRIC_PREFIX, type HubMetrics } from './metrics';

/**
 * Seconds from open to triage or resolution: one minute to a month, roughly ×3 per bucket, so the
 * p1 target (hours) and the p4 target (ten days) both fall between buckets.
 */
export const PROCESS_DURATION_BUCKETS = [
  60,
  300,
  900,
  3_600,
  4 * 3_600,
  12 * 3_600,
  86_400,
  3 * 86_400,
  7 * 86_400,
  14 * 86_400,
  30 * 86_400,
];

/**
 * The prioritization and process-intelligence metrics (docs/metrics.md): drift of the score
 * distribution against the model's training window, the shadow model's agreement with the
 * policy, policy hot reloads, open exceptions by root cause, and time to triage / resolve. Registered on the
 * hub's registry once per HubMetrics (`for`), beside the core catalogue. Label values are bounded:
 * model versions come from the one loaded model file, tiers and types from the schema, root-cause
 * rules from the policy's `grouping.keys` ids (or `mapping`).
 */
export class PriorityMetrics {
  private static readonly instances = new WeakMap<HubMetrics, PriorityMetrics>();

  static for(metrics: HubMetrics): PriorityMetrics {
    let m = PriorityMetrics.instances.get(metrics);
    if (!m) PriorityMetrics.instances.set(metrics, (m = new PriorityMetrics(metrics)));
    return m;
  }

  readonly scorePsi: Gauge<'model_version' | 'score'>;
  readonly shadowPredictions: Counter<'model_version' | 'policy_tier' | 'model_tier'>;
  readonly policyReloads: Counter<'result'>;
  readonly rootCauseOpen: Gauge<'rule' | 'type'>;
  readonly timeToTriage: Histogram<'type' | 'tier'>;
  readonly timeToResolve: Histogram<'type' | 'tier'>;
  readonly insightsPollErrors: Counter;

  private constructor(metrics: HubMetrics) {
    const registers = [metrics.registry];
    this.scorePsi = new Gauge({
      name: `${METRIC_PREFIX}score_psi`,
      help: "Population stability index of the live scores against the model's training window, by model version and score (policy = the rules score, model = the model's probability x 100).",
      labelNames: ['model_version', 'score'] as const,
      registers,
    });
    this.shadowPredictions = new Counter({
      name: `${METRIC_PREFIX}model_shadow_predictions_total`,
      help: 'Shadow-mode predictions, by model version, the tier the policy gave and the tier the model would have given.',
      labelNames: ['model_version', 'policy_tier', 'model_tier'] as const,
      registers,
    });
    this.policyReloads = new Counter({
      name: `${METRIC_PREFIX}policy_reloads_total`,
      help: 'Hot reloads of the priority policy: result "success" (swapped in) or "refused" (invalid; the last good policy keeps serving).',
      labelNames: ['result'] as const,
      registers,
    });
    this.rootCauseOpen = new Gauge({
      name: `${METRIC_PREFIX}root_cause_open_exceptions`,
      help: 'Open exceptions that carry a root-cause key, by the grouping rule that derived it (or "mapping") and type, read from the store.',
      labelNames: ['rule', 'type'] as const,
      registers,
    });
    this.timeToTriage = new Histogram({
      name: `${METRIC_PREFIX}time_to_triage_seconds`,
      help: 'Seconds from an exception becoming open to its first status change (in review, resolved or dismissed), by type and tier.',
      labelNames: ['type', 'tier'] as const,
      buckets: PROCESS_DURATION_BUCKETS,
      registers,
    });
    this.timeToResolve = new Histogram({
      name: `${METRIC_PREFIX}time_to_resolve_seconds`,
      help: 'Seconds from an exception becoming open to resolved or dismissed, by type and tier.',
      labelNames: ['type', 'tier'] as const,
      buckets: PROCESS_DURATION_BUCKETS,
      registers,
    });
    this.insightsPollErrors = new Counter({
      name: `${METRIC_PREFIX}insights_poll_errors_total`,
      help: 'Failed reads of status changes or root causes from the store; while it grows, the process metrics are stale.',
      registers,
    });
    for (const result of ['success', 'refused']) this.policyReloads.inc({ result }, 0);
  }
}
