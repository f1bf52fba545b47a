import { Logger } from '@nestjs/common';
import type { CanonicalException } from '@exhub/canonical';

/** One delivered, validated exception, with what a workflow tool needs to act on it once. */
export interface ReceivedException {
  /** Which handler took it (`chargeback` or `finance`). */
  handler: string;
  /** The AMQP routing key, `<domain>.<type>.<tier>`. */
  routingKey: string;
  /** `<id>:<version>`: store it with your side effect and skip a message you have already seen. */
  messageId: string | undefined;
  /** True when the broker delivered it before (a crash or requeue): it may be a duplicate. */
  redelivered: boolean;
  exception: CanonicalException;
}

/**
 * Where the workflow tool's own logic goes: create a case, route an approval, post to chat. Resolve
 * only once that is durably done — the message is acked then. Throw for a failure worth retrying.
 */
export interface ExceptionSink {
  handle(received: ReceivedException): Promise<void>;
}

export const EXCEPTION_SINK = Symbol('EXCEPTION_SINK');

/** The example's default sink: one log line per exception. */
export class LoggingSink implements ExceptionSink {
  private readonly logger = new Logger('ExceptionSink');

  async handle({ handler, routingKey, messageId, exception }: ReceivedException): Promise<void> {
    const { score } = exception.priority;
    this.logger.log(
      `[${handler}] ${routingKey} ${messageId ?? '(no message-id)'} score ${score}: ${exception.title}`,
    );
  }
}
