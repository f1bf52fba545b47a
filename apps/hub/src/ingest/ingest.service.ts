import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TransientError } from '../../../../libs/connector-sdk/src/errors';
import type { SourceEventMeta } from '../../../../libs/connector-sdk/src/source-event';
import type {
  DropFolderHandle,
  WebhookConnector,
  WebhookRequest,
} from '../../../../libs/connector-sdk/src/webhook';
import { sourceEventPublishOptions } from '../../../../libs/messaging/src';
import { inSpan, observeStage } from '../../../../libs/observability/src';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { DedupeCache, type Accepted } from './dedupe';

const MS_PER_SECOND = 1000;
/** Most source event ids remembered per process for dedupe. */
const DEDUPE_MAX_ENTRIES = 200_000;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const DEFAULT_CONTENT_TYPE = 'application/json';
/**
 * A pending dedupe claim is taken over once older than the publisher's confirm timeout plus this
 * (time to record the confirm): by then its publish has settled, or its hub is gone.
 */
const CLAIM_CONFIRM_MARGIN_MS = 2000;

/** The body's media type for the SourceEvent, so the pipeline picks the same parser. */
function contentTypeOf(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value ? value : DEFAULT_CONTENT_TYPE;
}

@Injectable()
export class IngestService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly dedupe: DedupeCache;
  private readonly dropFolders: DropFolderHandle[] = [];

  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {
    this.dedupe = new DedupeCache(
      rt.config.ingress.dedupeWindowSeconds * MS_PER_SECOND,
      DEDUPE_MAX_ENTRIES,
    );
  }

  /** Starts the drop-folder watchers of connectors that have one configured. */
  async onApplicationBootstrap(): Promise<void> {
    for (const slot of this.rt.connectors.values()) {
      const connector = slot.webhook;
      if (!connector?.watchDropFolder) continue;
      const contentType = connector.contentTypes?.[0] ?? DEFAULT_CONTENT_TYPE;
      const handle = await connector.watchDropFolder((rawBody) =>
        // No signature on a file: the folder's permissions are its authentication.
        this.accept(
          connector,
          { rawBody, headers: { 'content-type': contentType }, now: Date.now() },
          { verified: true },
        ),
      );
      if (handle) this.dropFolders.push(handle);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.dropFolders.splice(0).map((h) => h.close()));
  }

  /**
   * Verifies, parses and publishes one webhook request. Throws the connector's AuthError or
   * InvalidPayloadError, or a TRANSIENT error when the broker does not confirm. `verified`: the
   * body came through a trusted channel (a drop folder), so there is no signature to check.
   */
  async accept(
    connector: WebhookConnector,
    req: WebhookRequest,
    options: { verified?: boolean } = {},
  ): Promise<{ eventId: string; correlationId: string; duplicate?: true }> {
    const incoming =
      typeof req.headers.traceparent === 'string' && TRACEPARENT.test(req.headers.traceparent)
        ? req.headers.traceparent
        : undefined;
    // Span `ingress` (child of the sender's traceparent, if any) → producer span for the publish,
    // whose traceparent rides in the SourceEvent headers to the pipeline (the broker hop).
    return observeStage(
      this.rt.metrics,
      incoming,
      'ingress',
      async (span) => {
        span.setAttributes({ 'exhub.connector': connector.id });
        if (!options.verified) connector.verify(req);
        const parsed = connector.parse(req);
        const exchange = this.rt.topology.names.ingress;

        const publish = (ids?: Accepted) =>
          inSpan(
            span.traceparent,
            'ingress publish',
            async (hop) => {
              const meta: SourceEventMeta = {
                eventId: ids?.eventId ?? randomUUID(),
                correlationId: ids?.correlationId ?? parsed.correlationId ?? randomUUID(),
                connectorId: connector.id,
                system: connector.system,
                objectType: parsed.objectType,
                sourceEventId: parsed.sourceEventId,
                receivedAt: new Date(req.now).toISOString(),
                // As sent (the controller accepted it for this connector); JSON when absent.
                contentType: contentTypeOf(req.headers['content-type']),
                traceparent: hop.traceparent,
              };
              hop.setAttributes({ 'messaging.message.id': meta.eventId });
              await this.rt.publisher.publish(
                exchange,
                '',
                req.rawBody,
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

        const sourceEventId = parsed.sourceEventId;
        // The per-process cache answers repeats fast; behind it the store decides across
        // processes and restarts.
        const result = sourceEventId
          ? await this.dedupe.once(`${connector.id}:${sourceEventId}`, req.now, () =>
              this.claimThenPublish(
                connector.id,
                sourceEventId,
                parsed.correlationId,
                req.now,
                publish,
              ),
            )
          : { value: await publish(), duplicate: false };
        const duplicate = result.duplicate || 'duplicate' in result.value;
        const fields = {
          correlationId: result.value.correlationId,
          connector: connector.id,
          eventId: result.value.eventId,
          sourceEventId: parsed.sourceEventId,
          traceId: span.traceId,
        };
        const first = { eventId: result.value.eventId, correlationId: result.value.correlationId };
        if (duplicate) {
          this.rt.metrics.eventsDuplicate.inc({ connector: connector.id });
          this.rt.logger.info(fields, 'webhook redelivery answered with the first acceptance');
          return { ...first, duplicate: true as const };
        }
        this.rt.metrics.eventsReceived.inc({ connector: connector.id });
        this.rt.logger.info(fields, 'webhook accepted: source event confirmed by the broker');
        return first;
      },
      'server',
    );
  }

  /**
   * The store's webhook-event table decides whether a source event id is new (of concurrent
   * callers, in any process, exactly one wins). The claim is `pending` until the broker confirmed
   * the publish, then `confirmed`: only a confirmed claim answers a retry as a duplicate, so a hub
   * that dies between claim and confirm loses nothing. A retry finding a younger pending claim is
   * told to come back (503 + Retry-After); one finding a claim older than the confirm timeout takes
   * it over and publishes with the first ids. A failed publish releases the claim. If the store
   * cannot answer, the event is published anyway: a duplicate yields the same exception id
   * downstream, a refused event would be lost.
   */
  private async claimThenPublish(
    connectorId: string,
    sourceEventId: string,
    correlationId: string | undefined,
    nowMs: number,
    publish: (ids: Accepted) => Promise<Accepted>,
  ): Promise<Accepted | (Accepted & { duplicate: true })> {
    let ids: Accepted = { eventId: randomUUID(), correlationId: correlationId ?? randomUUID() };
    const ttlMs = this.rt.config.ingress.dedupeWindowSeconds * MS_PER_SECOND;
    if (ttlMs <= 0) return publish(ids);
    const key = { connectorId, sourceEventId };
    const claim = await this.rt.store
      .rememberWebhookEvent(
        { ...key, ...ids },
        ttlMs,
        new Date(nowMs),
        this.rt.publisher.confirmTimeoutMs + CLAIM_CONFIRM_MARGIN_MS,
      )
      .catch((err: Error) => {
        this.rt.logger.warn(
          { connector: connectorId, sourceEventId, err: err.message },
          'the store cannot dedupe this webhook: publishing it (exception ids stay idempotent)',
        );
        return undefined;
      });
    if (claim && !claim.isNew) {
      const first = { eventId: claim.eventId, correlationId: claim.correlationId };
      if (claim.state === 'confirmed') return { ...first, duplicate: true };
      throw new AcceptanceInProgressError(connectorId, sourceEventId, claim.retryAfterMs ?? 0);
    }
    if (claim?.takenOver) {
      this.rt.logger.warn(
        { connector: connectorId, sourceEventId, eventId: claim.eventId },
        'webhook retry took over an unconfirmed acceptance (its hub died or stalled): publishing it',
      );
    }
    if (claim) ids = { eventId: claim.eventId, correlationId: claim.correlationId };
    let accepted: Accepted;
    try {
      accepted = await publish(ids);
    } catch (err) {
      if (claim) await this.rt.store.forgetWebhookEvent({ ...key, ...ids }).catch(() => undefined);
      throw err;
    }
    // Durably in the broker: from now on a retry is a duplicate. If this write fails, a retry
    // takes the stale claim over and publishes again (a duplicate, never a loss).
    if (claim) {
      await this.rt.store
        .confirmWebhookEvent({ ...key, ...ids })
        .catch((err: Error) =>
          this.rt.logger.warn(
            { connector: connectorId, sourceEventId, err: err.message },
            'recording the broker confirm of a webhook failed: a retry will publish it again',
          ),
        );
    }
    return accepted;
  }
}

/**
 * Another acceptance of this source event is waiting for the broker's confirm: not done yet, not
 * stale yet. The sender is told to retry after `retryAfterMs` (503), never "duplicate".
 */
export class AcceptanceInProgressError extends TransientError {
  constructor(
    readonly connectorId: string,
    readonly sourceEventId: string,
    readonly retryAfterMs: number,
  ) {
    super(
      'ingress',
      `source event "${sourceEventId}" of connector "${connectorId}" is being accepted by another ` +
        `request whose broker confirm is still outstanding`,
    );
    this.name = 'AcceptanceInProgressError';
  }
}
