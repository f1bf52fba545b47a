import { join } from 'node:path';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import {
  type ConnectorInstanceConfig,
  type EnvSettings,
  type HubConfig,
  DEFAULT_RETRY_AFTER_SECONDS,
  loadHubConfig,
} from '@exhub/config';
import { MS_PER_SECOND } from '@exhub/core';
import { evaluationCounts, MappingRegistry } from '@exhub/mapping';
import {
  ConfirmPublisher,
  ManagedConnection,
  buildTopology,
  declareTopology,
  type Topology,
} from '@exhub/messaging';
import { HubMetrics, createLogger, type Logger } from '@exhub/observability';
import {
  PolicyScorer,
  TIER_ORDER,
  loadPolicyFile,
  type PriorityPolicy,
  durationMs,
} from '@exhub/prioritization';
import {
  WEBHOOK_EVENT_PURGE_INTERVAL_MS,
  openStore,
  type ExceptionStore,
  type WriteGate,
} from '@exhub/store';
import { buildConnectors, type ConnectorSlot } from './connectors/connector-types';
import { IngressLoad } from './ingest/ingress-load';

/**
 * The hub's shared infrastructure, built before NestJS starts so that an unreachable broker or an
 * invalid config file is reported in one clear line rather than a stack trace from inside DI.
 * It is handed to CoreModule, which provides each member under its own token (core/core.tokens.ts);
 * no provider receives this object itself. Tests build it to reach the store and the topology.
 */
export interface HubRuntime {
  version: string;
  env: EnvSettings;
  config: HubConfig;
  logger: Logger;
  metrics: HubMetrics;
  /** Recovers by itself; re-declares the topology on every reconnect. */
  connection: ManagedConnection;
  publisher: ConfirmPublisher;
  topology: Topology;
  mappings: MappingRegistry;
  scorer: PolicyScorer;
  connectors: Map<string, ConnectorSlot>;
  /** Exceptions, versions, audit trail, webhook dedupe (EXHUB_STORE_URL). */
  store: ExceptionStore;
  state: { topologyDeclared: boolean };
  /** `Retry-After` (seconds) of the ingress's 503 answers. */
  retryAfterSeconds: number;
  /**
   * The pipeline worker when it runs in a worker thread of this process (EXHUB_WORKER_THREAD=on,
   * set by main.ts before the app is built): /health/ready and /metrics include its own.
   */
  pipelineThread?: RemotePipeline;
  /**
   * The webhooks being handled now: counted by the ingress, read by the pipeline worker, which
   * yields to them (EXHUB_INGRESS_FIRST); one counter for the process, shared with its thread.
   */
  ingressLoad: IngressLoad;
  close(): Promise<void>;
}

export interface ThreadReadiness {
  pipeline: { ok: boolean; detail: string };
  store?: { ok: boolean; detail: string };
}

/** A pipeline worker in another thread of this process, as HTTP sees it. */
export interface RemotePipeline {
  /**
   * Its readiness: `pipeline`, one check of its broker connection, topology, store connection
   * and consumer; `store`, its own store check when it has one (the store is shared: a write
   * failure only the thread met, e.g. a full disk, is the store's).
   */
  readiness(): Promise<ThreadReadiness>;
  /**
   * Why its store connection cannot write now (a full disk), as the thread reported it within the
   * last 30 s (STORE_WRITE_FAILURE_FRESH_MS); undefined while its writes work, after it wrote
   * successfully, or when no thread runs. Synchronous: ingress asks per webhook.
   */
  storeWriteFailure(): string | undefined;
  /** Its registry's metrics (prom-client JSON), or undefined when it cannot answer now. */
  metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[] | undefined>;
}

export interface RuntimeOverrides {
  /** Replaces the config file's connector instances (tests). */
  connectors?: ConnectorInstanceConfig[];
  logger?: Logger;
  /** The process's counter (the pipeline worker thread gets the main thread's); default a new one. */
  ingressLoad?: IngressLoad;
  /**
   * The process's SQLite write gate, shared by the HTTP and the pipeline worker thread (the
   * thread gets the main thread's); none by default (one thread writes).
   */
  writeGate?: WriteGate;
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
  const mappings = await MappingRegistry.loadDir(env.mappingsDir, { limits: env.mappingLimits });
  const connectors = await buildConnectors(config.connectors);
  for (const slot of connectors.values()) {
    if (slot.unavailable)
      logger.warn(
        { connector: slot.instance.id },
        `connector ${slot.instance.id} is not available: ${slot.unavailable}`,
      );
  }

  const metrics = new HubMetrics(version);
  metrics.mappingEvaluationSource = () => evaluationCounts;
  reportSlaTargets(metrics, scorer.policy.policy);
  const topology = buildTopology({
    prefix: env.topologyPrefix,
    ...(env.retryDelaysMs ? { retryDelaysMs: env.retryDelaysMs } : {}),
  });
  const state = { topologyDeclared: false };

  const connection = await ManagedConnection.open(env.amqpUrl, {
    name: `exhub-hub ${version}`,
    // Runs before any channel is handed out on a new connection, so the publisher and the
    // consumer never use a connection whose topology is not (re-)declared.
    setup: async (model) => {
      const channel = await model.createChannel();
      await declareTopology(channel, topology);
      await channel.close();
      state.topologyDeclared = true;
    },
  });
  followConnection(connection, state, logger, metrics);
  let publisher: ConfirmPublisher;
  try {
    publisher = await ConfirmPublisher.create(connection);
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
  let store: ExceptionStore;
  try {
    store = await openStore(env.storeUrl, {
      sqliteCheckpoint: env.sqliteCheckpoint,
      pgNamedStatements: env.pgNamedStatements,
      writeGate: overrides.writeGate,
    });
    if (overrides.writeGate) {
      overrides.writeGate.onWaited = (ms) => metrics.storeWriteWait.inc(ms / MS_PER_SECOND);
      overrides.writeGate.onSkipped = () => metrics.storeWriteTurnsSkipped.inc();
    }
  } catch (err) {
    await publisher.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    throw err;
  }
  // Expired webhook event ids are deleted in the background; a failure only delays it.
  const purge = setInterval(() => {
    store
      .purgeWebhookEvents()
      .catch((err: Error) =>
        logger.warn({ err: err.message }, 'purging expired webhook event ids failed'),
      );
  }, WEBHOOK_EVENT_PURGE_INTERVAL_MS);
  purge.unref();

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
    store,
    state,
    retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
    ingressLoad: overrides.ingressLoad ?? new IngressLoad(),
    async close() {
      await publisher.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      clearInterval(purge);
      await store.close().catch(() => undefined);
    },
  };
}

/** The policy's SLA target per tier as `exhub_sla_target_seconds`: at start and at every policy reload. */
export function reportSlaTargets(metrics: HubMetrics, policy: PriorityPolicy): void {
  for (const tier of TIER_ORDER) {
    metrics.slaTargetSeconds.set({ tier }, durationMs(policy.tiers[tier].slaTarget) / 1000);
  }
}

/** One log line per connection transition, and the broker metrics. */
function followConnection(
  connection: ManagedConnection,
  state: { topologyDeclared: boolean },
  logger: Logger,
  metrics: HubMetrics,
): void {
  const log = logger.child({ component: 'broker', amqp: connection.url });
  connection.on('disconnected', (error) => {
    // Until setup ran again on the next connection, the topology is not known to be there.
    state.topologyDeclared = false;
    metrics.brokerBlocked.set(0);
    log.warn(
      { err: error.message },
      'broker connection lost: ingress answers 503, reconnecting with backoff',
    );
  });
  connection.on('reconnect-scheduled', ({ attempt, delayMs, error }) => {
    log.debug({ attempt, delayMs, err: error.message }, 'broker reconnect attempt scheduled');
  });
  connection.on('connected', ({ reconnect, downForMs }) => {
    if (!reconnect) return;
    metrics.brokerReconnects.inc();
    log.info(
      { downForMs, reconnects: connection.reconnects },
      'broker connection recovered: topology re-declared',
    );
  });
  connection.on('blocked', (reason) => {
    metrics.brokerBlocked.set(1);
    log.warn({ reason }, 'broker blocked the connection (resource alarm): ingress answers 503');
  });
  connection.on('unblocked', () => {
    metrics.brokerBlocked.set(0);
    log.info('broker unblocked the connection: publishing again');
  });
}
