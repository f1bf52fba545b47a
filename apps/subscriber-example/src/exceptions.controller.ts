import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';
import { exhubDelivery, validateCanonicalException } from '@exhub/nest-subscriber';
import { CHARGEBACK_EXCEPTIONS, FINANCE_EXCEPTIONS } from './constants';
import { EXCEPTION_SINK, type ExceptionSink } from './exception-sink';

/**
 * With `wildcards: true` Nest tries an exact pattern first, then the wildcard patterns in the
 * order they are declared here, and takes the first match: the specific pattern comes before the
 * catch-all. Every `@EventPattern` is also bound to the queue as a binding key, so a pattern here
 * is a subscription — never declare `#` in a subscriber that wants only part of the stream.
 * `<string>` picks the untyped overload of Nest 12's `EventPattern`: its typed overload types the
 * extra handler arguments as `unknown`, which an `@Ctx() context: RmqContext` parameter is not.
 */
@Controller()
export class ExceptionsController {
  private readonly logger = new Logger(ExceptionsController.name);

  constructor(@Inject(EXCEPTION_SINK) private readonly sink: ExceptionSink) {}

  @EventPattern<string>(CHARGEBACK_EXCEPTIONS)
  onChargeback(@Payload() data: unknown, @Ctx() context: RmqContext): Promise<void> {
    return this.handle('chargeback', data, context);
  }

  @EventPattern<string>(FINANCE_EXCEPTIONS)
  onFinance(@Payload() data: unknown, @Ctx() context: RmqContext): Promise<void> {
    return this.handle('finance', data, context);
  }

  /**
   * Manual ack (the queue is consumed with `noAck: false`). Nest leaves a message unacked when a
   * handler throws, so this never throws: it acks, or rejects with an explicit requeue decision.
   */
  private async handle(handler: string, data: unknown, context: RmqContext): Promise<void> {
    const delivery = exhubDelivery(context);
    const { routingKey, messageId } = delivery;
    const result = validateCanonicalException(data);
    if (!result.ok) {
      // It will never become valid: requeueing would only loop. The hub's schema is the contract.
      const issues = result.issues.map((i) => `${i.pointer || '/'} ${i.message}`).join('; ');
      this.logger.error(
        `rejected ${messageId ?? 'a message'} on ${routingKey}: not a canonical exception v1 (${issues})`,
      );
      delivery.reject(false);
      return;
    }
    try {
      await this.sink.handle({
        handler,
        routingKey,
        messageId,
        redelivered: delivery.redelivered,
        exception: result.value,
      });
      delivery.ack();
    } catch (error) {
      // Worth another try (the tool's backend was down…); the queue's x-delivery-limit bounds it.
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`requeued ${messageId ?? 'a message'} on ${routingKey}: ${reason}`);
      delivery.reject(true);
    }
  }
}
