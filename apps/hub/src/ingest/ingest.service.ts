import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SourceEventMeta } from '../../../../libs/connector-sdk/src/source-event';
import type { WebhookConnector, WebhookRequest } from '../../../../libs/connector-sdk/src/webhook';
import { sourceEventPublishOptions } from '../../../../libs/messaging/src';
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
    const endIngress = this.rt.metrics.time('ingress');
    connector.verify(req);
    const parsed = connector.parse(req);
    const traceparent =
      typeof req.headers.traceparent === 'string' && TRACEPARENT.test(req.headers.traceparent)
        ? req.headers.traceparent
        : undefined;

    const publish = async () => {
      const meta: SourceEventMeta = {
        eventId: randomUUID(),
        correlationId: parsed.correlationId ?? randomUUID(),
        connectorId: connector.id,
        system: connector.system,
        objectType: parsed.objectType,
        sourceEventId: parsed.sourceEventId,
        receivedAt: new Date(req.now).toISOString(),
        contentType: 'application/json',
        traceparent,
      };
      await this.rt.publisher.publish(
        this.rt.topology.names.ingress,
        '',
        req.rawBody,
        sourceEventPublishOptions(meta),
      );
      return { eventId: meta.eventId, correlationId: meta.correlationId };
    };

    const result = parsed.sourceEventId
      ? await this.dedupe.once(`${connector.id}:${parsed.sourceEventId}`, req.now, publish)
      : { value: await publish(), duplicate: false };
    endIngress();
    if (result.duplicate) {
      this.rt.metrics.eventsDuplicate.inc({ connector: connector.id });
      return { ...result.value, duplicate: true };
    }
    this.rt.metrics.eventsReceived.inc({ connector: connector.id });
    return result.value;
  }
}
