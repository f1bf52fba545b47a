import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import {
  HEADER,
  headerString,
  startConsumer,
  type Consumer,
  type ConfirmPublisher,
  type ManagedConnection,
  type Topology,
} from '@exhub/messaging';
import type { HubMetrics, Logger } from '@exhub/observability';
import type { DeadLetterRecord, ExceptionStore } from '@exhub/store';
import {
  BROKER_CONNECTION,
  LOGGER,
  METRICS,
  PUBLISHER,
  STORE,
  TOPOLOGY,
} from '../core/core.tokens';
import { OPS_OPTIONS, type OpsOptions } from './ops.options';
import { MS_PER_SECOND } from '@exhub/core';

/** Ledger copies are tiny and each is one insert: a few in flight are plenty. */
const LEDGER_PREFETCH = 16;
/** Attempts to record one copy before giving up on it (the dead letter itself stays in the DLQ). */
const LEDGER_ATTEMPTS = 3;
const LEDGER_BACKOFF_MS = 500;
/**
 * When a dead letter entered the DLQ: the hub's `x-exhub-dead-lettered-at`; for one the broker
 * dead-lettered (work queue delivery limit), the newest `x-death` time; else now (the ledger copy
 * is consumed as it arrives, so now is late by the ledger's own backlog at most).
 */
export function deadLetterEntry(
  msg: Pick<ConsumeMessage, 'properties'>,
  now: Date,
): DeadLetterRecord {
  const headers = msg.properties.headers as Record<string, unknown> | undefined;
  const stamped = headerString(headers, HEADER.deadLetteredAt);
  const deadAt =
    (stamped && !Number.isNaN(Date.parse(stamped)) ? new Date(stamped) : undefined) ??
    xDeathTime(headers?.['x-death']) ??
    now;
  return {
    key: (msg.properties.messageId as string | undefined) ?? `no-message-id:${randomUUID()}`,
    deadAt,
    connectorId: headerString(headers, HEADER.connector),
    errorClass: headerString(headers, HEADER.errorClass),
  };
}

/** The broker's `x-death[0].time` (AMQP timestamp, seconds), however the client decoded it. */
function xDeathTime(xDeath: unknown): Date | undefined {
  if (!Array.isArray(xDeath) || xDeath.length === 0) return undefined;
  const time = (xDeath[0] as { time?: unknown }).time;
  const raw =
    time instanceof Date
      ? time.getTime() / MS_PER_SECOND
      : typeof time === 'object' && time !== null && 'value' in time
        ? Number((time as { value: unknown }).value)
        : Number(time);
  return Number.isFinite(raw) && raw > 0 ? new Date(raw * MS_PER_SECOND) : undefined;
}

export interface LedgerDeps {
  store: Pick<ExceptionStore, 'recordDeadLetter'>;
  metrics: Pick<HubMetrics, 'dlqLedgerErrors'>;
  logger: Logger;
  now?: () => Date;
  backoffMs?: number;
}

/**
 * Records one ledger copy and always acknowledges it: a copy that cannot be recorded after a few
 * attempts is counted and logged (the age may then be understated), never retried through the
 * hub's retry tiers (they lead to the work queue) nor dead-lettered (that would copy it again).
 */
export async function recordLedgerCopy(
  deps: LedgerDeps,
  msg: ConsumeMessage,
): Promise<{ kind: 'ack' }> {
  const entry = deadLetterEntry(msg, (deps.now ?? (() => new Date()))());
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.store.recordDeadLetter(entry);
      return { kind: 'ack' };
    } catch (err) {
      if (attempt >= LEDGER_ATTEMPTS) {
        deps.metrics.dlqLedgerErrors.inc();
        deps.logger.warn(
          { err: (err as Error).message, messageId: entry.key },
          'could not record a dead letter in the ledger: exhub_dlq_oldest_message_age_seconds may be understated',
        );
        return { kind: 'ack' };
      }
      await new Promise((r) => setTimeout(r, (deps.backoffMs ?? LEDGER_BACKOFF_MS) * attempt));
    }
  }
}

/**
 * Turns the DLQ depth of each queue-depth round into exhub_dlq_oldest_message_age_seconds (see
 * libs/store/src/dead-letters.repo.ts for why depth + ledger is enough).
 */
export function dlqAgeUpdater(
  store: Pick<ExceptionStore, 'oldestDeadLetter'>,
  metrics: Pick<HubMetrics, 'dlqOldestMessageAge' | 'dlqLedgerErrors'>,
  logger: Logger,
  now: () => number = Date.now,
): (depths: ReadonlyMap<string, number>) => Promise<void> {
  return async (depths) => {
    const depth = depths.get('dlq');
    if (depth === undefined) return;
    try {
      const oldest = await store.oldestDeadLetter(depth);
      metrics.dlqOldestMessageAge.set(
        oldest ? Math.max(0, (now() - oldest.getTime()) / MS_PER_SECOND) : 0,
      );
    } catch (err) {
      metrics.dlqLedgerErrors.inc();
      logger.warn({ err: (err as Error).message }, 'could not read the dead-letter ledger');
    }
  };
}

/** Consumes exhub.dlq.ledger in worker (`pipeline` role) processes; several may compete. */
@Injectable()
export class DlqLedgerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: Consumer;

  constructor(
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(BROKER_CONNECTION) private readonly connection: ManagedConnection,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(STORE) private readonly store: ExceptionStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.dlqLedger) return;
    const queue = this.topology.names.dlqLedger;
    const deps: LedgerDeps = {
      store: this.store,
      metrics: this.metrics,
      logger: this.logger.child({ component: 'dlq-ledger' }),
    };
    this.consumer = await startConsumer(this.connection, {
      queue,
      prefetch: LEDGER_PREFETCH,
      handler: (msg) => recordLedgerCopy(deps, msg),
      publisher: this.publisher,
      topology: this.topology,
      onError: (error, msg) =>
        this.logger.warn({ queue, messageId: msg?.properties.messageId }, error.message),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.cancel();
  }
}
