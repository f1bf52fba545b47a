import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { CanonicalException } from '../../../../libs/canonical/src';
import type { SourceEventMeta } from '../../../../libs/connector-sdk/src/source-event';
import {
  childTraceparent,
  exceptionPublishOptions,
  exceptionRoutingKey,
  startConsumer,
} from '../../../../libs/messaging/src';
import { PIPELINE_ACTOR } from '../../../../libs/store/src';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { processSourceEvent, type PipelineDeps } from './process-event';

/** Runs the pipeline worker on exhub.work when this process has the `pipeline` role. */
@Injectable()
export class PipelineService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: { cancel(): Promise<void> };

  private readonly deps: PipelineDeps;

  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {
    this.deps = {
      // The registry runs one evaluation at a time itself (see libs/mapping/src/serialized.ts).
      mappings: rt.mappings,
      scorer: rt.scorer,
      metrics: rt.metrics,
      logger: rt.logger,
      now: () => new Date(),
      connectorVersion: rt.version,
      publish: (exception, meta) => this.publish(exception, meta),
      // Per-delivery fields (correlation, replayOf) stay this delivery's; version and status are
      // the store's. The store writes the audit entry of a new version.
      persist: async (exception) => {
        const { exception: stored } = await rt.store.upsertException(exception, {
          actor: PIPELINE_ACTOR,
        });
        return { ...exception, version: stored.version, status: stored.status };
      },
    };
  }

  /**
   * One confirmed publish per exception: subscribers get it by routing key, and when review is
   * required the same publish reaches exhub.review too (BCC), so the two can never disagree.
   */
  private async publish(exception: CanonicalException, meta: SourceEventMeta): Promise<void> {
    const options = exceptionPublishOptions(exception, childTraceparent(meta.traceparent), {
      routeToReview: exception.priority.review.required,
    });
    await this.rt.publisher.publish(
      this.rt.topology.names.exceptions,
      exceptionRoutingKey(exception),
      Buffer.from(JSON.stringify(exception)),
      options,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.rt.env.roles.has('pipeline')) return;
    this.consumer = await startConsumer(this.rt.connection, {
      queue: this.rt.topology.names.work,
      prefetch: this.rt.prefetch,
      handler: (msg) => processSourceEvent(this.deps, msg),
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
