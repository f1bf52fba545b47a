/**
 * The limit: a bare amqplib pipe doing the hub's hops with nothing in between — consume work,
 * publish to the exceptions exchange with confirm, ack once confirmed. No mapping, no scoring,
 * no validation. Run as its own process: `node bare-worker.js <amqp-url> <work-queue> <exchange>`.
 */
import * as amqp from 'amqplib';

const PREFETCH = 32;

async function main(): Promise<void> {
  const [url, queue, exchange] = process.argv.slice(2);
  // Same switch as run.ts (inherited environment): Nagle off unless AMQP_NODELAY=0.
  const connection = await amqp.connect(
    url,
    process.env.AMQP_NODELAY === '0' ? {} : { noDelay: true },
  );
  const consume = await connection.createChannel();
  const publish = await connection.createConfirmChannel();
  await consume.prefetch(PREFETCH);
  await consume.consume(queue, (msg) => {
    if (!msg) return;
    const { correlationId, messageId } = msg.properties;
    publish.publish(
      exchange,
      'finance.chargeback_dispute.p3',
      msg.content,
      { persistent: true, correlationId, messageId, contentType: 'application/json' },
      (err) => (err ? consume.nack(msg, false, true) : consume.ack(msg)),
    );
  });
  process.send?.('ready');
  process.once('SIGTERM', () => void connection.close().finally(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
