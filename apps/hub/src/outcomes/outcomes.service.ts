import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  startConsumer,
  type Consumer,
  type ConfirmPublisher,
  type ManagedConnection,
  type Topology,
} from '@exhub/messaging';
import { handleOutcome } from './outcome-handler';
import type { HubConfig } from '@exhub/config';
import type { Logger } from '@exhub/observability';
import type { ExceptionStore } from '@exhub/store';
import {
  BROKER_CONNECTION,
  HUB_CONFIG,
  LOGGER,
  PUBLISHER,
  STORE,
  TOPOLOGY,
} from '../core/core.tokens';
import { PIPELINE_OPTIONS, type PipelineOptions } from '../pipeline/pipeline.options';
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

  constructor(
    @Inject(PIPELINE_OPTIONS) private readonly options: PipelineOptions,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(BROKER_CONNECTION) private readonly connection: ManagedConnection,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(STORE) private readonly store: ExceptionStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.worker) return;
    const queue = this.topology.names.outcomes;
    const deps = {
      store: this.store,
      logger: this.logger.child({ component: 'outcomes' }),
      dedupeTtlMs: this.config.ingress.dedupeWindowSeconds * MS_PER_SECOND,
    };
    this.consumer = await startConsumer(this.connection, {
      queue,
      prefetch: OUTCOME_PREFETCH,
      handler: (msg) => handleOutcome(deps, msg),
      publisher: this.publisher,
      topology: this.topology,
      fallbackStage: 'validate',
      onError: (error, msg) =>
        this.logger.warn({ queue, messageId: msg?.properties.messageId }, error.message),
    });
    this.logger.info({ queue }, 'outcomes consumer started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.cancel();
  }
}
