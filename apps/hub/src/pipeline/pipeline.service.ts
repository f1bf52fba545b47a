import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import type { CanonicalException } from '@exhub/canonical';
import { MS_PER_SECOND, type SourceEventMeta } from '@exhub/core';
import {
  startConsumer,
  type ConfirmPublisher,
  type ManagedConnection,
  type Topology,
} from '@exhub/messaging';
import {
  CommitQueue,
  PIPELINE_ACTOR,
  type ExceptionStore,
  type UpsertContext,
  type UpsertResult,
} from '@exhub/store';
import { COMMIT_MAX_EXCEPTIONS, COMMITS_IN_FLIGHT } from './group-commit';
import { ContextService } from '../context/context.service';
import { publishException } from './publish-exception';
import { RootCauseGrouper } from './grouping';
import { PIPELINE_OPTIONS, type PipelineOptions } from './pipeline.options';
import { processSourceEvent, processSourceEventBatch, type BatchWorkerDeps } from './process-event';
import { INGRESS_FIRST_POLL_MS, type EnvSettings } from '@exhub/config';
import type { IngressLoad } from '../ingest/ingress-load';
import type { MappingRegistry } from '@exhub/mapping';
import type { HubMetrics, Logger } from '@exhub/observability';
import type { PolicyScorer } from '@exhub/prioritization';
import {
  BROKER_CONNECTION,
  HUB_ENV,
  HUB_VERSION,
  INGRESS_LOAD,
  LOGGER,
  MAPPINGS,
  METRICS,
  PUBLISHER,
  SCORER,
  STORE,
  TOPOLOGY,
} from '../core/core.tokens';

/**
 * Marks the exceptions of a committed group commit that share no link key with any other
 * exception: what `afterPublish` would look up one exception at a time (issue 17: batched). Asked
 * after the commit, so of two exceptions sharing a key the one committed later sees the other and
 * re-scores it. If the look fails, nothing is marked and each exception looks for itself.
 */
async function markUnlinked(
  store: ExceptionStore,
  stored: CanonicalException[],
  unlinked: WeakSet<CanonicalException>,
  logger: Logger,
): Promise<void> {
  try {
    const shared = await store.sharingLinkKeys(stored);
    for (const e of stored) if (!shared.has(e.id)) unlinked.add(e);
  } catch (err) {
    logger.warn(
      { err: (err as Error).message, exceptions: stored.length },
      'batch look-up of shared link keys failed; each exception looks up its related ones itself',
    );
  }
}

/** Runs the pipeline worker on exhub.work when this process has the `pipeline` role. */
@Injectable()
export class PipelineService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: { readonly active: boolean; cancel(): Promise<void> };

  private readonly deps: BatchWorkerDeps;

  /** The stored document of an exception just persisted: its publish sends it as is. */
  private readonly bodies = new WeakMap<CanonicalException, string>();

  constructor(
    @Inject(PIPELINE_OPTIONS) private readonly options: PipelineOptions,
    @Inject(HUB_ENV) private readonly env: EnvSettings,
    @Inject(HUB_VERSION) version: string,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(BROKER_CONNECTION) private readonly connection: ManagedConnection,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(STORE) store: ExceptionStore,
    @Inject(MAPPINGS) mappings: MappingRegistry,
    @Inject(SCORER) scorer: PolicyScorer,
    @Inject(INGRESS_LOAD) private readonly ingressLoad: IngressLoad,
    @Optional() context?: ContextService,
  ) {
    const grouper = new RootCauseGrouper({ store, scorer, logger });
    // What the store took as a new version (a redelivery is not: its related stay as they are).
    const changed = new WeakSet<CanonicalException>();
    // Stored by a group commit and sharing no link key with any other exception (one look at the
    // key index for the batch, after its commit): their after-publish step has nothing to do.
    const unlinked = new WeakSet<CanonicalException>();
    const engine = context?.engine;
    // The group commits of the micro-batches in hand, one transaction at a time (libs/store commit-queue.ts).
    type UpsertItem = { exception: CanonicalException; context: UpsertContext };
    const commits = new CommitQueue<UpsertItem, UpsertResult>(
      (items) => store.upsertExceptions(items),
      {
        maxInFlight: COMMITS_IN_FLIGHT,
        maxItems: COMMIT_MAX_EXCEPTIONS,
        onMerged: (submissions) => metrics.workerBatchesMerged.inc(submissions),
        onFallback: (error, submissions) =>
          logger.warn(
            { batches: submissions, err: (error as Error).message },
            'merged group commit failed; storing each batch on its own',
          ),
      },
    );
    // Per-delivery fields (correlation, replayOf) stay this delivery's; version and status are
    // the store's. The store writes the audit entry of a new version.
    const asStored = (exception: CanonicalException, r: UpsertResult): CanonicalException => {
      const result = { ...exception, version: r.exception.version, status: r.exception.status };
      if (r.changed) changed.add(result);
      // The store wrote `{ ...exception, version, status }`: the same keys in the same order and
      // the same values as `result`, so its document is the message body, serialised once.
      if (r.document !== undefined) this.bodies.set(result, r.document);
      return result;
    };
    this.deps = {
      // Enrichment, links and the back-links of related exceptions (apps/hub/src/context).
      context: engine && {
        contextOf: (e) => engine.contextOf(e),
        afterPublish: async (e) => (unlinked.has(e) ? [] : engine.afterPublish(e, changed.has(e))),
      },
      // The registry runs one evaluation at a time itself (see libs/mapping/src/serialized.ts).
      mappings,
      scorer,
      metrics,
      logger,
      now: () => new Date(),
      connectorVersion: version,
      publish: (exception, meta) => this.publish(exception, meta),
      // Ends and re-openings reported by the source (stages/lifecycle.ts), published as above.
      lifecycle: { store, metrics, logger },
      // Root-cause parents (grouping.ts); reads the live policy, so hot reloads apply.
      group: (exceptions, now) => grouper.group(exceptions, now),
      persist: async (exception) =>
        asStored(exception, await store.upsertException(exception, { actor: PIPELINE_ACTOR })),
      // The group commit of a micro-batch (EXHUB_WORKER_BATCH_MAX > 1): one transaction.
      persistBatch: async (exceptions) => {
        const results = await commits.submit(
          exceptions.map((exception) => ({ exception, context: { actor: PIPELINE_ACTOR } })),
        );
        const stored = exceptions.map((e, i) => asStored(e, results[i]));
        if (engine) await markUnlinked(store, stored, unlinked, logger);
        return stored;
      },
    };
  }

  /**
   * One confirmed publish per exception: subscribers get it by routing key, and when review is
   * required the same publish reaches exhub.review too (BCC), so the two can never disagree.
   */
  private async publish(exception: CanonicalException, meta: SourceEventMeta): Promise<void> {
    await publishException(
      { publisher: this.publisher, topology: this.topology },
      exception,
      meta.traceparent,
      this.bodies.get(exception),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.worker) return;
    this.consumer = await startConsumer(this.connection, {
      queue: this.topology.names.work,
      prefetch: this.options.prefetch,
      channels: this.options.channels,
      handler: (msg) => processSourceEvent(this.deps, msg),
      // Micro-batching with group commit (EXHUB_WORKER_BATCH_MAX; 1 = one delivery at a time).
      batchHandler: (msgs) => processSourceEventBatch(this.deps, msgs),
      batchMax: this.env.workerBatchMax,
      // Webhooks of this process first (EXHUB_INGRESS_FIRST): a burst is answered, then drained.
      // Without the ingress role here or in the main thread, nothing counts and nothing waits.
      yieldTo:
        this.env.ingressFirst > 0
          ? {
              busy: () =>
                this.ingressLoad.saturated(this.env.ingressFirst, this.env.ingressFirstLoop),
              maxWaitMs: this.env.ingressFirstMaxWaitMs,
              pollMs: INGRESS_FIRST_POLL_MS,
              onWaited: (ms) => this.metrics.pipelineIngressWait.inc(ms / MS_PER_SECOND),
            }
          : undefined,
      publisher: this.publisher,
      topology: this.topology,
      maxAttempts: this.env.maxAttempts,
      maxRetryAgeMs: this.env.maxRetryAgeMs,
      onError: (error, msg) =>
        this.logger.warn(
          { queue: this.topology.names.work, messageId: msg?.properties.messageId },
          error.message,
        ),
      onResubscribed: () =>
        this.logger.info(
          { queue: this.topology.names.work },
          'pipeline worker consuming again after the broker connection recovered',
        ),
    });
    this.logger.info({ queue: this.topology.names.work }, 'pipeline worker consuming');
  }

  /**
   * Readiness of the worker (`pipeline` role only): subscribed to exhub.work. While the broker
   * connection is lost the consumer re-subscribes by itself once it is back.
   */
  workerCheck(): { ok: boolean; detail: string } | undefined {
    if (!this.options.worker) return undefined;
    const queue = this.topology.names.work;
    if (this.consumer?.active) return { ok: true, detail: `consuming ${queue}` };
    return {
      ok: false,
      detail: this.consumer
        ? `not subscribed to ${queue} (${this.connection.downReason ?? 're-subscribing'})`
        : `not subscribed to ${queue} yet (starting)`,
    };
  }

  /** Stop taking new messages and let in-flight ones finish and be acknowledged. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.cancel();
  }
}
