import { TransientError, type SourceEventMeta } from '@exhub/core';

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
  /**
   * What makes a redelivery a duplicate, when the source event id alone does not: the id and a
   * digest of the content, for a source whose test tools reuse one placeholder id for different
   * events (Stripe's dashboard test events are all `evt_00000000000000`). Absent: the id.
   */
  dedupeKey?: string;
  /** The parsed body (already verified): JSON, or XML as libs/connector-sdk/src/xml.ts renders it. */
  payload: unknown;
  /**
   * What is published instead of the request's body, when the connector `resolve`d the delivery
   * into the record it names (a notification that carries only keys). Absent: the raw body.
   */
  body?: Buffer;
  /** The media type of `body` (JSON when absent). */
  contentType?: string;
};

/**
 * A pushed source. `verify` runs on the raw body BEFORE anything parses it and throws an
 * `AuthError` (→ 401) naming what failed; `parse` throws an `InvalidPayloadError` (→ 400).
 */
/**
 * A webhook connector that reads its source to resolve a delivery (`resolve`) and cannot now: the
 * ingress answers 503 + Retry-After with this `reason` (e.g. `source_unavailable`), so the sender
 * delivers again. Any other transient failure at ingress is the broker's (`broker_unavailable`).
 */
export class WebhookSourceError extends TransientError {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ingress', message, options);
    this.name = 'WebhookSourceError';
  }
}

export interface WebhookConnector {
  readonly id: string;
  readonly system: string;
  /**
   * Media types (no parameters, lower case) the ingress accepts for this connector, e.g.
   * `['application/xml', 'text/xml']`; absent = `['application/json']`. Anything else is `415`.
   */
  readonly contentTypes?: readonly string[];
  verify(req: WebhookRequest): void;
  parse(req: WebhookRequest): ParsedWebhook;
  /**
   * Optional: turns a parsed notification into what is published, e.g. reads the record a
   * business event names by its keys (SAP S/4HANA events carry only keys). Runs after `verify`
   * and `parse`, before dedupe and publish; its HubErrors are answered like `parse`'s, a
   * TRANSIENT one with 503 + Retry-After so the sender delivers again.
   */
  resolve?(parsed: ParsedWebhook): Promise<ParsedWebhook>;
  /**
   * Optional second way in: watch a configured folder and hand each new file to `submit`, which
   * parses and publishes it like a webhook body (without `verify`: the folder's permissions are
   * the authentication). Absent, or resolving to undefined, when no folder is configured.
   */
  watchDropFolder?(submit: DropSubmit): Promise<DropFolderHandle | undefined>;
}

/** Publishes one dropped file's bytes; resolves once the broker confirmed (throws HubErrors). */
export type DropSubmit = (rawBody: Buffer, fileName: string) => Promise<unknown>;

export interface DropFolderHandle {
  close(): Promise<void>;
}
