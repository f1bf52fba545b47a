import { storeReadiness, type ExceptionStore } from '@exhub/store';
import type { ConfirmPublisher, ManagedConnection, Topology } from '@exhub/messaging';
import type { BrokerState } from '../core/core.tokens';

/** One readiness check of /health/ready. */
export interface Check {
  ok: boolean;
  detail: string;
}

export interface InfraParts {
  connection: ManagedConnection;
  state: BrokerState;
  publisher: ConfirmPublisher;
  topology: Topology;
  store: ExceptionStore;
}

/**
 * The checks every hub process (and the pipeline worker thread, for its own connections) makes:
 * the broker confirms publishes, the topology is declared on the current connection, the store
 * answers.
 */
export async function infraChecks(parts: InfraParts): Promise<Record<string, Check>> {
  const { publisher, state, topology, connection, store } = parts;
  const notConfirming = publisher.ready
    ? publisher.confirmStall()
    : (publisher.notReadyReason ?? 'unknown');
  return {
    broker:
      notConfirming === undefined
        ? { ok: true, detail: 'connected; publishes are confirmed' }
        : { ok: false, detail: `cannot confirm publishes: ${notConfirming}` },
    topology: state.topologyDeclared
      ? { ok: true, detail: `declared with prefix "${topology.names.prefix}"` }
      : {
          ok: false,
          detail: `not declared (${connection.downReason ?? 'declaring'}); retried on reconnect`,
        },
    store: await storeReadiness(store),
  };
}
