import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { startConsumer, type Consumer } from '@exhub/messaging';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { handleOutcome } from './outcome-handler';
import { MS_PER_SECOND } from '@exhub/core';

/** Outcomes are small and each is one store transaction: a few in flight are plenty. */
export const OUTCOME_PREFETCH = 8;

/**
 * Consumes exhub.outcomes in worker (`pipeline` role) processes: every outcome a workflow tool
 * reports moves the exception's status, is recorded for model training and audited. Several
 * workers compete on the queue; the store's row transaction keeps each outcome one state change.
 */
@Injectable()
export class OutcomesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: Consumer;

  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.rt.env.roles.has('pipeline')) return;
    const queue = this.rt.topology.names.outcomes;
    const deps = {
      store: this.rt.store,
      logger: this.rt.logger.child({ component: 'outcomes' }),
      dedupeTtlMs: this.rt.config.ingress.dedupeWindowSeconds * MS_PER_SECOND,
    };
    this.consumer = await startConsumer(this.rt.connection, {
      queue,
      prefetch: OUTCOME_PREFETCH,
      handler: (msg) => handleOutcome(deps, msg),
      publisher: this.rt.publisher,
      topology: this.rt.topology,
      fallbackStage: 'validate',
      onError: (error, msg) =>
        this.rt.logger.warn({ queue, messageId: msg?.properties.messageId }, error.message),
    });
    this.rt.logger.info({ queue }, 'outcomes consumer started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.cancel();
  }
}
