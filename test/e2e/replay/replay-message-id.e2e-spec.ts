/**
 * A replayed exception is distinguishable by message-id, and store and message agree: an
 * exception first published as `<id>:1`, then replayed from the archive, arrives as `<id>:2` with
 * `lineage.replayOf`, and the stored version 2 says the same. Replaying the same raw event again
 * is a redelivery of version 2 (same message-id), which a subscriber rightly skips.
 */
import { mkdtempSync, readFileSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import type { CanonicalException } from '@exhub/canonical';
import { buildTopology, deleteTopology } from '@exhub/messaging';
import { AMQP_URL, apiKeyHeader, stripeHeaders, subscribe, take } from '../hub/hub-harness';
import { REPO, randomPrefix, startHubOn, type RunningHub } from './replay-harness';

const TEST_TIMEOUT_MS = 30_000;
const dispute = readFileSync(join(REPO, 'connectors/stripe/fixtures/charge.dispute.created.json'));

describe('replay message-id (real broker, in-process hub)', () => {
  const prefix = randomPrefix();
  const topology = buildTopology({ prefix });
  const work = mkdtempSync(join(tmpdir(), 'exhub-replay-id-'));
  let hub: RunningHub | undefined;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let finance: string;

  beforeAll(async () => {
    cpSync(join(REPO, 'mappings'), join(work, 'mappings'), { recursive: true });
    hub = await startHubOn(prefix, join(work, 'mappings'));
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    finance = await subscribe(channel, topology.names.exceptions, 'finance.#');
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await hub?.stop();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, topology);
      await client.close().catch(() => undefined);
    }
    rmSync(work, { recursive: true, force: true });
  }, TEST_TIMEOUT_MS);

  it(
    'an archive replay arrives as a new version with its own message-id, as stored',
    async () => {
      const windowStart = new Date(Date.now() - 1000).toISOString();
      const ingest = await hub!.request(
        'POST',
        '/v1/ingest/stripe',
        dispute,
        stripeHeaders(dispute),
      );
      expect(ingest.status).toBe(202);
      const eventId = ingest.json.eventId as string;
      const [original] = await take(channel, finance, 1);
      const first = JSON.parse(original.content.toString('utf8')) as CanonicalException;
      expect(original.properties.messageId).toBe(`${first.id}:1`);
      expect(first.lineage.replayOf).toBeUndefined();

      const operator = await apiKeyHeader(hub!.rt, 'operator');
      const replayWindow = JSON.stringify({
        source: 'archive',
        from: windowStart,
        to: new Date(Date.now() + 1000).toISOString(),
      });
      const replay = await hub!.request('POST', '/v1/replay', replayWindow, operator);
      expect(replay.status).toBe(200);
      expect(replay.json).toMatchObject({ status: 'done', report: { published: 1 } });

      const [replayed] = await take(channel, finance, 1);
      expect(replayed).toBeDefined();
      const second = JSON.parse(replayed.content.toString('utf8')) as CanonicalException;
      expect(replayed.properties.messageId).toBe(`${first.id}:2`);
      expect(second).toMatchObject({ id: first.id, version: 2, lineage: { replayOf: eventId } });

      // The store has what the message says.
      const viewer = await apiKeyHeader(hub!.rt, 'viewer');
      const detail = await hub!.request('GET', `/v1/exceptions/${first.id}`, undefined, viewer);
      expect(detail.status).toBe(200);
      expect(detail.json).toMatchObject({
        exception: { version: 2, lineage: { replayOf: eventId } },
        history: [{ version: 1 }, { version: 2 }],
      });

      // The same raw event replayed again: the same fact, the same version and message-id.
      const again = await hub!.request('POST', '/v1/replay', replayWindow, operator);
      expect(again.json).toMatchObject({ status: 'done', report: { published: 1 } });
      const [repeated] = await take(channel, finance, 1);
      expect(repeated.properties.messageId).toBe(`${first.id}:2`);
    },
    TEST_TIMEOUT_MS,
  );
});
