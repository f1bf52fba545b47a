/**
 * The message contract of `exhub.exceptions` (ARCHITECTURE.md, "RabbitMQ contract"): body is the
 * canonical exception JSON; `message-id` = `<id>:<version>`; `correlation-id`; `type` =
 * `exception.v1`; AMQP `priority` from the tier; headers `x-exhub-domain`, `x-exhub-type`,
 * `x-exhub-tier`, `x-exhub-score` (decimal text), `traceparent`. Plain AMQP clients and a stock NestJS
 * `Transport.RMQ` subscriber read it without hub code.
 */
import type { Options } from 'amqplib';
import { EXCEPTION_MESSAGE_TYPE, REVIEW_BINDING_KEY, TIER_PRIORITY } from './constants';
import { HEADER } from './headers';

/** The fields of a canonical exception this contract reads (CanonicalException satisfies it). */
export interface ExceptionMessageFields {
  id: string;
  version: number;
  correlationId: string;
  domain: string;
  type: string;
  priority: { tier: string; score: number };
}

/** `x-exhub-score`: the score as decimal text, e.g. `40.03`, `87` (what JSON has in the body). */
export function scoreHeader(score: number): string {
  return String(score);
}

/** `<domain>.<type>.<tier>`, e.g. `finance.invoice_mismatch.p1`. */
export function exceptionRoutingKey(exception: ExceptionMessageFields): string {
  return `${exception.domain}.${exception.type}.${exception.priority.tier}`;
}

export interface ExceptionPublishExtras {
  /**
   * Also route this publish to the review queue, in the same publish and confirm: adds
   * `BCC: review`, which the review queue's binding on the exceptions exchange matches and the
   * broker strips before delivery. Use instead of a second publish to the review queue.
   */
  routeToReview?: boolean;
  /** Time the exception is published; defaults to now. */
  now?: Date;
}

/**
 * Publish options of an exception on the exceptions exchange. Not `mandatory`: an exchange without
 * subscribers yet is a normal state of a fresh install, not an error.
 */
export function exceptionPublishOptions(
  exception: ExceptionMessageFields,
  traceparent?: string,
  extras: ExceptionPublishExtras = {},
): Options.Publish {
  const headers: Record<string, string> = {
    [HEADER.domain]: exception.domain,
    [HEADER.type]: exception.type,
    [HEADER.tier]: exception.priority.tier,
    // As text, the same digits as `priority.score` in the body: a JS number would go out as an
    // AMQP double (or an integer when whole), which clients decode differently (pika 1.2 read
    // 40.03 as 40). A long string reads the same in every client.
    [HEADER.score]: scoreHeader(exception.priority.score),
  };
  if (traceparent !== undefined) headers[HEADER.traceparent] = traceparent;
  const options: Options.Publish = {
    persistent: true,
    contentType: 'application/json',
    messageId: `${exception.id}:${exception.version}`,
    correlationId: exception.correlationId,
    type: EXCEPTION_MESSAGE_TYPE,
    timestamp: Math.floor((extras.now ?? new Date()).getTime() / 1000),
    headers,
  };
  const priority = TIER_PRIORITY[exception.priority.tier];
  if (priority !== undefined) options.priority = priority;
  if (extras.routeToReview) options.BCC = REVIEW_BINDING_KEY;
  return options;
}
