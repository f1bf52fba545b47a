/**
 * Real-broker test helpers for libs/messaging. Every test declares its own topology under a random
 * prefix, so it can neither see nor disturb a hub running on the same broker, and deletes it after.
 */
import { randomBytes } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import {
  buildTopology,
  connectAmqp,
  declareTopology,
  deleteTopology,
  type Topology,
  type TopologyOptions,
} from '@exhub/messaging';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export function randomPrefix(): string {
  return `t-msg-${randomBytes(4).toString('hex')}`;
}

export async function connect(name: string): Promise<ChannelModel> {
  return connectAmqp(AMQP_URL, { name: `exhub e2e ${name}` });
}

/** Declare a fresh topology; returns it with a cleanup that deletes everything it declared. */
export async function isolatedTopology(
  model: ChannelModel,
  options: Partial<TopologyOptions> = {},
): Promise<{ topology: Topology; cleanup: () => Promise<void> }> {
  const topology = buildTopology({ prefix: randomPrefix(), ...options });
  const channel = await model.createChannel();
  await declareTopology(channel, topology);
  await channel.close();
  return {
    topology,
    cleanup: async () => {
      const ch = await model.createChannel();
      await deleteTopology(ch, topology);
      await ch.close();
    },
  };
}

/**
 * Collect deliveries from a queue into an array (acking each) until `stop()`. Streams need a
 * prefetch and manual acks; `from: 'first'` reads a stream from its start.
 */
export async function collect(
  model: ChannelModel,
  queue: string,
  options: { from?: 'first' } = {},
): Promise<{ messages: ConsumeMessage[]; stop: () => Promise<void>; channel: Channel }> {
  const channel = await model.createChannel();
  await channel.prefetch(50);
  const messages: ConsumeMessage[] = [];
  const { consumerTag } = await channel.consume(
    queue,
    (msg) => {
      if (!msg) return;
      messages.push(msg);
      channel.ack(msg);
    },
    {
      noAck: false,
      arguments: options.from ? { 'x-stream-offset': options.from } : undefined,
    },
  );
  return {
    messages,
    channel,
    stop: async () => {
      await channel.cancel(consumerTag);
      await channel.close();
    },
  };
}

/** Poll until `check` returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
