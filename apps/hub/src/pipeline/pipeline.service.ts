import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import type { CanonicalException } from '@exhub/canonical';
import type { SourceEventMeta } from '@exhub/core';
import { startConsumer } from '@exhub/messaging';
import { PIPELINE_ACTOR, type UpsertResult } from '@exhub/store';
import { ContextService } from '../context/context.service';
import { publishException } from './publish-exception';
import { RootCauseGrouper } from './grouping';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { processSourceEvent, processSourceEventBatch, type BatchWorkerDeps } from './process-event';

/** Runs the pipeline worker on exhub.work when this process has the `pipeline` role. */
@Injectable()
export class PipelineService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: { cancel(): Promise<void> };

  private readonly deps: BatchWorkerDeps;

  constructor(
    @Inject(HUB_RUNTIME) private readonly rt: HubRuntime,
    @Optional() context?: ContextService,
  ) {
    const grouper = new RootCauseGrouper({ store: rt.store, scorer: rt.scorer, logger: rt.logger });
    // What the store took as a new version (a redelivery is not: its related stay as they are).
    const changed = new WeakSet<CanonicalException>();
    const engine = context?.engine;
    // Per-delivery fields (correlation, replayOf) stay this delivery's; version and status are
    // the store's. The store writes the audit entry of a new version.
    const asStored = (exception: CanonicalException, r: UpsertResult): CanonicalException => {
      const result = { ...exception, version: r.exception.version, status: r.exception.status };
      if (r.changed) changed.add(result);
      return result;
    };
    this.deps = {
      // Enrichment, links and the back-links of related exceptions (apps/hub/src/context).
      context: engine && {
        contextOf: (e) => engine.contextOf(e),
        afterPublish: (e) => engine.afterPublish(e, changed.has(e)),
      },
      // The registry runs one evaluation at a time itself (see libs/mapping/src/serialized.ts).
      mappings: rt.mappings,
      scorer: rt.scorer,
      metrics: rt.metrics,
      logger: rt.logger,
      now: () => new Date(),
      connectorVersion: rt.version,
      publish: (exception, meta) => this.publish(exception, meta),
      // Ends and re-openings reported by the source (stages/lifecycle.ts), published as above.
      lifecycle: { store: rt.store, metrics: rt.metrics, logger: rt.logger },
      // Root-cause parents (grouping.ts); reads the live policy, so hot reloads apply.
      group: (exceptions, now) => grouper.group(exceptions, now),
      persist: async (exception) =>
        asStored(exception, await rt.store.upsertException(exception, { actor: PIPELINE_ACTOR })),
      // The group commit of a micro-batch (EXHUB_WORKER_BATCH_MAX > 1): one transaction.
      persistBatch: async (exceptions) => {
        const results = await rt.store.upsertExceptions(
          exceptions.map((exception) => ({ exception, context: { actor: PIPELINE_ACTOR } })),
        );
        return exceptions.map((e, i) => asStored(e, results[i]));
      },
    };
  }

  /**
   * One confirmed publish per exception: subscribers get it by routing key, and when review is
   * required the same publish reaches exhub.review too (BCC), so the two can never disagree.
   */
  private async publish(exception: CanonicalException, meta: SourceEventMeta): Promise<void> {
    await publishException(this.rt, exception, meta.traceparent);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.rt.env.roles.has('pipeline')) return;
    this.consumer = await startConsumer(this.rt.connection, {
      queue: this.rt.topology.names.work,
      prefetch: this.rt.prefetch,
      handler: (msg) => processSourceEvent(this.deps, msg),
      // Micro-batching with group commit (EXHUB_WORKER_BATCH_MAX; 1 = one delivery at a time).
      batchHandler: (msgs) => processSourceEventBatch(this.deps, msgs),
      batchMax: this.rt.env.workerBatchMax,
      publisher: this.rt.publisher,
      topology: this.rt.topology,
      maxAttempts: this.rt.env.maxAttempts,
      maxRetryAgeMs: this.rt.env.maxRetryAgeMs,
      onError: (error, msg) =>
        this.rt.logger.warn(
          { queue: this.rt.topology.names.work, messageId: msg?.properties.messageId },
          error.message,
        ),
      onResubscribed: () =>
        this.rt.logger.info(
          { queue: this.rt.topology.names.work },
          'pipeline worker consuming again after the broker connection recovered',
        ),
    });
    this.rt.logger.info({ queue: this.rt.topology.names.work }, 'pipeline worker consuming');
  }

  /** Stop taking new messages and let in-flight ones finish and be acknowledged. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.cancel();
  }
}
