import { createHash, randomUUID } from 'node:crypto';
import type { Options } from 'amqplib';
import type { PolledEvent, PollingConnector, RejectedRecord } from './connector';
import type { CursorStore } from './cursor-store';
import { HubError } from '@exhub/core';
import { describeRejection } from './record-screen';
import type { SourceEventMeta } from '@exhub/core';
import { MS_PER_SECOND } from '@exhub/core';

/** What the runner needs from libs/messaging's ConfirmPublisher. */
export interface ConfirmingPublisher {
  readonly ready: boolean;
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options?: Options.Publish,
  ): Promise<void>;
}

/** The two poll metrics (exhub_connector_poll_lag_seconds, exhub_connector_cursor_age_seconds). */
export interface PollMetrics {
  connectorPollLag: { set(labels: { connector: string }, value: number): void };
  connectorCursorAge: { set(labels: { connector: string }, value: number): void };
}

export interface PollRunnerOptions {
  connector: PollingConnector;
  store: CursorStore;
  /** The broker's confirm publisher: its `ready` pauses polling; refused pages go through it. */
  publisher: ConfirmingPublisher;
  /**
   * Publishes one polled event to exhub.ingress and resolves once the broker confirmed: the hub's
   * one ingress (apps/hub/src/ingest/source-event-ingress.ts), the same as for webhooks.
   */
  publishEvent(event: PolledEvent, receivedAtMs: number): Promise<unknown>;
  /** libs/messaging `sourceEventPublishOptions` (passed in: the SDK does not import messaging). */
  publishOptions: (meta: SourceEventMeta) => Options.Publish;
  /** Pages read back to back in one tick before yielding to the next interval. */
  maxPagesPerTick?: number;
  metrics?: PollMetrics;
  /**
   * `exhub.dlx` (with the topology prefix). When set, a page the connector refuses as
   * INVALID_PAYLOAD is recorded there, once per cursor and reason, so it shows in the DLQ with
   * its reason instead of only in a log line (see `deadLetterPage`).
   */
  deadLetterExchange?: string;
  onError?: (err: HubError | Error) => void;
  now?: () => number;
}

export type PollOutcome =
  | { status: 'polled'; published: number; pages: number; rejected: number }
  | { status: 'busy' | 'paused_broker' | 'paused_breaker' };

export interface PollStatus {
  lastSuccessAt?: string;
  lastError?: { errorClass: string; message: string; at: string };
  published: number;
  /** Records set aside one by one (dead-lettered, or reported when there is no DLX). */
  rejected: number;
  paused?: 'broker' | 'breaker';
}

const DEFAULT_MAX_PAGES_PER_TICK = 20;
/** `x-exhub-object-type` of a refused page's dead letter: no mapping matches it. */
export const REFUSED_PAGE_OBJECT_TYPE = 'exhub.refused-page';
/** Longest error message carried in a dead letter's header (the body has the full issues). */
const MAX_HEADER_MESSAGE = 1000;
/** Set-aside records remembered so one read again is not dead-lettered again (oldest forgotten). */
const MAX_REMEMBERED_SET_ASIDE = 1000;

/**
 * Runs one polling connector when asked (the hub's PollSchedulerService is the one scheduler):
 * one poll in flight at a time; each page's events published through `publishEvent` with confirms, and the cursor saved only after EVERY publish of that page was
 * confirmed (at-least-once: a crash in between re-reads the page; downstream ids are
 * deterministic, so a re-read yields the same exceptions). Pauses while the broker cannot confirm
 * (`publisher.ready` false) or the connector's breaker is open.
 */
export class PollRunner {
  readonly status: PollStatus = { published: 0, rejected: 0 };
  private inFlight?: Promise<PollOutcome>;
  /** The cursor and reason of the last page recorded in the DLQ: recorded once, not every tick. */
  private lastRefusal?: string;
  /**
   * Records set aside and dead-lettered recently, by content: a record whose position the
   * connector cannot read (its update time is unreadable) is read again on the next poll, and is
   * dead-lettered once, not every tick, until it changes.
   */
  private readonly deadLettered = new Set<string>();

  constructor(private readonly o: PollRunnerOptions) {}

  get connectorId(): string {
    return this.o.connector.id;
  }

  /** Waits for the poll in flight, if any (at shutdown, after the scheduler stopped). */
  async stop(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  /** Polls now unless one is in flight (then answers `busy`). Rejects with the poll's error. */
  pollNow(): Promise<PollOutcome> {
    if (this.inFlight) return Promise.resolve({ status: 'busy' });
    this.inFlight = this.run().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async run(): Promise<PollOutcome> {
    const { connector, store, publisher } = this.o;
    const now = this.o.now ?? Date.now;
    this.updateLag(now());
    if (!publisher.ready) {
      this.status.paused = 'broker';
      return { status: 'paused_broker' };
    }
    if (connector.breakerState?.() === 'open') {
      this.status.paused = 'breaker';
      return { status: 'paused_breaker' };
    }
    this.status.paused = undefined;
    let cursor = await store.get(connector.id);
    let published = 0;
    let rejected = 0;
    let pages = 0;
    try {
      for (;;) {
        const page = await connector.poll(cursor);
        pages++;
        const setAside = page.rejected ?? [];
        await Promise.all([
          ...page.events.map((e) => this.publish(e, now())),
          ...setAside.map((r) => this.deadLetterRecord(r, now())),
        ]);
        published += page.events.length;
        rejected += setAside.length;
        this.status.published += page.events.length;
        this.status.rejected += setAside.length;
        await store.put(connector.id, page.nextCursor);
        cursor = page.nextCursor;
        this.updateCursorAge(page.events, now());
        if (!page.hasMore || pages >= (this.o.maxPagesPerTick ?? DEFAULT_MAX_PAGES_PER_TICK)) break;
        if (!publisher.ready) break;
      }
    } catch (err) {
      const e = err as HubError | Error;
      this.status.lastError = {
        errorClass: e instanceof HubError ? e.errorClass : 'TRANSIENT',
        message: e.message,
        at: new Date(now()).toISOString(),
      };
      if (e instanceof HubError && e.errorClass === 'INVALID_PAYLOAD') {
        await this.deadLetterPage(cursor, e, now()).catch((dlqErr: Error) =>
          this.o.onError?.(
            new Error(`could not record the refused page in the DLQ: ${dlqErr.message}`),
          ),
        );
      }
      this.o.onError?.(e);
      throw err;
    }
    this.lastRefusal = undefined;
    this.status.lastSuccessAt = new Date(now()).toISOString();
    this.status.lastError = undefined;
    this.updateLag(now());
    return { status: 'polled', published, pages, rejected };
  }

  /**
   * A page the source answered but the connector refused (malformed, wrong shape) cannot become
   * events, and the cursor cannot move past it: the runner keeps polling at its interval (the
   * source may correct it) and records the refusal in the DLQ with its reason, once per cursor
   * and reason, so an operator sees it there beside the other dead letters. The body is JSON:
   * connector, cursor, message and the issues with their JSON pointers. It is not a source event:
   * replaying it maps to nothing.
   */
  private async deadLetterPage(cursor: unknown, err: HubError, at: number): Promise<void> {
    if (!this.o.deadLetterExchange) return;
    const fingerprint = JSON.stringify([cursor ?? null, err.message]);
    if (fingerprint === this.lastRefusal) return;
    const { connector } = this.o;
    const meta: SourceEventMeta = {
      eventId: randomUUID(),
      correlationId: randomUUID(),
      connectorId: connector.id,
      system: connector.system,
      objectType: REFUSED_PAGE_OBJECT_TYPE,
      receivedAt: new Date(at).toISOString(),
      contentType: 'application/json',
    };
    const options = this.o.publishOptions(meta);
    options.headers = {
      ...options.headers,
      ...failureHeaders(
        err.stage,
        err.errorClass,
        `poll of connector ${connector.id} refused a page: ${err.message}`,
        at,
      ),
    };
    const body = {
      connector: connector.id,
      system: connector.system,
      cursor: cursor ?? null,
      stage: err.stage,
      errorClass: err.errorClass,
      message: err.message,
      issues: err.issues,
    };
    await this.o.publisher.publish(
      this.o.deadLetterExchange,
      '',
      Buffer.from(JSON.stringify(body)),
      options,
    );
    this.lastRefusal = fingerprint;
  }

  /**
   * A record the connector set aside goes to the DLQ alone: the body is the record as the source
   * returned it (a replay after a fix in the source maps it like any other), the headers say why and
   * where (`x-exhub-error-message` names the record's pointer and each issue's pointer). Confirmed
   * like an event, before the cursor moves past it. Without a DLX it is reported through `onError`
   * and counted in `status.rejected`: never dropped without a word.
   */
  private async deadLetterRecord(r: RejectedRecord, at: number): Promise<void> {
    const { connector } = this.o;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([r.objectType, r.record, r.issues]))
      .digest('base64url');
    if (this.deadLettered.has(fingerprint)) return;
    const message = describeRejection(connector.id, r);
    if (!this.o.deadLetterExchange) {
      this.o.onError?.(new HubError('INVALID_PAYLOAD', 'parse', message, r.issues));
      return;
    }
    const meta: SourceEventMeta = {
      eventId: randomUUID(),
      correlationId: randomUUID(),
      connectorId: connector.id,
      system: connector.system,
      objectType: r.objectType,
      receivedAt: new Date(at).toISOString(),
      contentType: 'application/json',
    };
    const options = this.o.publishOptions(meta);
    options.headers = {
      ...options.headers,
      ...failureHeaders('parse', 'INVALID_PAYLOAD', message, at),
    };
    await this.o.publisher.publish(
      this.o.deadLetterExchange,
      '',
      Buffer.from(JSON.stringify(r.record)),
      options,
    );
    this.remember(fingerprint);
  }

  private remember(fingerprint: string): void {
    if (this.deadLettered.size >= MAX_REMEMBERED_SET_ASIDE) {
      this.deadLettered.delete(this.deadLettered.values().next().value as string);
    }
    this.deadLettered.add(fingerprint);
  }

  private async publish(e: PolledEvent, at: number): Promise<void> {
    await this.o.publishEvent(e, at);
  }

  private updateLag(at: number): void {
    if (!this.o.metrics) return;
    const last = this.status.lastSuccessAt ? Date.parse(this.status.lastSuccessAt) : undefined;
    this.o.metrics.connectorPollLag.set(
      { connector: this.o.connector.id },
      last === undefined ? 0 : Math.max(0, (at - last) / MS_PER_SECOND),
    );
  }

  private updateCursorAge(events: PolledEvent[], at: number): void {
    const newest = Math.max(
      ...events
        .map((e) => (e.changedAt ? Date.parse(e.changedAt) : NaN))
        .filter((n) => !Number.isNaN(n)),
    );
    if (this.o.metrics && Number.isFinite(newest)) {
      this.o.metrics.connectorCursorAge.set(
        { connector: this.o.connector.id },
        Math.max(0, (at - newest) / MS_PER_SECOND),
      );
    }
  }
}

/** libs/messaging's failure HEADER names and values (the SDK does not depend on messaging). */
function failureHeaders(
  stage: string,
  errorClass: string,
  message: string,
  at: number,
): Record<string, string | number> {
  return {
    'x-exhub-error-stage': stage,
    'x-exhub-error-class': errorClass,
    'x-exhub-error-message':
      message.length > MAX_HEADER_MESSAGE
        ? `${message.slice(0, MAX_HEADER_MESSAGE - 1)}…`
        : message,
    'x-exhub-attempts': 1,
    'x-exhub-first-failed-at': new Date(at).toISOString(),
    'x-exhub-dead-lettered-at': new Date(at).toISOString(),
  };
}
