import { type RmqOptions, Transport } from '@nestjs/microservices';
import { names } from '@exhub/messaging';
import { ExhubDeserializer } from './exhub.deserializer';

/** Nest's own `Transport.RMQ` options, all of which may still be given. */
type NestRmqOptions = NonNullable<RmqOptions['options']>;

export interface ExhubTransportOptions extends NestRmqOptions {
  /** Your own queue (never one of the hub's `exhub.*` queues). */
  queue: string;
  /** Topology prefix of the hub: `exhub` unless the hub runs with another EXHUB_TOPOLOGY_PREFIX. */
  prefix?: string;
}

/**
 * `Transport.RMQ` options for a subscriber of the hub's exceptions, for
 * `NestFactory.createMicroservice(AppModule, exhubTransport({ urls, queue }))`. On top of
 * Nest's defaults it sets what the hub's contract needs; every option given wins over these:
 * - `exchange: '<prefix>.exceptions'`, `exchangeType: 'topic'`: the hub's exchange, asserted as the
 *   hub declares it (durable topic, no arguments), so the subscriber may start first;
 * - `wildcards: true`: Nest binds your queue with every `@EventPattern` and matches `*` and `#`
 *   patterns (without it, only exact patterns such as `finance.payment_failure.p1` match, and no
 *   binding is made);
 * - `noAck: false`: acknowledge after your side committed (Nest's default `true` loses messages on
 *   a crash);
 * - `deserializer: new ExhubDeserializer()`: the routing key as the pattern.
 */
export function exhubTransport(options: ExhubTransportOptions): RmqOptions {
  const { prefix, ...rest } = options;
  return {
    transport: Transport.RMQ,
    options: {
      exchange: names(prefix).exceptions,
      exchangeType: 'topic',
      wildcards: true,
      noAck: false,
      deserializer: new ExhubDeserializer(),
      ...rest,
    },
  };
}
