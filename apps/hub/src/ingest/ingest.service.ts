import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SourceEventMeta } from '../../../../libs/connector-sdk/src/source-event';
import type { WebhookConnector, WebhookRequest } from '../../../../libs/connector-sdk/src/webhook';
import { sourceEventPublishOptions } from '../../../../libs/messaging/src';
import { inSpan, observeStage } from '../../../../libs/observability/src';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { DedupeCache } from './dedupe';

const MS_PER_SECOND = 1000;
/** Most source event ids remembered per process for dedupe. */
const DEDUPE_MAX_ENTRIES = 200_000;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

@Injectable()
export class IngestService {
  private readonly dedupe: DedupeCache;

  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {
    this.dedupe = new DedupeCache(
      rt.config.ingress.dedupeWindowSeconds * MS_PER_SECOND,
      DEDUPE_MAX_ENTRIES,
    );
  }

  /**
   * Verifies, parses and publishes one webhook request. Throws the connector's AuthError or
   * InvalidPayloadError, or a TRANSIENT error when the broker does not confirm.
   */
  async accept(
    connector: WebhookConnector,
    req: WebhookRequest,
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
        connector.verify(req);
        const parsed = connector.parse(req);
        const exchange = this.rt.topology.names.ingress;

        const publish = () =>
          inSpan(
            span.traceparent,
            'ingress publish',
            async (hop) => {
              const meta: SourceEventMeta = {
                eventId: randomUUID(),
                correlationId: parsed.correlationId ?? randomUUID(),
                connectorId: connector.id,
                system: connector.system,
                objectType: parsed.objectType,
                sourceEventId: parsed.sourceEventId,
                receivedAt: new Date(req.now).toISOString(),
                contentType: 'application/json',
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

        const result = parsed.sourceEventId
          ? await this.dedupe.once(`${connector.id}:${parsed.sourceEventId}`, req.now, publish)
          : { value: await publish(), duplicate: false };
        const fields = {
          correlationId: result.value.correlationId,
          connector: connector.id,
          eventId: result.value.eventId,
          sourceEventId: parsed.sourceEventId,
          traceId: span.traceId,
        };
        if (result.duplicate) {
          this.rt.metrics.eventsDuplicate.inc({ connector: connector.id });
          this.rt.logger.info(fields, 'webhook redelivery answered with the first acceptance');
          return { ...result.value, duplicate: true as const };
        }
        this.rt.metrics.eventsReceived.inc({ connector: connector.id });
        this.rt.logger.info(fields, 'webhook accepted: source event confirmed by the broker');
        return result.value;
      },
      'server',
    );
  }
}
