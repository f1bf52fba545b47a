/**
 * The replay and DLQ machinery of libs/messaging on the real broker, without a hub: window and
 * selection, throttling, interrupt + resume from a checkpoint without duplicates, and dead letters
 * the broker itself dead-lettered at the delivery limit.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import type { SourceEventMeta } from '@exhub/core';
import {
  ConfirmPublisher,
  HEADER,
  listDeadLetters,
  purgeDeadLetters,
  replayArchive,
  replayDeadLetters,
  type RecheckResult,
  sourceEventPublishOptions,
  type ReplayPosition,
  type Topology,
} from '@exhub/messaging';
import { connect, isolatedTopology } from '../messaging/broker';
import { take } from '../hub/hub-harness';

/**
 * Per test: jest.config.js sets testTimeout on the e2e project, but Jest reads testTimeout only
 * globally, so without this the 5 s default applies (a hub restart plus a CLI run can exceed it
 * on a busy CI machine).
 */
const TEST_TIMEOUT_MS = 30_000;

const HOUR_MS = 3_600_000;

function event(connectorId: string, receivedAt: Date): SourceEventMeta {
  return {
    eventId: randomUUID(),
    correlationId: `corr-${randomUUID()}`,
    connectorId,
    system: connectorId,
    objectType: 'event',
    receivedAt: receivedAt.toISOString(),
    contentType: 'application/json',
  };
}

describe('archive replay and DLQ tools (real broker)', () => {
  let model: ChannelModel;
  let topology: Topology;
  let cleanup: () => Promise<void>;
  let publisher: ConfirmPublisher;

  beforeAll(async () => {
    model = await connect('replay-lib');
    ({ topology, cleanup } = await isolatedTopology(model, { workDeliveryLimit: 1 }));
    publisher = await ConfirmPublisher.create(model);
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await publisher?.close();
    await cleanup?.();
    await model?.close();
  });

  async function ingest(meta: SourceEventMeta, body = `{"id":"${meta.eventId}"}`): Promise<void> {
    await publisher.publish(
      topology.names.ingress,
      '',
      Buffer.from(body),
      sourceEventPublishOptions(meta),
    );
  }

  it(
    'replays only the window and connector, throttled, and resumes after an interrupt without duplicates',
    async () => {
      const now = new Date();
      const stale = [event('stripe', new Date(now.getTime() - HOUR_MS))];
      const stripe = Array.from({ length: 5 }, () => event('stripe', now));
      const zendesk = Array.from({ length: 3 }, () => event('zendesk', now));
      for (const meta of [...stale, ...stripe, ...zendesk]) await ingest(meta);
      const ch = await model.createChannel();
      await ch.purgeQueue(topology.names.work);

      const from = new Date(now.getTime() - 60_000);
      const to = new Date(now.getTime() + 1_000);
      const stop = new AbortController();
      let saved: ReplayPosition | undefined;
      const first = await replayArchive(model, {
        names: topology.names,
        from,
        to,
        select: { connector: 'stripe' },
        publisher,
        ratePerSecond: 100,
        checkpointEvery: 1,
        onCheckpoint: async (p) => {
          saved = p;
        },
        onProgress: (p) => {
          if (p.published === 2) stop.abort();
        },
        signal: stop.signal,
      });
      expect(first).toMatchObject({ stoppedBy: 'aborted', matched: 2, published: 2 });
      expect(saved).toMatchObject({ published: 2, lastOffset: first.lastOffset });

      const started = Date.now();
      const rest = await replayArchive(model, {
        names: topology.names,
        from,
        to,
        select: { connector: 'stripe' },
        publisher,
        ratePerSecond: 10,
        resume: saved as Required<ReplayPosition>,
      });
      const elapsed = Date.now() - started;
      expect(rest).toMatchObject({ stoppedBy: 'end-offset', matched: 5, published: 5 });
      expect(rest.lastOffset).toBe(rest.endOffset);
      // Three publishes at 10/s are spaced 100 ms apart.
      expect(elapsed).toBeGreaterThanOrEqual(200);

      const replayed = await take(ch, topology.names.work, 5, 5_000);
      expect(replayed).toHaveLength(5);
      const originals = replayed.map((m) => m.properties.headers?.[HEADER.replayOf]);
      expect([...originals].sort()).toEqual(stripe.map((m) => m.eventId).sort());
      for (const m of replayed) {
        const original = stripe.find((s) => s.eventId === m.properties.headers?.[HEADER.replayOf]);
        expect(m.properties.messageId).not.toBe(original?.eventId);
        expect(m.properties.correlationId).toBe(original?.correlationId);
        expect(m.content.toString()).toBe(`{"id":"${original?.eventId}"}`);
      }
      expect((await ch.checkQueue(topology.names.work)).messageCount).toBe(0);
      await ch.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lists a dead letter the broker dead-lettered at the delivery limit as DELIVERY_LIMIT, and purges by class',
    async () => {
      const ch = await model.createChannel();
      // A hub dead letter with error headers, straight to the DLX.
      const failed = event('stripe', new Date());
      const options = sourceEventPublishOptions(failed);
      options.headers = {
        ...options.headers,
        [HEADER.errorClass]: 'INVALID_PAYLOAD',
        [HEADER.errorStage]: 'validate',
        [HEADER.errorMessage]: 'bad',
        [HEADER.attempts]: 1,
        [HEADER.firstFailedAt]: new Date().toISOString(),
      };
      await publisher.publish(topology.names.dlx, '', Buffer.from('{}'), options);

      // A work message a worker keeps giving back: the broker dead-letters it after the limit (1).
      const poison = event('stripe', new Date());
      await publisher.publish('', topology.names.work, Buffer.from('{}'), {
        ...sourceEventPublishOptions(poison),
        mandatory: true,
      });
      for (let i = 0; i < 2; i++) {
        const [m] = await (async () => {
          for (let tries = 0; tries < 50; tries++) {
            const got = await ch.get(topology.names.work, { noAck: false });
            if (got) return [got];
            await new Promise((r) => setTimeout(r, 50));
          }
          return [];
        })();
        if (!m) break;
        ch.nack(m, false, true);
      }

      const deadline = Date.now() + 5_000;
      while ((await ch.checkQueue(topology.names.dlq)).messageCount < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const listing = await listDeadLetters(model, { names: topology.names });
      expect(listing.depth).toBe(2);
      expect(listing.groups).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            errorClass: 'DELIVERY_LIMIT',
            stage: 'broker',
            count: 1,
            sampleIds: [poison.eventId],
          }),
          expect.objectContaining({
            errorClass: 'INVALID_PAYLOAD',
            stage: 'validate',
            count: 1,
            sampleIds: [failed.eventId],
          }),
        ]),
      );

      const purged = await purgeDeadLetters(model, {
        names: topology.names,
        select: { errorClass: 'DELIVERY_LIMIT' },
      });
      expect(purged).toMatchObject({ purged: 1, scanned: 2 });
      const after = await listDeadLetters(model, { names: topology.names });
      expect(after.groups).toEqual([
        expect.objectContaining({ errorClass: 'INVALID_PAYLOAD', count: 1 }),
      ]);
      await ch.close();
    },
    TEST_TIMEOUT_MS,
  );
  it(
    'a DLQ replay republishes a dead letter whose re-check failed for the moment (TRANSIENT), and quarantines one that still fails',
    async () => {
      const ch = await model.createChannel();
      await ch.purgeQueue(topology.names.dlq);
      await ch.purgeQueue(topology.names.work);
      const deadLetter = async (meta: SourceEventMeta): Promise<void> => {
        const options = sourceEventPublishOptions(meta);
        options.headers = {
          ...options.headers,
          [HEADER.errorClass]: 'INVALID_PAYLOAD',
          [HEADER.errorStage]: 'map',
          [HEADER.errorMessage]: 'the mapping was broken',
          [HEADER.attempts]: 1,
          [HEADER.firstFailedAt]: new Date().toISOString(),
        };
        await publisher.publish(topology.names.dlx, '', Buffer.from(`"${meta.eventId}"`), options);
      };
      const slow = event('stripe', new Date());
      const broken = event('stripe', new Date());
      await deadLetter(slow);
      await deadLetter(broken);
      const deadline = Date.now() + 5_000;
      while ((await ch.checkQueue(topology.names.dlq)).messageCount < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      // The re-check of `slow` runs out of time (as a mapping can on a loaded machine); the
      // re-check of `broken` finds the message itself still wrong.
      const recheck = async (msg: {
        properties: { messageId?: string };
      }): Promise<RecheckResult> =>
        msg.properties.messageId === slow.eventId
          ? {
              status: 'invalid',
              stage: 'map',
              errorClass: 'TRANSIENT',
              message: 'mapping stripe.charge-failed timed out',
            }
          : {
              status: 'invalid',
              stage: 'validate',
              errorClass: 'INVALID_PAYLOAD',
              message: 'amount is not a number',
            };
      const select = { errorClass: 'INVALID_PAYLOAD' };
      const dry = await replayDeadLetters(model, {
        names: topology.names,
        select,
        recheck,
        dryRun: true,
      });
      const byId = (items: { id: string }[], id: string) => items.find((i) => i.id === id);
      expect(byId(dry.items, slow.eventId)).toEqual(
        expect.objectContaining({
          action: 'would-republish',
          reason: expect.stringMatching(
            /^the re-check could not decide \(TRANSIENT at map: mapping stripe\.charge-failed timed out\)/,
          ),
        }),
      );
      expect(byId(dry.items, broken.eventId)).toEqual(
        expect.objectContaining({ action: 'would-quarantine' }),
      );

      const report = await replayDeadLetters(model, {
        names: topology.names,
        select,
        recheck,
        publisher,
      });
      expect(report).toMatchObject({ selected: 2, republished: 1, quarantined: 1 });
      const republished = await ch.get(topology.names.work, { noAck: true });
      expect(republished && republished.content.toString()).toBe(`"${slow.eventId}"`);
      expect(republished && republished.properties.headers?.[HEADER.replayOf]).toBe(slow.eventId);
      const quarantined = await ch.get(topology.names.quarantine, { noAck: true });
      expect(quarantined && quarantined.properties.messageId).toBe(broken.eventId);
      expect((await ch.checkQueue(topology.names.dlq)).messageCount).toBe(0);
      await ch.close();
    },
    TEST_TIMEOUT_MS,
  );
});
