/**
 * A NestJS app written from NestJS's own RabbitMQ docs (`Transport.RMQ`, `@EventPattern`,
 * `noAck: false`, manual `channel.ack`, the `exchange` + `wildcards` options of its "Wildcards"
 * section) plus the one line of libs/nest-subscriber, `deserializer: new ExhubDeserializer()`,
 * against the real broker: exceptions published as the hub publishes them reach the handler whose
 * pattern matches, typed, and are acked. The same app through `exhubTransport()` too.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, RmqContext, Transport } from '@nestjs/microservices';
import type { Channel, ChannelModel, Message } from 'amqplib';
import {
  buildTopology,
  ConfirmPublisher,
  connectAmqp,
  declareTopology,
  deleteTopology,
  exceptionPublishOptions,
  exceptionRoutingKey,
  type Topology,
} from '@exhub/messaging';
import { type CanonicalException, ExhubDeserializer, exhubTransport } from '@exhub/nest-subscriber';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const FIXTURES = join(__dirname, '../../../libs/canonical/test-fixtures/valid');

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as CanonicalException;
const chargeback = fixture('stripe-chargeback-dispute.json'); // finance.chargeback_dispute.p2
const paymentFailure: CanonicalException = {
  ...chargeback,
  id: '6f1c2d3e-4a5b-5c6d-8e7f-8091a2b3c4d5',
  type: 'payment_failure',
  priority: { ...chargeback.priority, tier: 'p1', score: 88.25 },
};
const slaRisk = fixture('zendesk-sla-breach-risk.json'); // support: not subscribed

/** What the handlers got: which handler, the pattern Nest matched, the typed exception. */
const received: { handler: string; pattern: string; exception: CanonicalException }[] = [];

// As in NestJS's docs: event handlers, manual acknowledgement with the channel from the context.
// `<string>` picks the untyped overload of Nest 12's EventPattern (its typed overload types the
// extra handler arguments as `unknown`, which `context: RmqContext` is not: TS1241).
@Controller()
class PaymentsController {
  @EventPattern<string>('finance.payment_failure.p1')
  onUrgentPaymentFailure(@Payload() exception: CanonicalException, @Ctx() context: RmqContext) {
    received.push({ handler: 'p1', pattern: context.getPattern(), exception });
    const channel = context.getChannelRef() as Channel;
    channel.ack(context.getMessage() as Message);
  }

  @EventPattern<string>('finance.#')
  onFinance(@Payload() exception: CanonicalException, @Ctx() context: RmqContext) {
    received.push({ handler: 'finance', pattern: context.getPattern(), exception });
    const channel = context.getChannelRef() as Channel;
    channel.ack(context.getMessage() as Message);
  }
}

@Module({ controllers: [PaymentsController] })
class AppModule {}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a NestJS app from the NestJS docs, plus ExhubDeserializer (real broker)', () => {
  let model: ChannelModel;
  let publisher: ConfirmPublisher;
  let topology: Topology;
  let prefix: string;
  const queues: string[] = [];
  let app: INestMicroservice | undefined;

  beforeAll(async () => {
    prefix = `t-nest-${randomBytes(4).toString('hex')}`;
    model = await connectAmqp(AMQP_URL, { name: 'exhub e2e nest subscriber' });
    topology = buildTopology({ prefix });
    const channel = await model.createChannel();
    await declareTopology(channel, topology);
    await channel.close();
    publisher = await ConfirmPublisher.create(model);
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    received.length = 0;
  });

  afterAll(async () => {
    if (model) {
      const channel = await model.createChannel();
      for (const queue of queues) await channel.deleteQueue(queue);
      await deleteTopology(channel, topology);
      await channel.close();
      await publisher?.close();
      await model.close();
    }
  });

  async function publishAsTheHub(): Promise<void> {
    for (const exception of [paymentFailure, chargeback, slaRisk]) {
      await publisher.publish(
        topology.names.exceptions,
        exceptionRoutingKey(exception),
        Buffer.from(JSON.stringify(exception)),
        exceptionPublishOptions(exception),
      );
    }
  }

  /** Ready and unacked messages of a queue: zero of both once the app is closed = all acked. */
  async function depth(queue: string): Promise<number> {
    const channel = await model.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close();
    }
  }

  async function expectReceivedAndAcked(queue: string): Promise<void> {
    await publishAsTheHub();
    await waitFor('both finance exceptions', () => received.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong extra delivery
    expect(received).toEqual([
      { handler: 'p1', pattern: 'finance.payment_failure.p1', exception: paymentFailure },
      { handler: 'finance', pattern: 'finance.chargeback_dispute.p2', exception: chargeback },
    ]);
    // Closing the app returns unacked deliveries to the queue: none there means all were acked.
    await app?.close();
    app = undefined;
    expect(await depth(queue)).toBe(0);
  }

  it('the docs app with `deserializer: new ExhubDeserializer()` gets each exception, typed, and acks', async () => {
    const queue = `${prefix}.payments`;
    queues.push(queue);
    app = await NestFactory.createMicroservice(AppModule, {
      transport: Transport.RMQ,
      options: {
        urls: [AMQP_URL],
        queue,
        queueOptions: { durable: true },
        noAck: false,
        exchange: topology.names.exceptions,
        wildcards: true,
        deserializer: new ExhubDeserializer(),
      },
      logger: ['error', 'warn'],
    });
    await app.listen();
    await expectReceivedAndAcked(queue);
  });

  it('the same app through exhubTransport({ urls, queue, prefix })', async () => {
    const queue = `${prefix}.payments-helper`;
    queues.push(queue);
    app = await NestFactory.createMicroservice(AppModule, {
      ...exhubTransport({ urls: [AMQP_URL], queue, prefix }),
      logger: ['error', 'warn'],
    });
    await app.listen();
    await expectReceivedAndAcked(queue);
  });
});
