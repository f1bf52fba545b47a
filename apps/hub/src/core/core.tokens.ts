/**
 * Injection tokens of the hub's shared infrastructure (CoreModule). One token per thing, so a
 * provider's constructor says exactly what it uses; there is no object that hands out everything.
 */
import type { ConnectorSlot } from '../connectors/connector-types';

/** `EnvSettings`: the environment as parsed at start (EXHUB_*, AMQP_URL, PORT, …). */
export const HUB_ENV = Symbol('HUB_ENV');
/** `HubConfig`: exhub.config.yaml as validated at start. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');
/** `string`: the hub's package version (lineage `connectorVersion`, metrics, docs). */
export const HUB_VERSION = Symbol('HUB_VERSION');
/** `Logger` (pino). */
export const LOGGER = Symbol('LOGGER');
/** `HubMetrics`: the Prometheus registry and the metric catalogue. */
export const METRICS = Symbol('METRICS');
/** `ManagedConnection`: the broker connection; recovers by itself and re-declares the topology. */
export const BROKER_CONNECTION = Symbol('BROKER_CONNECTION');
/** `BrokerState`: whether the topology is declared on the current connection. */
export const BROKER_STATE = Symbol('BROKER_STATE');
/** `ConfirmPublisher`: the one publisher with confirms. */
export const PUBLISHER = Symbol('PUBLISHER');
/** `Topology`: exchange and queue names (EXHUB_TOPOLOGY_PREFIX). */
export const TOPOLOGY = Symbol('TOPOLOGY');
/** `ExceptionStore`: exceptions, versions, audit, dedupe, cursors (EXHUB_STORE_URL). */
export const STORE = Symbol('STORE');
/** `MappingRegistry`: the live mappings (hot reloaded). */
export const MAPPINGS = Symbol('MAPPINGS');
/** `PolicyScorer`: the live priority policy (hot reloaded). */
export const SCORER = Symbol('SCORER');
/** `ConnectorSlots`: every connector instance of the config file, by id. */
export const CONNECTOR_SLOTS = Symbol('CONNECTOR_SLOTS');

/**
 * `RemotePipeline | null`: the pipeline worker running in a worker thread of this process
 * (EXHUB_WORKER_THREAD), asked for its readiness and metrics; null when it runs here or elsewhere.
 */
export const PIPELINE_THREAD = Symbol('PIPELINE_THREAD');

/**
 * `IngressLoad`: the webhooks being handled now, shared with the pipeline worker thread (it yields
 * to them: EXHUB_INGRESS_FIRST).
 */
export const INGRESS_LOAD = Symbol('INGRESS_LOAD');

export type ConnectorSlots = Map<string, ConnectorSlot>;
export interface BrokerState {
  topologyDeclared: boolean;
}
