import type { ConsumerDeserializer, IncomingEvent } from '@nestjs/microservices';
import { HEADER, headerString } from '@exhub/messaging';

/**
 * Pattern given to a message whose routing key cannot be read (no `x-exhub-*` headers and a body
 * that is not a canonical exception). Only a `#` handler matches it; otherwise Nest rejects the
 * message without requeue and logs "An unsupported event was received … Pattern: unroutable".
 */
export const UNROUTABLE_PATTERN = 'unroutable';

/**
 * Lets a stock NestJS `Transport.RMQ` app receive the hub's exceptions with `@EventPattern`.
 *
 * Nest's RMQ server expects a body of `{ pattern, data }`; the hub publishes the plain canonical
 * exception JSON, so without this every message arrives with pattern `undefined` and is nacked.
 * Nest 12 (`ServerRMQ.handleMessage`) parses the body and passes the deserializer the AMQP
 * properties only — not `fields.routingKey` — so the pattern is rebuilt from the `x-exhub-domain`
 * / `-type` / `-tier` headers, which the hub's contract (schemas/asyncapi.yaml) guarantees equal
 * the routing key `<domain>.<type>.<tier>`; failing those, from the body's own fields. No `id` is
 * returned, so Nest treats every message as an event, never as a request to answer.
 */
export class ExhubDeserializer implements ConsumerDeserializer {
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
