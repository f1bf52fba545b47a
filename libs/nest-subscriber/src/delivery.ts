import type { RmqContext } from '@nestjs/microservices';
import type { Channel, ConsumeMessage } from 'amqplib';

/** What a handler needs of one delivery to act on it once, and to settle it. */
export interface ExhubDelivery {
  /** `<domain>.<type>.<tier>`, e.g. `finance.payment_failure.p1`. */
  routingKey: string;
  /** `<id>:<version>`: store it with your side effect and skip a message you have already seen. */
  messageId: string | undefined;
  /** The broker delivered it before (a crash or a requeue): it may be a duplicate. */
  redelivered: boolean;
  /** Done: the broker forgets the message. Call after your side committed. */
  ack(): void;
  /** Failed: `requeue` true to try again later, false to drop it (or dead-letter, if configured). */
  reject(requeue: boolean): void;
}

/** The delivery behind an `@Ctx() context: RmqContext` (a subscriber with `noAck: false`). */
export function exhubDelivery(context: RmqContext): ExhubDelivery {
  const channel = context.getChannelRef() as Channel;
  const message = context.getMessage() as ConsumeMessage;
  const messageId: unknown = message.properties.messageId;
  return {
    routingKey: message.fields.routingKey,
    messageId: typeof messageId === 'string' ? messageId : undefined,
    redelivered: message.fields.redelivered,
    ack: () => channel.ack(message),
    reject: (requeue) => channel.nack(message, false, requeue),
  };
}
