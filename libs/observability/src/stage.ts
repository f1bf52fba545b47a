import type { HubMetrics, StageLabel } from './metrics';
import { inSpan, type HubSpan, type SpanKindName } from './tracing';

/**
 * One stage of a flow, observed the same way everywhere: counted in
 * `exhub_stage_received_total` / `exhub_stage_processed_total`, timed in
 * `exhub_stage_duration_seconds` (success or not), and traced as a child span of `parent`.
 * A failure is rethrown for the caller's error policy, which counts it in
 * `exhub_stage_failures_total` with its class and outcome.
 */
export function observeStage<T>(
  metrics: HubMetrics,
  parent: string | undefined,
  stage: StageLabel,
  fn: (span: HubSpan) => T | Promise<T>,
  kind: SpanKindName = 'internal',
): Promise<T> {
  metrics.stageReceived.inc({ stage });
  const end = metrics.time(stage);
  return inSpan(
    parent,
    stage,
    async (span) => {
      const value = await fn(span);
      metrics.stageProcessed.inc({ stage });
      return value;
    },
    { kind },
  ).finally(end);
}
