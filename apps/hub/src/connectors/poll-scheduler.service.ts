import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { PollingConnector } from '../../../../libs/connector-sdk/src/connector';
import {
  DEFAULT_CURSOR_FILE,
  FileCursorStore,
} from '../../../../libs/connector-sdk/src/cursor-store';
import { PollRunner } from '../../../../libs/connector-sdk/src/poll-runner';
import { ConnectorRegistry } from '../../../../libs/connector-sdk/src/registry';
import { sourceEventPublishOptions } from '../../../../libs/messaging/src';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { POLL_CONNECTOR_TYPES } from './connector-types';

/** Seconds between polls when an instance does not say (`settings.pollIntervalSeconds`). */
const DEFAULT_POLL_INTERVAL_SECONDS = 60;
const MS_PER_SECOND = 1000;

/**
 * Runs the polling connector instances of exhub.config.yaml (ingress role): one PollRunner each,
 * cursors in EXHUB_CURSOR_FILE [data/cursors.json]. Publishes go through the hub's confirm
 * publisher to exhub.ingress; a runner pauses while the broker cannot confirm or the connector's
 * breaker is open. Readiness shows each instance's breaker and last error.
 */
@Injectable()
export class PollSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly runners = new Map<string, PollRunner>();
  /** The polled connector instances, provided to the rest of the hub under `CONNECTORS`. */
  readonly registry = new ConnectorRegistry();

  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.rt.env.roles.has('ingress')) {
      for (const slot of this.rt.connectors.values()) {
        if (slot.polled)
          slot.check = () => ({ ok: true, detail: 'polled by ingress-role processes' });
      }
      return;
    }
    const store = new FileCursorStore(process.env.EXHUB_CURSOR_FILE || DEFAULT_CURSOR_FILE);
    for (const slot of this.rt.connectors.values()) {
      if (!slot.polled) continue;
      const { instance } = slot;
      const log = this.rt.logger.child({ connector: instance.id });
      let connector: PollingConnector;
      try {
        connector = await POLL_CONNECTOR_TYPES[instance.type](instance, this.rt.metrics);
      } catch (err) {
        slot.check = () => ({ ok: false, detail: (err as Error).message });
        log.warn({ err: (err as Error).message }, `connector ${instance.id} cannot start`);
        continue;
      }
      this.registry.register(connector);
      let connection: { ok: boolean; detail: string } | undefined;
      void connector.checkConnection().then((c) => {
        connection = c;
        if (c.ok) log.info(`connector ${instance.id}: connection check passed (${c.detail})`);
        else log.warn(`connector ${instance.id}: connection check failed: ${c.detail}`);
      });
      const seconds = Number(
        instance.settings.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS,
      );
      const runner = new PollRunner({
        connector,
        store,
        publisher: this.rt.publisher,
        exchange: this.rt.topology.names.ingress,
        publishOptions: sourceEventPublishOptions,
        intervalMs: seconds * MS_PER_SECOND,
        metrics: this.rt.metrics,
        onError: (err) =>
          log.warn(
            { err: err.message, errorClass: (err as { errorClass?: string }).errorClass },
            'poll failed',
          ),
      });
      slot.check = () => {
        const breaker = connector.breakerState?.() ?? 'closed';
        const last = runner.status.lastError;
        if (connection && !connection.ok && !runner.status.lastSuccessAt) {
          return { ok: false, detail: `connection check failed: ${connection.detail}` };
        }
        if (breaker === 'open') {
          return {
            ok: false,
            detail: `circuit breaker open: ${last?.message ?? 'repeated failures'}`,
          };
        }
        return {
          ok: true,
          detail:
            `polling every ${seconds} s; breaker ${breaker}` +
            (runner.status.lastSuccessAt ? `; last success ${runner.status.lastSuccessAt}` : '') +
            (last ? `; last error ${last.errorClass}: ${last.message}` : ''),
        };
      };
      this.runners.set(instance.id, runner);
      runner.start();
      log.info({ intervalSeconds: seconds }, `polling connector ${instance.id} started`);
    }
  }

  /** Before the broker connection closes (RuntimeCloser runs at application shutdown). */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    await this.registry.closeAll();
  }
}
