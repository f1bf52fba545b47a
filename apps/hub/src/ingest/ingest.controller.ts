import { Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WebhookSourceError } from '@exhub/connector-sdk';
import { AuthError, HubError, MS_PER_SECOND } from '@exhub/core';
import { ApiError, apiError } from '../http/api-error';
import { markLoggedByFeature } from '../http/access-log';
import { ApiErrors, ApiPublic, ApiRoute } from '../openapi/decorators';
import { IngestService, IngressRetryLaterError } from './ingest.service';
import { checkCharset, checkUtf8 } from './ingress-checks';
import type { HubConfig } from '@exhub/config';
import type { HubMetrics } from '@exhub/observability';
import {
  CONNECTOR_SLOTS,
  HUB_CONFIG,
  INGRESS_LOAD,
  METRICS,
  type ConnectorSlots,
} from '../core/core.tokens';
import type { IngressLoad } from './ingress-load';
import { INGRESS_OPTIONS, type IngressOptions } from './ingress.options';

/** What a connector that declares no `contentTypes` accepts. */
const DEFAULT_CONTENT_TYPES: readonly string[] = ['application/json'];

/** `Application/XML; charset=utf-8` → `application/xml`. */
function mediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/** Label used for metrics when the connector id in the URL is not configured (keeps labels bounded). */
const UNKNOWN_CONNECTOR_LABEL = '_unknown';

@Controller('v1/ingest')
@ApiTags('ingress')
export class IngestController {
  constructor(
    @Inject(INGRESS_OPTIONS) private readonly options: IngressOptions,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(CONNECTOR_SLOTS) private readonly connectors: ConnectorSlots,
    @Inject(INGRESS_LOAD) private readonly load: IngressLoad,
    private readonly ingest: IngestService,
  ) {}

  /**
   * Webhook ingress. The signature is checked on the raw bytes before anything parses them; `202`
   * is sent only after the broker confirmed the publish to exhub.ingress.
   */
  @Post(':connectorId')
  @HttpCode(202)
  @ApiRoute(
    'Webhook ingress for a connector instance',
    {
      status: 202,
      description: 'Verified and confirmed by the broker',
      schema: {
        type: 'object',
        required: ['eventId', 'correlationId'],
        properties: {
          eventId: { type: 'string' },
          correlationId: { type: 'string' },
          duplicate: { type: 'boolean', enum: [true] },
        },
      },
    },
    'The signature is verified on the raw body (Stripe-Signature, X-Exhub-Signature, …) before parsing; 202 only after the broker confirmed the publish to exhub.ingress. Rate limited per connector and client IP (EXHUB_INGRESS_RATE_LIMIT per EXHUB_INGRESS_RATE_WINDOW).',
  )
  @ApiParam({
    name: 'connectorId',
    description: 'connector instance id in exhub.config.yaml',
    example: 'stripe',
  })
  @ApiPublic()
  @ApiConsumes('application/json', 'application/xml')
  @ApiErrors(400, 404, 413, 415, 429, 503, {
    401: "The signature is missing, stale or does not match the connector's secret (no API key is involved)",
  })
  async receive(
    @Param('connectorId') connectorId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ eventId: string; correlationId: string; duplicate?: true }> {
    const reject = (status: number, reason: string, message: string, label = connectorId) => {
      this.metrics.webhookRejections.inc({ connector: label, reason });
      return apiError(status, reason, message);
    };
    const slot = this.connectors.get(connectorId);
    if (!slot) {
      const known = [...this.connectors.values()]
        .filter((s) => s.webhook)
        .map((s) => s.instance.id);
      throw reject(
        404,
        'unknown_connector',
        `no webhook connector "${connectorId}" is configured in ${this.config.file}; configured: ${known.join(', ') || 'none'}`,
        UNKNOWN_CONNECTOR_LABEL,
      );
    }
    if (!slot.webhook) {
      reply.header('Retry-After', String(this.options.retryAfterSeconds));
      throw reject(
        503,
        'connector_unavailable',
        `connector "${connectorId}" is not ready: ${slot.unavailable}`,
      );
    }
    const contentType = req.headers['content-type'] ?? '';
    const accepted = slot.webhook.contentTypes ?? DEFAULT_CONTENT_TYPES;
    if (!accepted.includes(mediaType(contentType))) {
      throw reject(
        415,
        'unsupported_media_type',
        `content type must be ${accepted.join(' or ')}, got "${contentType || 'none'}"`,
      );
    }
    const rawBody = req.body;
    if (!Buffer.isBuffer(rawBody) || rawBody.length === 0) {
      throw reject(400, 'empty_body', 'the request has no body; send the event');
    }
    try {
      checkCharset(contentType);
      checkUtf8(rawBody);
    } catch (err) {
      if (err instanceof ApiError)
        this.metrics.webhookRejections.inc({ connector: connectorId, reason: err.body.error });
      throw err;
    }
    // Counted while it is verified, deduplicated and confirmed: the pipeline worker yields to it.
    this.load.enter();
    try {
      const answer = await this.ingest.accept(slot.webhook, {
        rawBody,
        headers: req.headers,
        now: Date.now(),
      });
      // The ingress line (accepted, or a redelivery answered) is this request's info line.
      markLoggedByFeature(req.raw);
      return answer;
    } catch (err) {
      if (err instanceof AuthError) {
        const reason = (err as AuthError & { reason?: string }).reason ?? 'unauthorized';
        this.metrics.webhookRejections.inc({ connector: connectorId, reason });
        throw apiError(401, reason, err.message);
      }
      if (err instanceof HubError && err.errorClass === 'INVALID_PAYLOAD') {
        this.metrics.webhookRejections.inc({ connector: connectorId, reason: 'malformed' });
        throw apiError(400, 'malformed', err.message, err.issues);
      }
      if (err instanceof IngressRetryLaterError) {
        const seconds =
          err.retryAfterMs === undefined
            ? this.options.retryAfterSeconds
            : Math.max(1, Math.ceil(err.retryAfterMs / MS_PER_SECOND));
        reply.header('Retry-After', String(seconds));
        this.metrics.webhookRejections.inc({ connector: connectorId, reason: err.reason });
        throw apiError(503, err.reason, `${err.message}; retry in ${seconds} s`);
      }
      if (err instanceof HubError && err.errorClass === 'TRANSIENT') {
        reply.header('Retry-After', String(this.options.retryAfterSeconds));
        // A connector that reads the source to resolve a delivery names its own reason
        // (`source_unavailable`); any other transient failure here: the broker did not confirm.
        const reason = err instanceof WebhookSourceError ? err.reason : 'broker_unavailable';
        this.metrics.webhookRejections.inc({ connector: connectorId, reason });
        throw apiError(503, reason, `the event was not accepted: ${err.message}; retry later`);
      }
      throw err;
    } finally {
      this.load.leave();
    }
  }
}
