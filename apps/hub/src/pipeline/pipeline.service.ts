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
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { processSourceEvent, type PipelineDeps } from './process-event';

/**
 * One mapping evaluation at a time. Mapping is CPU work, so running the prefetched deliveries'
 * mappings side by side gains nothing, but it makes each one's wall-clock time (which the
 * mapping engine's expression timeout measures) grow with the number in flight: under load,
 * valid events hit the timeout (measured: 20 of 3,000 at prefetch 32). Publishes still overlap.
 */
export function serialized<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let tail: Promise<unknown> = Promise.resolve();
  return (...args: A) => {
    const run = tail.then(() => fn(...args));
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Runs the pipeline worker on exhub.work when this process has the `pipeline` role. */
@Injectable()
export class PipelineService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: { cancel(): Promise<void> };

  private readonly deps: PipelineDeps;

  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {
    this.deps = {
      mappings: {
        map: serialized((system: string, objectType: string, payload: unknown) =>
          rt.mappings.map(system, objectType, payload),
        ),
      },
      scorer: rt.scorer,
      metrics: rt.metrics,
      logger: rt.logger,
      now: () => new Date(),
      connectorVersion: rt.version,
      publish: (exception, meta) => this.publish(exception, meta),
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
