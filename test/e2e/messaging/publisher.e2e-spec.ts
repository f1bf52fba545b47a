import type { ChannelModel } from 'amqplib';
import { ConfirmPublisher, PublishError, type Topology } from '@exhub/messaging';
import { connect, isolatedTopology, waitFor } from './broker';

describe('ConfirmPublisher on a real broker', () => {
  let model: ChannelModel;
  let topology: Topology;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    model = await connect('publisher');
    ({ topology, cleanup } = await isolatedTopology(model));
  });

  afterAll(async () => {
    await cleanup();
    await model.close();
  });

  it('never has more than maxInFlight unconfirmed and confirms all 500', async () => {
    const publisher = await ConfirmPublisher.create(model, { maxInFlight: 4 });
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, publisher.inFlight)), 0);
    const publishes = Array.from({ length: 500 }, (_, i) => {
      const p = publisher.publish('', topology.names.dlq, Buffer.from(`m${i}`), {
        persistent: true,
        mandatory: true,
      });
      peak = Math.max(peak, publisher.inFlight);
      return p.then(() => (peak = Math.max(peak, publisher.inFlight)));
    });
    await Promise.all(publishes);
    clearInterval(sample);
    expect(peak).toBe(4);
    expect(publisher.inFlight).toBe(0);

    const check = await model.createChannel();
    const q = await check.checkQueue(topology.names.dlq);
    expect(q.messageCount).toBe(500);
    await check.purgeQueue(topology.names.dlq);
    await check.close();
    await publisher.close();
  });

  it('rejects fast with a TRANSIENT error once closed', async () => {
    const publisher = await ConfirmPublisher.create(model);
    await publisher.close();
    expect(publisher.ready).toBe(false);
    const started = Date.now();
    const error = await publisher
      .publish(topology.names.ingress, '', Buffer.from('x'))
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(50);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ errorClass: 'TRANSIENT', stage: 'publish', reason: 'not-ready' });
  });

  it('rejects a mandatory publish that no queue receives', async () => {
    const publisher = await ConfirmPublisher.create(model);
    const missing = `${topology.names.prefix}.no-such-queue`;
    await expect(
      publisher.publish('', missing, Buffer.from('x'), { mandatory: true, messageId: 'm1' }),
    ).rejects.toMatchObject({ reason: 'unroutable' });
    expect(publisher.ready).toBe(true);
    await publisher.close();
  });

  it('is not ready after the broker closes its channel, and says why', async () => {
    const publisher = await ConfirmPublisher.create(model);
    const failure = publisher.publish(
      `${topology.names.prefix}.no-such-exchange`,
      '',
      Buffer.from('x'),
    );
    await expect(failure).rejects.toMatchObject({ reason: 'channel-closed' });
    await waitFor('not ready', () => !publisher.ready);
    expect(publisher.notReadyReason).toMatch(/NOT_FOUND - no exchange/);
    await expect(
      publisher.publish(topology.names.ingress, '', Buffer.from('x')),
    ).rejects.toMatchObject({
      reason: 'not-ready',
    });
    await publisher.close();
  });
});
