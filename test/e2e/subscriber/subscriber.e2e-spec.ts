/**
 * A downstream subscriber against a real RabbitMQ: exceptions published exactly as the hub
 * publishes them (exceptionPublishOptions + exceptionRoutingKey, one confirmed publish, BCC review
 * when required) must reach (a) the stock NestJS `Transport.RMQ` example subscriber, parsed and
 * routed to the right handler and acked, and (b) Debian's `amqp-consume`, as plain JSON that
 * validates against the canonical schema. Everything lives under a random prefix and is deleted
 * afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ChannelModel } from 'amqplib';
import { type CanonicalException, validateCanonicalException } from '@exhub/canonical';
import {
  buildTopology,
  ConfirmPublisher,
  connectAmqp,
  declareTopology,
  deleteTopology,
  exceptionPublishOptions,
  exceptionRoutingKey,
  newTraceparent,
  type Topology,
} from '@exhub/messaging';
import type {
  ExceptionSink,
  ReceivedException,
} from '../../../apps/subscriber-example/src/exception-sink';
import { SubscriberModule } from '../../../apps/subscriber-example/src/subscriber.module';
import {
  settingsFromEnv,
  subscriberTransport,
} from '../../../apps/subscriber-example/src/subscriber.options';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const FIXTURES = join(__dirname, '../../../libs/canonical/test-fixtures/valid');
const AMQP_CONSUME_TIMEOUT_MS = 15_000;

function fixture(name: string): CanonicalException {
  const doc: unknown = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
  const result = validateCanonicalException(doc);
  if (!result.ok) throw new Error(`fixture ${name} is not a valid canonical exception`);
  return result.value;
}

const chargeback = fixture('stripe-chargeback-dispute.json'); // finance, no review
const invoice = fixture('sap-invoice-mismatch-full.json'); // finance, review required
const slaRisk = fixture('zendesk-sla-breach-risk.json'); // support, review required

/**
 * Nest 12's RMQ server connects through `amqp-connection-manager` (server/server-rmq.js,
 * createClient) and calls process.exit(1) when it is missing, which would kill the test runner
 * without a word: check first and fail with the fix.
 */
function requireAmqpConnectionManager(): void {
  const nestEntry = createRequire(__filename).resolve('@nestjs/microservices');
  try {
    createRequire(nestEntry).resolve('amqp-connection-manager');
  } catch {
    throw new Error(
      'amqp-connection-manager is not installed, and @nestjs/microservices 12 Transport.RMQ cannot ' +
        'connect without it (ServerRMQ.createClient loads it and exits the process if it is ' +
        'missing). Fix: npm install amqp-connection-manager (add it to package.json dependencies).',
    );
  }
}

/** Path of Debian's amqp-consume (package amqp-tools), or a failure that says how to get it. */
function amqpConsumePath(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, 'amqp-consume');
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    `amqp-consume was not found in PATH or /usr/bin: install Debian's amqp-tools ` +
      `(sudo apt-get install amqp-tools). This test proves a plain AMQP client reads the hub's ` +
      `exception messages; it must not be skipped.`,
  );
}

/** A sink that records what the subscriber's handlers received. */
class RecordingSink implements ExceptionSink {
  readonly received: ReceivedException[] = [];

  async handle(received: ReceivedException): Promise<void> {
    this.received.push(received);
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a downstream subscriber on a real broker', () => {
  let model: ChannelModel;
  let publisher: ConfirmPublisher;
  let topology: Topology;
  let prefix: string;
  let subscriberQueue: string;
  let cliQueue: string;
  let app: INestMicroservice | undefined;
  let published: Promise<void> | undefined;

  /** Messages ready in a queue (passive declare on its own channel: a miss closes it). */
  async function ready(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
    const channel = await model.createChannel();
    try {
      return await channel.checkQueue(queue);
    } finally {
      await channel.close();
    }
  }

  /**
   * Publish the three fixtures once, as the hub's pipeline does. Both tests read copies of this
   * one publish; whichever runs first triggers it after its consumer's queue exists.
   */
  function publishOnce(): Promise<void> {
    published ??= (async () => {
      for (const exception of [chargeback, invoice, slaRisk]) {
        await publisher.publish(
          topology.names.exceptions,
          exceptionRoutingKey(exception),
          Buffer.from(JSON.stringify(exception)),
          exceptionPublishOptions(exception, newTraceparent(), {
            routeToReview: exception.priority.review.required,
          }),
        );
      }
    })();
    return published;
  }

  beforeAll(async () => {
    prefix = `t-sub-${randomBytes(4).toString('hex')}`;
    subscriberQueue = `${prefix}.example.finance`;
    cliQueue = `${prefix}.example.cli`;
    model = await connectAmqp(AMQP_URL, { name: 'exhub e2e subscriber' });
    topology = buildTopology({ prefix });
    const channel = await model.createChannel();
    await declareTopology(channel, topology);
    // What an operator would do for a plain AMQP client: a queue of its own, bound to chargebacks.
    await channel.assertQueue(cliQueue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await channel.bindQueue(cliQueue, topology.names.exceptions, 'finance.chargeback_dispute.*');
    await channel.close();
    publisher = await ConfirmPublisher.create(model);
  });

  afterAll(async () => {
    await app?.close();
    if (model) {
      const channel = await model.createChannel();
      await channel.deleteQueue(subscriberQueue);
      await channel.deleteQueue(cliQueue);
      await deleteTopology(channel, topology);
      await channel.close();
      await publisher?.close();
      await model.close();
    }
  });

  it('(a) the stock Transport.RMQ example gets each finance exception parsed, with its routing key, once, and acks it', async () => {
    requireAmqpConnectionManager();
    const sink = new RecordingSink();
    const settings = {
      ...settingsFromEnv({}),
      url: AMQP_URL,
      prefix,
      queue: subscriberQueue,
      maxConnectionAttempts: 1,
    };
    app = await NestFactory.createMicroservice(SubscriberModule.register(sink), {
      ...subscriberTransport(settings),
      logger: ['error', 'warn'],
    });
    await app.listen();
    await publishOnce();
    // A document that breaks the schema, behind headers that route it to the catch-all handler:
    // rejected without requeue, never handed to the sink.
    const untitled: Partial<CanonicalException> = { ...invoice };
    delete untitled.title;
    await publisher.publish(
      topology.names.exceptions,
      exceptionRoutingKey(invoice),
      Buffer.from(JSON.stringify(untitled)),
      exceptionPublishOptions(invoice),
    );

    await waitFor(
      'the subscriber to receive both finance exceptions',
      () => sink.received.length >= 2,
    );
    // Give a duplicate (two matching bindings), the invalid document or the support exception
    // time to show up wrongly.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const byId = new Map(sink.received.map((r) => [r.exception.id, r]));
    expect(sink.received).toHaveLength(2);
    expect(byId.get(chargeback.id)).toEqual({
      handler: 'chargeback',
      routingKey: 'finance.chargeback_dispute.p2',
      messageId: `${chargeback.id}:${chargeback.version}`,
      redelivered: false,
      exception: chargeback,
    });
    expect(byId.get(invoice.id)).toEqual({
      handler: 'finance',
      routingKey: exceptionRoutingKey(invoice),
      messageId: `${invoice.id}:${invoice.version}`,
      redelivered: false,
      exception: invoice,
    });
    expect(byId.has(slaRisk.id)).toBe(false);

    // Nothing left ready, and the example is the queue's consumer.
    expect(await ready(subscriberQueue)).toEqual({
      queue: subscriberQueue,
      messageCount: 0,
      consumerCount: 1,
    });
    // Closing Nest closes its channel, which returns every unacked delivery to the queue: still
    // zero afterwards means both exceptions were acked and the invalid one rejected, not merely
    // delivered.
    await app.close();
    app = undefined;
    expect(await ready(subscriberQueue)).toMatchObject({ messageCount: 0, consumerCount: 0 });

    // The exceptions that required review reached the review queue in the same publish.
    expect((await ready(topology.names.review)).messageCount).toBe(2);
  });

  it('(b) amqp-consume reads the same message body as plain JSON that validates', async () => {
    const amqpConsume = amqpConsumePath();
    await publishOnce();

    const { stdout } = await promisify(execFile)(
      amqpConsume,
      ['--url', AMQP_URL, '--queue', cliQueue, '--count', '1', '--prefetch-count', '1', 'cat'],
      { timeout: AMQP_CONSUME_TIMEOUT_MS, encoding: 'utf8' },
    ).catch((error: Error & { killed?: boolean; stderr?: string }) => {
      throw new Error(
        error.killed
          ? `amqp-consume got no message from ${cliQueue} within ${AMQP_CONSUME_TIMEOUT_MS} ms`
          : `amqp-consume failed: ${error.message} ${error.stderr ?? ''}`,
      );
    });

    const body: unknown = JSON.parse(stdout);
    const result = validateCanonicalException(body);
    expect(result.ok ? 'valid' : result.issues).toBe('valid');
    expect(body).toEqual(chargeback);
    // amqp-consume acknowledged it.
    expect((await ready(cliQueue)).messageCount).toBe(0);
  });
});
