import { Module, type DynamicModule } from '@nestjs/common';
import { ApiModule } from './api/api.module';
import { ConnectorsModule } from './connectors/connectors.module';
import { CoreModule } from './core/core.module';
import type { HubRuntime } from './hub-runtime';
import { IngressModule } from './ingest/ingress.module';
import { OpsModule } from './ops/ops.module';
import { PipelineModule } from './pipeline/pipeline.module';

/**
 * The hub: CoreModule (the infrastructure createRuntime built) and the feature modules, picked and
 * configured from EXHUB_ROLES:
 *
 * | module     | every process                               | `ingress` role    | `pipeline` role             |
 * |------------|---------------------------------------------|-------------------|-----------------------------|
 * | Ops        | health, metrics, DLQ and replay, hot reload |                   | keeps the DLQ ledger        |
 * | Api        | worklist, connectors, insights, dry-runs    |                   |                             |
 * | Connectors | connector registry, status                  | polls the sources |                             |
 * | Pipeline   | context stage for dry-runs and recheck      |                   | worker, outcomes, context loops |
 * | Ingress    | —                                           | webhooks, drop folders |                        |
 *
 * Order matters twice. Routes are registered in import order (Ops, Api, Ingress), which is the
 * order of the OpenAPI document. Lifecycle hooks run by import depth: CoreModule is global, so its
 * shutdown hook (close the publisher, the broker connection, then the store) runs after every
 * feature module's; Connectors and Pipeline are imported by the others, so they start before them
 * (consumers and pollers) and, at shutdown, pollers stop (`onModuleDestroy`) before webhooks and
 * drop folders stop, and the worker drains last (`beforeApplicationShutdown`, Ingress before
 * Pipeline), then HTTP closes, then the broker and the store.
 */
@Module({})
export class HubModule {
  /**
   * `headless`: the pipeline worker thread's modules (pipeline-thread/), without the HTTP API it
   * never serves (its Ops module keeps the DLQ ledger, hot reloads and monitors of that thread).
   */
  static forRoot(infra: HubRuntime, options: { headless?: boolean } = {}): DynamicModule {
    const { roles } = infra.env;
    // Each feature module is configured once and that instance handed to the modules using it.
    const connectors = ConnectorsModule.forRoot({ poll: roles.has('ingress') });
    const pipeline = PipelineModule.forRoot({
      worker: roles.has('pipeline'),
      // A worker that does not poll builds the connectors enrichment asks, for lookups only.
      lookupConnectors: roles.has('pipeline') && !roles.has('ingress'),
      // Deliveries the worker holds unacknowledged at once (EXHUB_WORKER_PREFETCH).
      prefetch: infra.env.workerPrefetch,
      // The channels it consumes on, each with that prefetch (EXHUB_WORKER_CHANNELS).
      channels: infra.env.workerChannels,
      imports: [connectors],
    });
    return {
      module: HubModule,
      imports: [
        CoreModule.forRoot(infra),
        connectors,
        pipeline,
        OpsModule.forRoot({ dlqLedger: roles.has('pipeline'), imports: [pipeline] }),
        ...(options.headless ? [] : [ApiModule.forRoot({ imports: [pipeline, connectors] })]),
        ...(roles.has('ingress')
          ? [
              IngressModule.forRoot({
                retryAfterSeconds: infra.retryAfterSeconds,
                imports: [connectors],
              }),
            ]
          : []),
      ],
    };
  }
}
