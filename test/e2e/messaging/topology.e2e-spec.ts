import type { ChannelModel } from 'amqplib';
import {
  buildTopology,
  declareTopology,
  deleteTopology,
  TopologyMismatchError,
} from '@exhub/messaging';
import { connect, randomPrefix } from './broker';

describe('messaging topology on a real broker', () => {
  let model: ChannelModel;
  const topology = buildTopology({ prefix: randomPrefix(), retryDelaysMs: [200, 400] });

  beforeAll(async () => {
    model = await connect('topology');
  });

  afterAll(async () => {
    const channel = await model.createChannel();
    await deleteTopology(channel, topology);
    await channel.close();
    await model.close();
  });

  it('declares every exchange, queue and binding, and re-declaring is a no-op', async () => {
    const first = await model.createChannel();
    await declareTopology(first, topology);
    await declareTopology(first, topology);
    await first.close();

    const check = await model.createChannel();
    for (const queue of topology.queues) {
      await expect(check.checkQueue(queue.name)).resolves.toMatchObject({ queue: queue.name });
    }
    for (const exchange of topology.exchanges) {
      await expect(check.checkExchange(exchange.name)).resolves.toBeDefined();
    }
    await check.close();

    // A second process (another hub replica) declaring the same topology must not fail either.
    const other = await connect('topology replica');
    const channel = await other.createChannel();
    await declareTopology(channel, buildTopology(topology.options));
    await other.close();
  });

  it('fails with the queue, the argument and the fix when an existing queue differs', async () => {
    const channel = await model.createChannel();
    channel.on('error', () => undefined); // the broker closes the channel on a mismatch
    const changed = buildTopology({ ...topology.options, workDeliveryLimit: 99 });
    const failure = declareTopology(channel, changed);
    await expect(failure).rejects.toBeInstanceOf(TopologyMismatchError);
    await expect(failure).rejects.toMatchObject({
      objectName: topology.names.work,
      argument: 'x-delivery-limit',
    });
    await expect(failure).rejects.toThrow(
      `delete it (rabbitmqctl delete_queue ${topology.names.work}`,
    );
  });
});
