/**
 * An isolated hub topology for reliability tests: a random prefix, the topology declared, and a
 * durable quorum queue bound to the exceptions exchange that collects every exception the hub
 * publishes (it survives hub crashes and broker restarts). `cleanup` deletes all of it.
 */
import { randomBytes } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import {
  buildTopology,
  connectAmqp,
  declareTopology,
  deleteTopology,
  type Topology,
} from '@exhub/messaging';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** Binding key that matches every exception routing key. */
const ALL_KEYS = '#';

export interface ReliabilityFixture {
  prefix: string;
  topology: Topology;
  /** Quorum queue bound to `<prefix>.exceptions` with `#`. */
  collectQueue: string;
  stripeSecret: string;
  /** Delete the topology and the collect queue (opens its own connection: the broker may have restarted). */
  cleanup(): Promise<void>;
}

export function connectTest(name: string): Promise<ChannelModel> {
  return connectAmqp(AMQP_URL, { name: `exhub e2e reliability ${name}` });
}

export async function reliabilityFixture(): Promise<ReliabilityFixture> {
  const prefix = `t-rel-${randomBytes(4).toString('hex')}`;
  const topology = buildTopology({ prefix });
  const collectQueue = `${prefix}.test.collect`;
  const model = await connectTest('setup');
  try {
    const channel = await model.createChannel();
    await declareTopology(channel, topology);
    await channel.assertQueue(collectQueue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await channel.bindQueue(collectQueue, topology.names.exceptions, ALL_KEYS);
    await channel.close();
  } finally {
    await model.close();
  }
  return {
    prefix,
    topology,
    collectQueue,
    stripeSecret: `whsec_${randomBytes(16).toString('hex')}`,
    async cleanup() {
      const m = await connectTest('cleanup');
      try {
        const channel = await m.createChannel();
        await channel.deleteQueue(collectQueue);
        await deleteTopology(channel, topology);
        await channel.close();
      } finally {
        await m.close();
      }
    },
  };
}
