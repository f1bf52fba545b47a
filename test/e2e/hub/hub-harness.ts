import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import { Secret, loadEnvSettings } from '@exhub/config';
import { declareTopology, deleteTopology } from '@exhub/messaging';
import { signStripePayload } from '@exhub/connectors/stripe';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';

export const STRIPE_SECRET = `whsec_${randomBytes(16).toString('hex')}`;
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';

export interface Harness {
  app: NestFastifyApplication;
  rt: HubRuntime;
  prefix: string;
  /** A separate client connection, as a subscriber would have. */
  client: amqp.ChannelModel;
  channel: amqp.Channel;
  post(
    path: string,
    body: Buffer | string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/** Starts a real hub (HTTP in-process, real RabbitMQ) on a topology with a unique prefix. */
export async function startHub(
  envOverrides: Record<string, string> = {},
  options: { logger?: pino.Logger } = {},
): Promise<Harness> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const env = loadEnvSettings({
    ...process.env,
    AMQP_URL,
    EXHUB_TOPOLOGY_PREFIX: prefix,
    // One store per hub under test: webhook ids and versions from other runs must not leak in.
    EXHUB_STORE_URL: 'sqlite::memory:',
    ...envOverrides,
  });
  const rt = await createRuntime(env, 'e2e', {
    logger: options.logger ?? pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
    connectors: [
      {
        id: 'stripe',
        type: 'stripe',
        enabled: true,
        settings: { secrets: [new Secret(STRIPE_SECRET, 'test')], toleranceSeconds: 300 },
      },
    ],
  });
  const app = await createHubApp(rt);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const client = await amqp.connect(AMQP_URL);
  const channel = await client.createChannel();
  const fastify = app.getHttpAdapter().getInstance();
  return {
    app,
    rt,
    prefix,
    client,
    channel,
    async post(path, body, headers = {}) {
      const r = await fastify.inject({ method: 'POST', url: path, payload: body, headers });
      return { status: r.statusCode, headers: r.headers, json: r.body ? JSON.parse(r.body) : {} };
    },
    async get(path, headers = {}) {
      const r = await fastify.inject({ method: 'GET', url: path, headers });
      return { status: r.statusCode, body: r.body };
    },
    async close() {
      await app.close();
      const ch = await client.createChannel();
      await deleteTopology(ch, rt.topology);
      await ch.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    },
  };
}

/** A runtime served in-process, with a subscriber listening to every exception it publishes. */
export interface ServedRuntime {
  app: NestFastifyApplication;
  client: amqp.ChannelModel;
  channel: amqp.Channel;
  /** A queue bound to the exceptions exchange with `#`. */
  queue: string;
  /** Closes the app, deletes the topology and closes the client. */
  close(): Promise<void>;
}

/**
 * Serves a runtime a test built itself (its own connectors and context settings): the topology is
 * declared and the subscriber bound BEFORE the app starts, so nothing is published unheard.
 */
export async function serveRuntime(rt: HubRuntime): Promise<ServedRuntime> {
  const client = await amqp.connect(AMQP_URL);
  const channel = await client.createChannel();
  await declareTopology(channel, rt.topology);
  const queue = await subscribe(channel, rt.topology.names.exceptions, '#');
  const app = await createHubApp(rt);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    client,
    channel,
    queue,
    async close() {
      await app.close();
      const ch = await client.createChannel();
      await deleteTopology(ch, rt.topology);
      await ch.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    },
  };
}

/** Creates an API key with `role` in the hub's store; returns the header that sends it. */
export async function apiKeyHeader(
  rt: HubRuntime,
  role: 'viewer' | 'steward' | 'operator' | 'admin',
  name = `e2e-${role}`,
): Promise<Record<string, string>> {
  const created = await rt.store.createApiKey(role, name);
  return { authorization: `Bearer ${created.key}` };
}

export function stripeHeaders(
  body: Buffer,
  t = Math.floor(Date.now() / 1000),
  secret = STRIPE_SECRET,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'stripe-signature': signStripePayload(body, secret, t),
  };
}

/** Declares an exclusive queue bound to an exchange, as a downstream subscriber would. */
export async function subscribe(
  channel: amqp.Channel,
  exchange: string,
  pattern: string,
): Promise<string> {
  const q = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(q.queue, exchange, pattern);
  return q.queue;
}

/** Waits until `count` messages were taken from `queue` (or the timeout), acking each. */
export async function take(
  channel: amqp.Channel,
  queue: string,
  count: number,
  timeoutMs = 10_000,
): Promise<amqp.GetMessage[]> {
  const got: amqp.GetMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    const m = await channel.get(queue, { noAck: false });
    if (m) {
      channel.ack(m);
      got.push(m);
    } else {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return got;
}

/** Waits until `probe` returns a value that passes `ok`, or returns the last value seen. */
export async function until<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await probe();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}
