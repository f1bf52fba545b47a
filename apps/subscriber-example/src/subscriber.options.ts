import type { RmqOptions } from '@nestjs/microservices';
import { names } from '@exhub/messaging';
import { exhubTransport } from '@exhub/nest-subscriber';
import {
  DEFAULT_AMQP_URL,
  DEFAULT_DELIVERY_LIMIT,
  DEFAULT_PREFETCH,
  DEFAULT_QUEUE_SUFFIX,
  FINANCE_EXCEPTIONS,
} from './constants';

export interface SubscriberSettings {
  url: string;
  /** Topology prefix of the hub: `exhub` unless the hub runs with another EXHUB_TOPOLOGY_PREFIX. */
  prefix: string;
  /** This subscriber's own queue. */
  queue: string;
  prefetch: number;
  deliveryLimit: number;
  /** Give up after this many failed connection attempts (-1 = retry forever, Nest's default). */
  maxConnectionAttempts: number;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name}="${raw}" must be a positive integer (default ${fallback})`);
  }
  return value;
}

/** Settings from AMQP_URL, EXHUB_TOPOLOGY_PREFIX, SUBSCRIBER_QUEUE, SUBSCRIBER_PREFETCH. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SubscriberSettings {
  const prefix = env.EXHUB_TOPOLOGY_PREFIX || names().prefix;
  return {
    url: env.AMQP_URL || DEFAULT_AMQP_URL,
    prefix,
    queue: env.SUBSCRIBER_QUEUE || `${prefix}.${DEFAULT_QUEUE_SUFFIX}`,
    prefetch: positiveInteger(env, 'SUBSCRIBER_PREFETCH', DEFAULT_PREFETCH),
    deliveryLimit: positiveInteger(env, 'SUBSCRIBER_DELIVERY_LIMIT', DEFAULT_DELIVERY_LIMIT),
    maxConnectionAttempts: -1,
  };
}

/**
 * Stock `Transport.RMQ` options through `exhubTransport` (libs/nest-subscriber): the hub's topic
 * exchange asserted as the hub declares it, `wildcards` (every `@EventPattern` is also a binding),
 * manual acks and the routing key as the pattern. Nest declares the subscriber's durable quorum
 * queue and binds it with `finance.#` too.
 */
export function subscriberTransport(settings: SubscriberSettings): RmqOptions {
  return exhubTransport({
    urls: [settings.url],
    prefix: settings.prefix,
    queue: settings.queue,
    queueOptions: {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': settings.deliveryLimit },
    },
    routingKey: FINANCE_EXCEPTIONS,
    prefetchCount: settings.prefetch,
    maxConnectionAttempts: settings.maxConnectionAttempts,
  });
}
