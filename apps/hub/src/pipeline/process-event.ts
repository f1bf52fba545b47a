import type { ConsumeMessage } from 'amqplib';
import type { CanonicalException } from '@exhub/canonical';
import { HubError } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import type { HandlerOutcome } from '@exhub/messaging';
import { HEADER, headerString, outcomeFor, sourceEventMetaFrom } from '@exhub/messaging';
import type { HubMetrics, Logger, StageLabel } from '@exhub/observability';
import { STAGES, hubTracer, observeStage } from '@exhub/observability';
import { GroupCommit } from './group-commit';
import { runPipeline, type PipelineDeps, type StageRunner } from '@exhub/pipeline';

/** Kept here for the callers that parse a source event's body as the pipeline does. */
export { parsePayload } from '@exhub/pipeline';

export interface WorkerDeps extends PipelineDeps {
  publish: NonNullable<PipelineDeps['publish']>;
  metrics: HubMetrics;
  logger: Logger;
  now(): Date;
}

const OBSERVED = new Set<string>(STAGES);

/**
 * The pipeline's work handler: runs every stage of one source event (runner.ts) and returns an
 * outcome; it never touches the channel. Every exception of one event is validated before any is
 * published, and the event is acknowledged only after every publish was confirmed.
 */
export async function processSourceEvent(
  deps: WorkerDeps,
  msg: ConsumeMessage,
): Promise<HandlerOutcome> {
  // The pipeline span continues the trace of the ingress publish (the broker hop); every line
  // logged below carries the flow's ids, exceptionId once it is known.
  const incoming = headerString(msg.properties.headers, HEADER.traceparent);
  const work = hubTracer().startSpan('pipeline', {
    parent: incoming,
    kind: 'consumer',
    attributes: {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.source.name': msg.fields.exchange,
    },
  });
  const endTotal = deps.metrics.time('total');
  deps.metrics.stageReceived.inc({ stage: 'total' });
  let meta: SourceEventMeta | undefined;
  // The flow's ids for every line logged below; the child logger is made when a line is (pino
  // serialises a child's bindings when it is made), and once for all of them.
  let bindings: Record<string, string> = { traceId: work.traceId };
  let child: Logger | undefined;
  const log = (): Logger => (child ??= deps.logger.child(bindings));
  let exceptionIdKnown: string | undefined;
  // map, enrich, score, validate and publish are timed, counted and traced; the others run as is.
  const stage: StageRunner = (name, fn) =>
    OBSERVED.has(name)
      ? observeStage(deps.metrics, work.traceparent, name as StageLabel, fn)
      : Promise.resolve(fn());
  try {
    meta = sourceEventMetaFrom(msg);
    bindings = {
      ...bindings,
      correlationId: meta.correlationId,
      connector: meta.connectorId,
      eventId: meta.eventId,
    };
    child = undefined;
    work.setAttributes({
      'exhub.connector': meta.connectorId,
      'messaging.message.id': meta.eventId,
    });
    const run = await runPipeline(
      deps,
      { meta, body: msg.content },
      {
        now: deps.now(),
        // A replay (exhub replay, dlq replay) names the original raw event: lineage carries it.
        replayOf: headerString(msg.properties.headers, HEADER.replayOf),
        stage,
        onAssembled: (e) => (exceptionIdKnown = e.id),
      },
    );
    if (run.mapped.length === 0) {
      deps.metrics.eventsUnmapped.inc({ connector: meta.connectorId });
      deps.metrics.stageProcessed.inc({ stage: 'total' });
      log().info(
        { sourceEventId: meta.sourceEventId },
        'no mapping matched; acknowledged (the event stays in the archive)',
      );
      return { kind: 'ack' };
    }
    for (const e of run.published) {
      deps.metrics.exceptionsPublished.inc({ domain: e.domain, tier: e.priority.tier });
      deps.metrics.exceptionScore.observe({ domain: e.domain }, e.priority.score);
      log().info(
        { exceptionId: e.id, type: e.type, tier: e.priority.tier, score: e.priority.score },
        'exception published',
      );
    }
    deps.metrics.stageProcessed.inc({ stage: 'total' });
    return { kind: 'ack' };
  } catch (err) {
    work.fail(err);
    const outcome = outcomeFor(err);
    const stage = err instanceof HubError ? err.stage : 'publish';
    const errorClass = err instanceof HubError ? err.errorClass : 'TRANSIENT';
    deps.metrics.stageFailures.inc({
      stage,
      error_class: errorClass,
      outcome: outcome.kind === 'retry' ? 'retry' : 'dead_letter',
    });
    log().warn(
      {
        exceptionId: exceptionIdKnown,
        stage,
        errorClass,
        outcome: outcome.kind,
        err: (err as Error).message,
      },
      'source event failed',
    );
    return outcome;
  } finally {
    endTotal();
    work.end();
  }
}

export interface BatchWorkerDeps extends WorkerDeps {
  /** Stores exceptions in ONE transaction, results in the same order (store.upsertExceptions). */
  persistBatch(exceptions: CanonicalException[]): Promise<CanonicalException[]>;
}

/**
 * The worker's micro-batch (issue 17): each delivery runs its own stages exactly as
 * `processSourceEvent` does, but the exceptions of every delivery that reaches `persist` are
 * stored in one transaction (group-commit.ts), then each delivery publishes its own and gets its
 * own outcome: a poison message dead-letters alone, a failed publish retries only its delivery,
 * and a failed batch transaction is written again delivery by delivery. One delivery: exactly
 * `processSourceEvent`.
 */
export function processSourceEventBatch(
  deps: BatchWorkerDeps,
  msgs: ConsumeMessage[],
): Promise<HandlerOutcome>[] {
  if (msgs.length === 1) return [processSourceEvent(deps, msgs[0])];
  const commit = new GroupCommit<CanonicalException, CanonicalException>({
    write: (exceptions) => deps.persistBatch(exceptions),
    onCommit: (deliveries) => deps.metrics.workerBatchDeliveries.observe(deliveries),
    onFallback: (error, deliveries) => {
      deps.metrics.workerBatchFallbacks.inc();
      deps.logger.warn(
        { deliveries, err: (error as Error).message },
        'group commit failed; storing each delivery of the batch on its own',
      );
    },
  });
  // Every member joins before any runs, so the batch knows how many to wait for.
  const members = msgs.map(() => commit.join());
  return msgs.map(async (msg, i) => {
    const member = members[i];
    try {
      return await processSourceEvent({ ...deps, persistAll: (es) => member.persist(es) }, msg);
    } finally {
      // Failed before persist, nothing to store, or a no-op: the others need not wait for it.
      member.leave();
    }
  });
}
