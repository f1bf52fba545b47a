import type { SourceEventMeta } from './source-event';

/** What a webhook connector receives: the raw body (never re-serialised) and the headers. */
export interface WebhookRequest {
  rawBody: Buffer;
  /** Lower-cased header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** Injected clock (ms since epoch) so tolerance windows are testable. */
  now: number;
}

/** What the connector makes of a verified request: the metadata it can tell from the payload. */
export type ParsedWebhook = Pick<SourceEventMeta, 'objectType' | 'sourceEventId'> & {
  /** The source's correlation id, when the payload carries one. */
  correlationId?: string;
  /** The parsed JSON body (already verified). */
  payload: unknown;
};

/**
 * A pushed source. `verify` runs on the raw body BEFORE anything parses it and throws an
 * `AuthError` (→ 401) naming what failed; `parse` throws an `InvalidPayloadError` (→ 400).
 */
export interface WebhookConnector {
  readonly id: string;
  readonly system: string;
  verify(req: WebhookRequest): void;
  parse(req: WebhookRequest): ParsedWebhook;
}
