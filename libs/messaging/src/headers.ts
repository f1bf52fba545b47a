/**
 * The AMQP header contract (ARCHITECTURE.md, "RabbitMQ contract") and the SourceEvent mapping
 * between `SourceEventMeta` and AMQP properties. The body of a SourceEvent is always the source
 * payload bytes, untouched: everything the hub knows about it rides here.
 */
import type { Message, Options } from 'amqplib';
import { InvalidPayloadError } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import { SOURCE_EVENT_MESSAGE_TYPE } from './constants';

export const HEADER = {
  /** Dead-letter / retry: the stage that failed (`map`, `validate`, …). */
  errorStage: 'x-exhub-error-stage',
  /** Dead-letter / retry: the error class (`TRANSIENT`, `INVALID_PAYLOAD`, …). */
  errorClass: 'x-exhub-error-class',
  /** Dead-letter / retry: the error message, truncated. */
  errorMessage: 'x-exhub-error-message',
  /** Failed handler attempts so far (integer). */
  attempts: 'x-exhub-attempts',
  /**
   * Of those, the failed attempts in a row with this stage and class (integer): what an error's own
   * lower attempt limit counts, so earlier failures of another kind do not use it up.
   */
  failureStreak: 'x-exhub-failure-streak',
  /** ISO 8601 time of the first failed attempt; kept across retries. */
  firstFailedAt: 'x-exhub-first-failed-at',
  /** ISO 8601 time the hub dead-lettered the message (the dead-letter ledger's entry time). */
  deadLetteredAt: 'x-exhub-dead-lettered-at',
  /** Exception messages: canonical `domain`, `type`, priority `tier` and `score`. */
  domain: 'x-exhub-domain',
  type: 'x-exhub-type',
  tier: 'x-exhub-tier',
  score: 'x-exhub-score',
  /** W3C trace context. */
  traceparent: 'traceparent',
  /** SourceEvent metadata. */
  connector: 'x-exhub-connector',
  system: 'x-exhub-system',
  objectType: 'x-exhub-object-type',
  sourceEventId: 'x-exhub-source-event-id',
  receivedAt: 'x-exhub-received-at',
  /** Set on a SourceEvent re-published by a replay: the hub event id of the original raw event. */
  replayOf: 'x-exhub-replay-of',
} as const;

export type HeaderName = (typeof HEADER)[keyof typeof HEADER];

/**
 * Headers the broker writes (dead-lettering history, quorum delivery count). They are dropped when
 * the hub republishes a delivery (retry, DLQ): the broker re-adds its own, and a client re-encoding
 * them could change their AMQP field types.
 */
export const BROKER_MANAGED_HEADERS: readonly string[] = [
  'x-death',
  'x-delivery-count',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
];

type Headers = Record<string, unknown> | undefined;

/** A header as a string: AMQP clients send text as a long string or as bytes; both are accepted. */
export function headerString(headers: Headers, name: string): string | undefined {
  const value = headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Publish options of a SourceEvent on `exhub.ingress`. `mandatory` is set: the ingress exchange is
 * always bound to the archive and work queues, so an unroutable ingress publish means the topology
 * is broken and must fail the publish rather than be confirmed and dropped.
 */
export function sourceEventPublishOptions(meta: SourceEventMeta): Options.Publish {
  const receivedAtMs = Date.parse(meta.receivedAt);
  if (Number.isNaN(receivedAtMs)) {
    throw new RangeError(
      `SourceEventMeta.receivedAt of event ${meta.eventId} is not an ISO 8601 time: "${meta.receivedAt}"`,
    );
  }
  const headers: Record<string, string> = {
    [HEADER.connector]: meta.connectorId,
    [HEADER.system]: meta.system,
    [HEADER.objectType]: meta.objectType,
    [HEADER.receivedAt]: meta.receivedAt,
  };
  if (meta.sourceEventId !== undefined) headers[HEADER.sourceEventId] = meta.sourceEventId;
  if (meta.traceparent !== undefined) headers[HEADER.traceparent] = meta.traceparent;
  return {
    persistent: true,
    mandatory: true,
    messageId: meta.eventId,
    correlationId: meta.correlationId,
    contentType: meta.contentType,
    // AMQP timestamps are whole seconds; the exact time travels in x-exhub-received-at.
    timestamp: Math.floor(receivedAtMs / 1000),
    type: SOURCE_EVENT_MESSAGE_TYPE,
    headers,
  };
}

/**
 * The inverse of `sourceEventPublishOptions`. Throws an `InvalidPayloadError` (stage `parse`, so
 * the message is dead-lettered, not retried) naming the first missing property or header.
 */
export function sourceEventMetaFrom(msg: Pick<Message, 'properties'>): SourceEventMeta {
  const props = msg.properties;
  const headers = props.headers as Headers;
  const where = typeof props.messageId === 'string' ? `source event ${props.messageId}` : 'message';
  const fix = 'publish SourceEvents with sourceEventPublishOptions() from libs/messaging';

  const property = (name: 'messageId' | 'correlationId' | 'contentType'): string => {
    const value: unknown = props[name];
    if (typeof value === 'string' && value !== '') return value;
    throw new InvalidPayloadError('parse', `${where} has no AMQP property ${name} — ${fix}`);
  };
  const header = (name: string): string => {
    const value = headerString(headers, name);
    if (value !== undefined && value !== '') return value;
    throw new InvalidPayloadError('parse', `${where} has no ${name} header — ${fix}`);
  };

  const meta: SourceEventMeta = {
    eventId: property('messageId'),
    correlationId: property('correlationId'),
    connectorId: header(HEADER.connector),
    system: header(HEADER.system),
    objectType: header(HEADER.objectType),
    receivedAt: header(HEADER.receivedAt),
    contentType: property('contentType'),
  };
  const sourceEventId = headerString(headers, HEADER.sourceEventId);
  if (sourceEventId !== undefined) meta.sourceEventId = sourceEventId;
  const traceparent = headerString(headers, HEADER.traceparent);
  if (traceparent !== undefined) meta.traceparent = traceparent;
  return meta;
}
