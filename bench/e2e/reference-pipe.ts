/**
 * The hand-written reference of the end-to-end pass (issue 17): one Node process doing the hops
 * the hub does for a signed webhook, and nothing else — verify the Stripe signature on the raw
 * body, publish the event persistent with a broker confirm to a fanout exchange that feeds a
 * stream (the archive) and a quorum queue (the work queue), answer 202; consume the work queue,
 * publish an exception persistent with a confirm to a topic exchange, ack. No mapping, scoring,
 * validation or store: the gap between it and the hub is what the hub's own work costs.
 *
 * Forked by run.ts with one JSON argument ({ amqpUrl, prefix, secret }); answers { port } over IPC
 * once it listens, and stops on SIGTERM.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import * as amqp from 'amqplib';

interface Options {
  amqpUrl: string;
  prefix: string;
  secret: string;
}

const PREFETCH = 32;

function verified(header: string | undefined, body: Buffer, secret: string): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !v1) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as Options;
  const names = {
    ingress: `${options.prefix}.ingress`,
    archive: `${options.prefix}.archive`,
    work: `${options.prefix}.work`,
    exceptions: `${options.prefix}.exceptions`,
  };
  const connection = await amqp.connect(options.amqpUrl);
  const setup = await connection.createChannel();
  await setup.assertExchange(names.ingress, 'fanout', { durable: true });
  await setup.assertExchange(names.exceptions, 'topic', { durable: true });
  await setup.assertQueue(names.archive, {
    durable: true,
    arguments: { 'x-queue-type': 'stream' },
  });
  await setup.assertQueue(names.work, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await setup.bindQueue(names.archive, names.ingress, '');
  await setup.bindQueue(names.work, names.ingress, '');
  await setup.close();

  const ingress = await connection.createConfirmChannel();
  const out = await connection.createConfirmChannel();
  const work = await connection.createChannel();
  await work.prefetch(PREFETCH);
  await work.consume(names.work, (msg) => {
    if (!msg) return;
    const event = JSON.parse(msg.content.toString('utf8')) as {
      id: string;
      type: string;
      data: { object: { id: string; amount: number; currency: string } };
    };
    const exception = {
      id: event.data.object.id,
      type: 'chargeback_dispute',
      source: { system: 'stripe', objectId: event.data.object.id, eventId: event.id },
      amount: { value: String(event.data.object.amount), currency: event.data.object.currency },
    };
    out.publish(
      names.exceptions,
      'finance.chargeback_dispute.p2',
      Buffer.from(JSON.stringify(exception)),
      { persistent: true, contentType: 'application/json', messageId: `${exception.id}:1` },
      (err) => (err ? work.nack(msg, false, true) : work.ack(msg)),
    );
  });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!verified(req.headers['stripe-signature'] as string | undefined, body, options.secret)) {
        res.writeHead(401).end();
        return;
      }
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      ingress.publish(
        names.ingress,
        '',
        body,
        { persistent: true, contentType: 'application/json' },
        (err) => {
          if (err) res.writeHead(503).end();
          else res.writeHead(202, { 'content-type': 'application/json' }).end('{"ok":true}');
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    process.send?.({ port: address.port });
  });
  process.once('SIGTERM', () => {
    server.close();
    void connection.close().finally(() => process.exit(0));
  });
}

main().catch((err) => {
  console.error(`reference pipe: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
