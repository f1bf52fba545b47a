import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  type PollingConnector,
  PollRunner,
  type PollOutcome,
  ConnectorRegistry,
} from '@exhub/connector-sdk';
import { sourceEventPublishOptions, type ConfirmPublisher, type Topology } from '@exhub/messaging';
import { storeCursors, type ExceptionStore } from '@exhub/store';
import { SourceEventIngress } from '../ingest/source-event-ingress';
import { POLL_CONNECTOR_TYPES } from './connector-types';
import type { HubMetrics, Logger } from '@exhub/observability';
import {
  CONNECTOR_SLOTS,
  LOGGER,
  METRICS,
  PUBLISHER,
  STORE,
  TOPOLOGY,
  type ConnectorSlots,
} from '../core/core.tokens';
import { CONNECTORS_OPTIONS, type ConnectorsOptions } from './connectors.options';
import { MS_PER_SECOND } from '@exhub/core';

/** A polled event's payload is the connector's JSON value. */
const POLLED_CONTENT_TYPE = 'application/json';
/**
 * A scheduled tick skips the poll when the source's cursor was checkpointed (by any process) less
 * than this share of the interval ago: timers of several processes drift, and without it each
 * process would poll once per interval, not the source once per interval.
 */
const RECENT_POLL_SHARE = 0.9;

/** What a poll attempt did on this process. */
export type ScheduledPollOutcome =
  | PollOutcome
  /** Another hub process holds the poll lock (PostgreSQL): it is polling this source now. */
  | { status: 'locked_elsewhere' }
  /** A scheduled tick found the source polled within this interval (by any process). */
  | { status: 'polled_recently'; lastPollAt: string };

/** One polled instance run by this process. */
export interface PollSlot {
  connector: PollingConnector;
  runner: PollRunner;
  intervalSeconds: number;
  /** The connection check's answer, once it came. */
  connection?: { ok: boolean; detail: string };
  /** The last time this process found another process polling the source. */
  lockedElsewhereAt?: string;
}

/**
 * Runs the polling connector instances of exhub.config.yaml (ingress role): one PollRunner each,
 * scheduled here (the hub's one poll scheduler), publishing through the one ingress,
 * cursors in the store (EXHUB_STORE_URL). Every poll runs under the store's per-connector poll
 * lock: with PostgreSQL a session advisory lock, so when several hub processes share one database
 * a source is polled by one process at a time, and a scheduled tick also skips when any process
 * checkpointed the source within this interval (once per interval across processes); with SQLite
 * (one process) it just runs. Publishes go through the hub's confirm publisher to exhub.ingress; a
 * runner pauses while the broker cannot confirm or the connector's breaker is open. Readiness
 * shows each instance's breaker and last error.
 */
@Injectable()
export class PollSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly runners = new Map<string, PollRunner>();
  readonly slots = new Map<string, PollSlot>();
  /** The polled connector instances, provided to the rest of the hub under `CONNECTORS`. */
  readonly registry = new ConnectorRegistry();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly ticking = new Set<Promise<unknown>>();
  /** Instances this process is polling right now (under the lock). */
  private readonly polling = new Set<string>();
  private stopped = false;

  constructor(
    @Inject(CONNECTORS_OPTIONS) private readonly options: ConnectorsOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(STORE) private readonly store: ExceptionStore,
    @Inject(CONNECTOR_SLOTS) private readonly connectors: ConnectorSlots,
    private readonly ingress: SourceEventIngress,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.poll) {
      for (const slot of this.connectors.values()) {
        if (slot.polled)
          slot.check = () => ({ ok: true, detail: 'polled by ingress-role processes' });
      }
      return;
    }
    const store = storeCursors(this.store);
    for (const slot of this.connectors.values()) {
      if (!slot.polled) continue;
      const { instance } = slot;
      const log = this.logger.child({ connector: instance.id });
      // The setting, or its type's schema default (buildConnectors applied it): never a constant.
      const seconds = Number(instance.settings.pollIntervalSeconds);
      if (!(seconds > 0)) {
        const detail = `settings.pollIntervalSeconds is not set and connectors/${instance.type}'s settings schema declares no default: set it in exhub.config.yaml`;
        slot.check = () => ({ ok: false, detail });
        log.warn(detail);
        continue;
      }
      let connector: PollingConnector;
      try {
        connector = await POLL_CONNECTOR_TYPES[instance.type](instance, this.metrics);
      } catch (err) {
        slot.check = () => ({ ok: false, detail: (err as Error).message });
        log.warn({ err: (err as Error).message }, `connector ${instance.id} cannot start`);
        continue;
      }
      this.registry.register(connector);
      const runner = new PollRunner({
        connector,
        store,
        publisher: this.publisher,
        // The one ingress: the same span, traceparent, dedupe, headers and metrics as a webhook.
        publishEvent: (event, receivedAtMs) =>
          this.ingress.publishSourceEvent({
            connector,
            origin: 'poll',
            read: () => ({
              objectType: event.objectType,
              sourceEventId: event.sourceEventId,
              correlationId: event.correlationId,
              body: Buffer.from(JSON.stringify(event.payload)),
              contentType: POLLED_CONTENT_TYPE,
              receivedAtMs,
            }),
          }),
        publishOptions: sourceEventPublishOptions,
        metrics: this.metrics,
        // A page the connector refuses as malformed is recorded in the DLQ with its reason.
        deadLetterExchange: this.topology.names.dlx,
        onError: (err) =>
          log.warn(
            { err: err.message, errorClass: (err as { errorClass?: string }).errorClass },
            'poll failed',
          ),
      });
      const polled: PollSlot = { connector, runner, intervalSeconds: seconds };
      void connector.checkConnection().then((c) => {
        polled.connection = c;
        if (c.ok) log.info(`connector ${instance.id}: connection check passed (${c.detail})`);
        else log.warn(`connector ${instance.id}: connection check failed: ${c.detail}`);
      });
      slot.check = () => {
        const breaker = connector.breakerState?.() ?? 'closed';
        const last = runner.status.lastError;
        const connection = polled.connection;
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
      this.slots.set(instance.id, polled);
      this.schedule(instance.id, 0);
      log.info({ intervalSeconds: seconds }, `polling connector ${instance.id} started`);
    }
  }

  /**
   * Polls one instance now under its poll lock (`POST /v1/connectors/:id/poll`): no "recently
   * polled" skip, but never while another process polls it. Undefined when this process does not
   * run the instance. Rejects with the poll's error.
   */
  pollNow(connectorId: string): Promise<ScheduledPollOutcome> | undefined {
    const slot = this.slots.get(connectorId);
    if (!slot || this.stopped) return undefined;
    return this.pollLocked(slot, false);
  }

  private async pollLocked(slot: PollSlot, scheduled: boolean): Promise<ScheduledPollOutcome> {
    const id = slot.connector.id;
    // This process's own poll holds the lock on another pooled connection: say so, not "elsewhere".
    if (this.polling.has(id)) return { status: 'busy' };
    this.polling.add(id);
    try {
      return await this.pollUnderLock(slot, scheduled);
    } finally {
      this.polling.delete(id);
    }
  }

  private async pollUnderLock(slot: PollSlot, scheduled: boolean): Promise<ScheduledPollOutcome> {
    const id = slot.connector.id;
    const result = await this.store.withPollLock(id, async (): Promise<ScheduledPollOutcome> => {
      if (scheduled) {
        const cursor = await this.store.getCursor(id);
        const since = cursor ? Date.now() - Date.parse(cursor.updatedAt) : Infinity;
        if (since < slot.intervalSeconds * MS_PER_SECOND * RECENT_POLL_SHARE) {
          return { status: 'polled_recently', lastPollAt: cursor!.updatedAt };
        }
      }
      return slot.runner.pollNow();
    });
    if (result.ran) return result.value;
    slot.lockedElsewhereAt = new Date().toISOString();
    return { status: 'locked_elsewhere' };
  }

  /** The next scheduled tick, `delayMs` from now; one timer per instance, never overlapping. */
  private schedule(connectorId: string, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      const slot = this.slots.get(connectorId);
      if (!slot || this.stopped) return;
      const tick = this.pollLocked(slot, true)
        .catch((err: Error) => {
          // The runner has reported a poll error itself (onError); this is the lock or the store.
          if (!slot.runner.status.lastError || slot.runner.status.lastError.message !== err.message)
            this.logger.warn(
              { connector: connectorId, err: err.message },
              'scheduled poll could not run',
            );
        })
        .finally(() => {
          this.ticking.delete(tick);
          this.schedule(connectorId, slot.intervalSeconds * MS_PER_SECOND);
        });
      this.ticking.add(tick);
    }, delayMs);
    this.timers.set(connectorId, timer);
  }

  /** Before the broker connection closes (RuntimeCloser runs at application shutdown). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    await Promise.all([...this.ticking]);
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    await this.registry.closeAll();
  }
}
