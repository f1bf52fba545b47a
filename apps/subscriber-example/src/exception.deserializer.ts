import type { ConsumerDeserializer, IncomingEvent } from '@nestjs/microservices';
import { HEADER, headerString } from '../../../libs/messaging/src';
import { UNROUTABLE_PATTERN } from './constants';

/**
 * Nest's RMQ transport expects a body of `{ pattern, data }`; the hub publishes the plain
 * canonical exception JSON. Nest has already parsed the body when it calls `deserialize`, but it
 * passes only the AMQP properties, not the routing key — so the pattern is rebuilt from the
 * `x-exhub-domain` / `-type` / `-tier` headers, which the contract guarantees equal the routing key
 * `<domain>.<type>.<tier>` (and, failing those, from the body's own fields). No `id` is returned,
 * so Nest treats every message as an event (`@EventPattern`), never as a request to answer.
 */
export class ExceptionDeserializer implements ConsumerDeserializer {
  deserialize(value: unknown, options?: Record<string, unknown>): IncomingEvent {
    return { pattern: routingKeyOf(value, options?.headers), data: value };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `<domain>.<type>.<tier>` of a delivery, or `UNROUTABLE_PATTERN`. */
export function routingKeyOf(body: unknown, headers: unknown): string {
  const h = isRecord(headers) ? headers : undefined;
  const fromHeaders = [HEADER.domain, HEADER.type, HEADER.tier].map((name) =>
    headerString(h, name),
  );
  if (fromHeaders.every((part) => part !== undefined && part !== '')) return fromHeaders.join('.');

  if (isRecord(body) && isRecord(body.priority)) {
    const fromBody = [body.domain, body.type, body.priority.tier];
    if (fromBody.every((part) => typeof part === 'string' && part !== ''))
      return fromBody.join('.');
  }
  return UNROUTABLE_PATTERN;
}
