import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { DropFolderHandle, WebhookConnector, WebhookRequest } from '@exhub/connector-sdk';
import { checkParsedIds, checkUtf8Payload } from './ingress-checks';
import { SourceEventIngress, type Acceptance } from './source-event-ingress';
import { CONNECTOR_SLOTS, type ConnectorSlots } from '../core/core.tokens';

/** Thrown by the ingress when the sender must retry: a confirm outstanding, or the store down. */
export { IngressRetryLaterError } from './source-event-ingress';

const DEFAULT_CONTENT_TYPE = 'application/json';

/** The body's media type for the SourceEvent, so the pipeline picks the same parser. */
function contentTypeOf(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value ? value : DEFAULT_CONTENT_TYPE;
}

@Injectable()
export class IngestService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly dropFolders: DropFolderHandle[] = [];

  constructor(
    @Inject(CONNECTOR_SLOTS) private readonly connectors: ConnectorSlots,
    private readonly ingress: SourceEventIngress,
  ) {}

  /** Starts the drop-folder watchers of connectors that have one configured. */
  async onApplicationBootstrap(): Promise<void> {
    for (const slot of this.connectors.values()) {
      const connector = slot.webhook;
      if (!connector?.watchDropFolder) continue;
      const contentType = connector.contentTypes?.[0] ?? DEFAULT_CONTENT_TYPE;
      const handle = await connector.watchDropFolder((rawBody) => {
        checkUtf8Payload(rawBody);
        // No signature on a file: the folder's permissions are its authentication.
        return this.accept(
          connector,
          { rawBody, headers: { 'content-type': contentType }, now: Date.now() },
          { verified: true },
        );
      });
      if (handle) this.dropFolders.push(handle);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.dropFolders.splice(0).map((h) => h.close()));
  }

  /**
   * Verifies, parses and publishes one webhook request through the one ingress
   * (source-event-ingress.ts). Throws the connector's AuthError or InvalidPayloadError, or a
   * TRANSIENT error when the broker does not confirm. `verified`: the body came through a trusted
   * channel (a drop folder), so there is no signature to check.
   */
  accept(
    connector: WebhookConnector,
    req: WebhookRequest,
    options: { verified?: boolean } = {},
  ): Promise<Acceptance> {
    return this.ingress.publishSourceEvent({
      connector,
      origin: options.verified ? 'drop folder' : 'webhook',
      traceparent:
        typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined,
      read: async () => {
        if (!options.verified) connector.verify(req);
        let parsed = connector.parse(req);
        // A notification that names a record: the connector reads it, and that is published.
        if (connector.resolve) parsed = await connector.resolve(parsed);
        checkParsedIds(connector.id, parsed);
        return {
          objectType: parsed.objectType,
          sourceEventId: parsed.sourceEventId,
          dedupeKey: parsed.dedupeKey,
          correlationId: parsed.correlationId,
          body: parsed.body ?? req.rawBody,
          // As sent (the controller accepted it for this connector); JSON when absent.
          contentType: parsed.body
            ? (parsed.contentType ?? DEFAULT_CONTENT_TYPE)
            : contentTypeOf(req.headers['content-type']),
          receivedAtMs: req.now,
        };
      },
    });
  }
}
