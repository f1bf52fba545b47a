import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  InvalidPayloadError,
  TransientError,
  type SourceEventMeta,
  MS_PER_SECOND,
} from '@exhub/core';
import { sourceEventPublishOptions, type ConfirmPublisher, type Topology } from '@exhub/messaging';
import {
  inSpan,
  observeStage,
  type SpanKindName,
  type HubMetrics,
  type Logger,
} from '@exhub/observability';
import { StoreInputError, type ExceptionStore } from '@exhub/store';
import { DedupeCache, type Accepted } from './dedupe';
import type { HubConfig } from '@exhub/config';
import {
  HUB_CONFIG,
  LOGGER,
  METRICS,
  PIPELINE_THREAD,
  PUBLISHER,
  STORE,
  TOPOLOGY,
} from '../core/core.tokens';
import { RecentWriteFailure } from '../core/recent-write-failure';
import type { RemotePipeline } from '../hub-runtime';

/** Most source event ids remembered per process for dedupe. */
const DEDUPE_MAX_ENTRIES = 200_000;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
/**
 * A pending dedupe claim is taken over once older than the publisher's confirm timeout plus this
 * (time to record the confirm): by then its publish has settled, or its hub is gone.
 */
const CLAIM_CONFIRM_MARGIN_MS = 2000;

/** One event a source delivered, as its connector read it. */
export interface IncomingSourceEvent {
  objectType: string;
  /** The source's own id of the event: the dedupe key (with the connector id). */
  sourceEventId?: string;
  /** Set when the id alone does not tell a redelivery (the id and a content digest). */
  dedupeKey?: string;
  correlationId?: string;
  body: Buffer;
  contentType: string;
  receivedAtMs: number;
}

/** How an event reached the hub; named in its log line. */
export type SourceOrigin = 'webhook' | 'drop folder' | 'poll';

export interface SourceEventInput {
  connector: { id: string; system: string };
  origin: SourceOrigin;
  /** The sender's W3C traceparent, when it sent one (a webhook header). */
  traceparent?: string;
  /**
   * Verifies and reads the event inside the ingress span, so that its failures (a bad signature,
   * a malformed body) are the span's and are counted as the `ingress` stage's.
   */
  read(): IncomingSourceEvent | Promise<IncomingSourceEvent>;
}

export interface Acceptance {
  eventId: string;
  correlationId: string;
  /** A redelivery, answered with the first acceptance's ids. */
  duplicate?: true;
}

const SPAN_KIND: Record<SourceOrigin, SpanKindName> = {
  webhook: 'server',
  'drop folder': 'consumer',
  poll: 'consumer',
};

/**
 * The hub's one ingress: every source event — webhook, drop-folder file, polled page — is
 * published to exhub.ingress here, with the same `ingress` span (child of the sender's
 * traceparent) and `ingress publish` producer span whose traceparent rides in the SourceEvent
 * headers to the pipeline, the same dedupe (per-process cache, then the store's claim), the same
 * headers (`sourceEventPublishOptions`) and the same metrics (`exhub_events_received_total`,
 * `exhub_events_duplicate_total`, the `ingress` stage). Resolves once the broker confirmed.
 */
@Injectable()
export class SourceEventIngress {
  /** This process's own store connection's write failure (watchWriteFailure). */
  private readonly ownWrite = new RecentWriteFailure();
  private readonly dedupe: DedupeCache;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(STORE) private readonly store: ExceptionStore,
    @Optional()
    @Inject(PIPELINE_THREAD)
    private readonly pipelineThread?: RemotePipeline | null,
  ) {
    // This process's own connection: a full disk can fail other writes of this thread (the DLQ
    // ledger, pollers; the pipeline too with EXHUB_WORKER_THREAD=off) while a claim still fits.
    this.store.watchWriteFailure((failure) => this.ownWrite.heard(failure));
    this.dedupe = new DedupeCache(
      config.ingress.dedupeWindowSeconds * MS_PER_SECOND,
      DEDUPE_MAX_ENTRIES,
    );
  }

  publishSourceEvent(input: SourceEventInput): Promise<Acceptance> {
    const { connector } = input;
    const incoming =
      input.traceparent !== undefined && TRACEPARENT.test(input.traceparent)
        ? input.traceparent
        : undefined;
    return observeStage(
      this.metrics,
      incoming,
      'ingress',
      async (span) => {
        span.setAttributes({ 'exhub.connector': connector.id });
        const event = await input.read();
        const exchange = this.topology.names.ingress;

        const publish = (ids?: Accepted) =>
          inSpan(
            span.traceparent,
            'ingress publish',
            async (hop) => {
              const meta: SourceEventMeta = {
                eventId: ids?.eventId ?? randomUUID(),
                correlationId: ids?.correlationId ?? event.correlationId ?? randomUUID(),
                connectorId: connector.id,
                system: connector.system,
                objectType: event.objectType,
                sourceEventId: event.sourceEventId,
                receivedAt: new Date(event.receivedAtMs).toISOString(),
                contentType: event.contentType,
                traceparent: hop.traceparent,
              };
              hop.setAttributes({ 'messaging.message.id': meta.eventId });
              await this.publisher.publish(
                exchange,
                '',
                event.body,
                sourceEventPublishOptions(meta),
              );
              return { eventId: meta.eventId, correlationId: meta.correlationId };
            },
            {
              kind: 'producer',
              attributes: {
                'messaging.system': 'rabbitmq',
                'messaging.operation.type': 'publish',
                'messaging.destination.name': exchange,
              },
            },
          );

        const sourceEventId = event.sourceEventId;
        const dedupeKey = event.dedupeKey ?? sourceEventId;
        // The per-process cache answers repeats fast; behind it the store decides across
        // processes and restarts.
        const result = dedupeKey
          ? await this.dedupe.once(`${connector.id}:${dedupeKey}`, event.receivedAtMs, () =>
              this.claimThenPublish(
                connector.id,
                { key: dedupeKey, shown: sourceEventId ?? dedupeKey },
                event.correlationId,
                event.receivedAtMs,
                publish,
              ),
            )
          : { value: await publish(), duplicate: false };
        const duplicate = result.duplicate || 'duplicate' in result.value;
        const fields = {
          correlationId: result.value.correlationId,
          connector: connector.id,
          eventId: result.value.eventId,
          sourceEventId,
          ...(dedupeKey !== sourceEventId ? { dedupeKey } : {}),
          traceId: span.traceId,
        };
        const first = { eventId: result.value.eventId, correlationId: result.value.correlationId };
        if (duplicate) {
          this.metrics.eventsDuplicate.inc({ connector: connector.id });
          this.logger.info(fields, `${input.origin} redelivery answered with the first acceptance`);
          return { ...first, duplicate: true as const };
        }
        this.metrics.eventsReceived.inc({ connector: connector.id });
        this.logger.info(fields, `${input.origin} accepted: source event confirmed by the broker`);
        return first;
      },
      SPAN_KIND[input.origin],
    );
  }

  /** Names the store in a refusal (built only then: every accepted webhook passes here). */
  private describeStore(): string {
    return `${this.store.kind} store ${this.store.location}`;
  }

  /**
   * The store's webhook-event table decides whether a source event id is new (of concurrent
   * callers, in any process, exactly one wins). The claim is `pending` until the broker confirmed
   * the publish, then `confirmed`: only a confirmed claim answers a retry as a duplicate, so a hub
   * that dies between claim and confirm loses nothing. A retry finding a younger pending claim is
   * told to come back (503 + Retry-After); one finding a claim older than the confirm timeout takes
   * it over and publishes with the first ids. A failed publish releases the claim. If the store
   * cannot answer, the sender is told to retry (503 naming the store): the event is not accepted
   * until it can be deduped and confirmed.
   */
  private async claimThenPublish(
    connectorId: string,
    /** `key`: what the claim is stored under; `shown`: the source's event id, in messages. */
    claimed: { key: string; shown: string },
    correlationId: string | undefined,
    nowMs: number,
    publish: (ids: Accepted) => Promise<Accepted>,
  ): Promise<Accepted | (Accepted & { duplicate: true })> {
    let ids: Accepted = { eventId: randomUUID(), correlationId: correlationId ?? randomUUID() };
    const ttlMs = this.config.ingress.dedupeWindowSeconds * MS_PER_SECOND;
    if (ttlMs <= 0) return publish(ids);
    const sourceEventId = claimed.shown;
    const key = { connectorId, sourceEventId: claimed.key };
    // A connection of this process met a full disk (the pipeline thread's, or this one on another
    // write): a claim may still fit in WAL space the file already has, but readiness says the
    // store cannot write, and so does ingress (the sender retries; a successful write of that
    // connection, or 30 s without meeting the failure again, ends it).
    const writeFailure = this.pipelineThread?.storeWriteFailure() ?? this.ownWrite.current();
    if (writeFailure !== undefined) {
      throw new IngressRetryLaterError(
        'store_unavailable',
        `the ${this.describeStore()} cannot dedupe source event "${sourceEventId}" of connector "${connectorId}" (${writeFailure})`,
      );
    }
    const claim = await this.store
      .rememberWebhookEvent(
        { ...key, ...ids },
        ttlMs,
        new Date(nowMs),
        this.publisher.confirmTimeoutMs + CLAIM_CONFIRM_MARGIN_MS,
      )
      .catch((err: Error) => {
        if (err instanceof StoreInputError) {
          throw new InvalidPayloadError('ingress', `source event id refused: ${err.message}`, [
            { pointer: '', rule: 'source-event-id', message: err.message },
          ]);
        }
        throw new IngressRetryLaterError(
          'store_unavailable',
          `the ${this.describeStore()} cannot dedupe source event "${sourceEventId}" of connector "${connectorId}" (${err.message})`,
          undefined,
          { cause: err },
        );
      });
    if (!claim.isNew) {
      const first = { eventId: claim.eventId, correlationId: claim.correlationId };
      if (claim.state === 'confirmed') return { ...first, duplicate: true };
      throw new IngressRetryLaterError(
        'in_progress',
        `source event "${sourceEventId}" of connector "${connectorId}" is being accepted by ` +
          'another request whose broker confirm is still outstanding',
        claim.retryAfterMs,
      );
    }
    if (claim.takenOver) {
      this.logger.warn(
        { connector: connectorId, sourceEventId, eventId: claim.eventId },
        'webhook retry took over an unconfirmed acceptance (its hub died or stalled): publishing it',
      );
    }
    ids = { eventId: claim.eventId, correlationId: claim.correlationId };
    let accepted: Accepted;
    try {
      accepted = await publish(ids);
    } catch (err) {
      await this.store.forgetWebhookEvent({ ...key, ...ids }).catch(() => undefined);
      throw err;
    }
    // Durably in the broker: from now on a retry is a duplicate. If this write fails, a retry
    // takes the stale claim over and publishes again (a duplicate, never a loss).
    await this.store
      .confirmWebhookEvent({ ...key, ...ids })
      .catch((err: Error) =>
        this.logger.warn(
          { connector: connectorId, sourceEventId, err: err.message },
          'recording the broker confirm of a webhook failed: a retry will publish it again',
        ),
      );
    return accepted;
  }
}

/**
 * Ingress cannot decide about this event now; the sender is told to retry (503 + Retry-After, with
 * `reason` as the error code), never "duplicate". `in_progress`: another acceptance of the same
 * source event awaits its broker confirm (not done, not stale yet). `store_unavailable`: the store
 * that dedupes across processes does not answer.
 */
export class IngressRetryLaterError extends TransientError {
  constructor(
    readonly reason: 'in_progress' | 'store_unavailable',
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super('ingress', message, options);
    this.name = 'IngressRetryLaterError';
  }
}
