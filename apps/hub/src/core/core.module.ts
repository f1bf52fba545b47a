import {
  ConfigurableModuleBuilder,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { HubRuntime } from '../hub-runtime';
import {
  BROKER_CONNECTION,
  BROKER_STATE,
  CONNECTOR_SLOTS,
  HUB_CONFIG,
  HUB_ENV,
  HUB_VERSION,
  INGRESS_LOAD,
  LOGGER,
  MAPPINGS,
  METRICS,
  PIPELINE_THREAD,
  PUBLISHER,
  SCORER,
  STORE,
  TOPOLOGY,
} from './core.tokens';

/**
 * The infrastructure built before NestJS starts (createRuntime: config, broker connection with
 * its topology, publisher, store), so an unreachable broker or a bad config file is one clear line
 * rather than a stack trace from inside DI.
 */
const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: CORE_INFRA } =
  new ConfigurableModuleBuilder<HubRuntime>().setClassMethodName('forRoot').build();

/** Each part of the infrastructure under its own token (core.tokens.ts). */
const PARTS = [
  [HUB_ENV, (i: HubRuntime) => i.env],
  [HUB_CONFIG, (i: HubRuntime) => i.config],
  [HUB_VERSION, (i: HubRuntime) => i.version],
  [LOGGER, (i: HubRuntime) => i.logger],
  [METRICS, (i: HubRuntime) => i.metrics],
  [BROKER_CONNECTION, (i: HubRuntime) => i.connection],
  [BROKER_STATE, (i: HubRuntime) => i.state],
  [PUBLISHER, (i: HubRuntime) => i.publisher],
  [TOPOLOGY, (i: HubRuntime) => i.topology],
  [STORE, (i: HubRuntime) => i.store],
  [MAPPINGS, (i: HubRuntime) => i.mappings],
  [SCORER, (i: HubRuntime) => i.scorer],
  [CONNECTOR_SLOTS, (i: HubRuntime) => i.connectors],
  [PIPELINE_THREAD, (i: HubRuntime) => i.pipelineThread ?? null],
  [INGRESS_LOAD, (i: HubRuntime) => i.ingressLoad],
] as const;

/**
 * Closes the publisher, the broker connection and then the store. CoreModule is global, so NestJS
 * runs its shutdown hook after every feature module's: HTTP has stopped, pollers stopped, the
 * worker drained (their `beforeApplicationShutdown`), then the broker closes, then the store.
 */
@Injectable()
class InfraCloser implements OnApplicationShutdown {
  constructor(@Inject(CORE_INFRA) private readonly infra: HubRuntime) {}
  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.infra.close();
    this.infra.logger.info(
      { signal },
      'stopped: in-flight work finished and acknowledged, broker connection closed',
    );
  }
}

/**
 * Shared infrastructure for every feature module: config, environment, logger, metrics, broker
 * connection, publisher, topology, store, mappings, scorer and the connector instances. Feature
 * modules inject the tokens they use; this module owns closing them.
 */
@Global()
@Module({
  providers: [
    ...PARTS.map(([provide, part]) => ({ provide, useFactory: part, inject: [CORE_INFRA] })),
    InfraCloser,
  ],
  exports: PARTS.map(([token]) => token),
})
export class CoreModule extends ConfigurableModuleClass {}
