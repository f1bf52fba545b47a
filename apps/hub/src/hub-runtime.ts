import { join } from 'node:path';
import type { ChannelModel } from 'amqplib';
import type { ConnectorInstanceConfig, EnvSettings, HubConfig } from '../../../libs/config/src';
import { DEFAULT_RETRY_AFTER_SECONDS, loadHubConfig } from '../../../libs/config/src';
import { MappingRegistry } from '../../../libs/mapping/src';
import {
  ConfirmPublisher,
  buildTopology,
  connectAmqp,
  declareTopology,
  type Topology,
} from '../../../libs/messaging/src';
import { HubMetrics, createLogger, type Logger } from '../../../libs/observability/src';
import { PolicyScorer, loadPolicyFile } from '../../../libs/prioritization/src';
import { buildConnectors, type ConnectorSlot } from './connectors/connector-types';

export const HUB_RUNTIME = Symbol('HUB_RUNTIME');
/** Messages the pipeline worker holds unacknowledged at once. */
export const DEFAULT_PREFETCH = 32;

/**
 * Everything the hub's parts share, built before NestJS starts so that an unreachable broker or
 * an invalid config file is reported in one clear line rather than a stack trace from inside DI.
 */
export interface HubRuntime {
  version: string;
  env: EnvSettings;
  config: HubConfig;
  logger: Logger;
  metrics: HubMetrics;
  connection: ChannelModel;
  publisher: ConfirmPublisher;
  topology: Topology;
  mappings: MappingRegistry;
  scorer: PolicyScorer;
  connectors: Map<string, ConnectorSlot>;
  state: { topologyDeclared: boolean };
  prefetch: number;
  retryAfterSeconds: number;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  /** Replaces the config file's connector instances (tests). */
  connectors?: ConnectorInstanceConfig[];
  logger?: Logger;
}

export async function createRuntime(
  env: EnvSettings,
  version: string,
  overrides: RuntimeOverrides = {},
): Promise<HubRuntime> {
  const logger = overrides.logger ?? createLogger(env.logLevel);
  const config = loadHubConfig(env.configFile);
  if (overrides.connectors) config.connectors = overrides.connectors;
  const scorer = new PolicyScorer(loadPolicyFile(join(env.policiesDir, 'priority.yaml')));
  const mappings = await MappingRegistry.loadDir(env.mappingsDir);
  const connectors = await buildConnectors(config.connectors);
  for (const slot of connectors.values()) {
    if (slot.unavailable)
      logger.warn(
        { connector: slot.instance.id },
        `connector ${slot.instance.id} is not available: ${slot.unavailable}`,
      );
  }

  const metrics = new HubMetrics(version);
  const topology = buildTopology({ prefix: env.topologyPrefix });
  const state = { topologyDeclared: false };

  const connection = await connectAmqp(env.amqpUrl, { name: `exhub-hub ${version}` });
  let publisher: ConfirmPublisher;
  try {
    const channel = await connection.createChannel();
    await declareTopology(channel, topology);
    await channel.close();
    state.topologyDeclared = true;
    publisher = await ConfirmPublisher.create(connection);
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }

  return {
    version,
    env,
    config,
    logger,
    metrics,
    connection,
    publisher,
    topology,
    mappings,
    scorer,
    connectors,
    state,
    prefetch: DEFAULT_PREFETCH,
    retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
    async close() {
      await publisher.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}
