/**
 * Replay and dead letters against the real broker: a mapping bug dead-letters a Stripe dispute;
 * after the mapping is fixed (and the hub restarted on the same queues), replaying the archive
 * window turns it into a valid exception with `lineage.replayOf`, while a DLQ replay of an event
 * whose mapping is still broken moves it to quarantine instead of looping.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { exceptionId, validateCanonicalException, type CanonicalException } from '@exhub/canonical';
import { buildTopology, deleteTopology, HEADER } from '@exhub/messaging';
import { AMQP_URL, apiKeyHeader, stripeHeaders, subscribe, take } from '../hub/hub-harness';
import { REPO, randomPrefix, runCli, startHubOn, type RunningHub } from './replay-harness';

/**
 * Per test: jest.config.js sets testTimeout on the e2e project, but Jest reads testTimeout only
 * globally, so without this the 5 s default applies (a hub restart plus a CLI run can exceed it
 * on a busy CI machine).
 */
const TEST_TIMEOUT_MS = 30_000;

const fixture = (name: string) => readFileSync(join(REPO, 'connectors/stripe/fixtures', name));
const dispute = fixture('charge.dispute.created.json');
const chargeFailed = fixture('charge.failed.json');

/** The amount expression of the Stripe mappings, and a bug: a lower-case currency is invalid. */
const GOOD_AMOUNT = 'expr: $money(data.object.amount, data.object.currency)';
const BROKEN_AMOUNT = `expr: "{ 'value': '1.00', 'currency': 'usd' }"`;

const DISPUTE_ID = exceptionId({
  system: 'stripe',
  objectType: 'dispute',
  objectId: 'du_1TbG46JEe0yY0QKr8P0G3pa3',
  type: 'chargeback_dispute',
});

function editMapping(dir: string, file: string, from: string, to: string): void {
  const path = join(dir, 'stripe', file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from))
    throw new Error(`${path} no longer contains "${from}"; update the test`);
  writeFileSync(path, text.replace(from, to));
}

async function waitForDepth(
  channel: amqp.Channel,
  queue: string,
  depth: number,
  timeoutMs = 10_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = -1;
  while (Date.now() < deadline) {
    count = (await channel.checkQueue(queue)).messageCount;
    if (count === depth) return count;
    await new Promise((r) => setTimeout(r, 100));
  }
  return count;
}

describe('replay and dead letters (real broker, in-process hub)', () => {
  const prefix = randomPrefix();
  const topology = buildTopology({ prefix });
  const names = topology.names;
  const work = mkdtempSync(join(tmpdir(), 'exhub-replay-'));
  const mappingsDir = join(work, 'mappings');
  const checkpointDir = join(work, 'checkpoints');
  const cliEnv = {
    EXHUB_TOPOLOGY_PREFIX: prefix,
    EXHUB_MAPPINGS_DIR: mappingsDir,
    EXHUB_POLICIES_DIR: join(REPO, 'policies'),
  };
  let hub: RunningHub | undefined;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let finance: string;
  let windowStart: string;
  let disputeEvent: { eventId: string; correlationId: string };
  let chargeEvent: { eventId: string; correlationId: string };

  beforeAll(async () => {
    cpSync(join(REPO, 'mappings'), mappingsDir, { recursive: true });
    editMapping(mappingsDir, 'dispute.mapping.yaml', GOOD_AMOUNT, BROKEN_AMOUNT);
    editMapping(mappingsDir, 'charge.mapping.yaml', GOOD_AMOUNT, BROKEN_AMOUNT);
    hub = await startHubOn(prefix, mappingsDir);
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    finance = await subscribe(channel, names.exceptions, 'finance.#');
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await hub?.stop();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, topology);
      await ch.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    rmSync(work, { recursive: true, force: true });
  }, TEST_TIMEOUT_MS);

  it(
    'dead-letters events whose mapping produces an invalid exception, and lists them by class',
    async () => {
      // Stream timestamps are whole seconds: start the window a second early.
      windowStart = new Date(Date.now() - 1000).toISOString();
      const a = await hub!.request('POST', '/v1/ingest/stripe', dispute, stripeHeaders(dispute));
      const b = await hub!.request(
        'POST',
        '/v1/ingest/stripe',
        chargeFailed,
        stripeHeaders(chargeFailed),
      );
      expect([a.status, b.status]).toEqual([202, 202]);
      disputeEvent = a.json as typeof disputeEvent;
      chargeEvent = b.json as typeof chargeEvent;
      expect(await waitForDepth(channel, names.dlq, 2)).toBe(2);
      expect((await channel.checkQueue(finance)).messageCount).toBe(0);

      const anonymous = await hub!.request('GET', '/v1/dlq');
      expect(anonymous.status).toBe(401);
      const steward = await hub!.request(
        'GET',
        '/v1/dlq',
        undefined,
        await apiKeyHeader(hub!.rt, 'steward'),
      );
      expect(steward.status).toBe(403);
      const http = await hub!.request('GET', '/v1/dlq', undefined, await operator(hub!));
      expect(http.status).toBe(200);
      expect(http.json).toMatchObject({ queue: names.dlq, depth: 2, scanned: 2 });
      const groups = http.json.groups as {
        errorClass: string;
        count: number;
        sampleIds: string[];
      }[];
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ errorClass: 'INVALID_PAYLOAD', count: 2 });
      expect([...groups[0].sampleIds].sort()).toEqual(
        [disputeEvent.eventId, chargeEvent.eventId].sort(),
      );

      const ls = await runCli(['dlq', 'ls'], cliEnv);
      expect(ls.stderr).toBe('');
      expect(ls.code).toBe(0);
      expect(ls.stdout).toContain(`${names.dlq}: 2 dead letters`);
      expect(ls.stdout).toMatch(/INVALID_PAYLOAD\s+\S+\s+2\s/);

      // Listing is non-destructive.
      expect((await channel.checkQueue(names.dlq)).messageCount).toBe(2);

      const show = await runCli(['dlq', 'show', disputeEvent.eventId], cliEnv);
      expect(show.code).toBe(0);
      expect(show.stdout).toContain(`id:          ${disputeEvent.eventId}`);
      expect(show.stdout).toContain('"id": "evt_1TbG48JEe0yY0QKrrgcor0DZ"');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'after the mapping fix, replaying the archive window publishes a valid exception with lineage',
    async () => {
      editMapping(mappingsDir, 'dispute.mapping.yaml', BROKEN_AMOUNT, GOOD_AMOUNT);
      await hub!.stop();
      hub = await startHubOn(prefix, mappingsDir);
      const windowEnd = new Date().toISOString();

      const bad = await hub.request(
        'POST',
        '/v1/replay',
        JSON.stringify({ source: 'archive', from: 'yesterday' }),
        await operator(hub),
      );
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({
        statusCode: 400,
        error: 'invalid_request',
        issues: [expect.objectContaining({ pointer: '/from', rule: 'format' })],
      });

      const dry = await hub.request(
        'POST',
        '/v1/replay',
        JSON.stringify({ source: 'archive', from: windowStart, to: windowEnd, dryRun: true }),
        await operator(hub),
      );
      expect(dry.status).toBe(200);
      const dryReport = dry.json.report as {
        matched: number;
        published: number;
        groups: { connector: string; valid: number; invalid: number; preview: { id: string }[] }[];
      };
      expect(dryReport).toMatchObject({ matched: 2, published: 0 });
      expect(dryReport.groups).toEqual([
        expect.objectContaining({ connector: 'stripe', events: 2, valid: 1, invalid: 1 }),
      ]);
      expect(dryReport.groups[0].preview.map((p) => p.id)).toEqual([DISPUTE_ID]);

      const replay = await runCli(
        [
          'replay',
          '--from',
          windowStart,
          '--to',
          windowEnd,
          '--connector',
          'stripe',
          '--filter',
          'type = "charge.dispute.created"',
          '--rate',
          '20/s',
          '--name',
          'fix-dispute',
          '--checkpoint-dir',
          checkpointDir,
          '--json',
        ],
        cliEnv,
      );
      expect(replay.stderr).not.toMatch(/error/i);
      expect(replay.code).toBe(0);
      const report = JSON.parse(replay.stdout) as {
        matched: number;
        published: number;
        replays: { replayOf: string; eventId: string }[];
      };
      expect(report).toMatchObject({ matched: 1, published: 1 });
      expect(report.replays[0].replayOf).toBe(disputeEvent.eventId);

      const [msg] = await take(channel, finance, 1);
      expect(msg).toBeDefined();
      const exception = JSON.parse(msg.content.toString('utf8')) as CanonicalException;
      expect(validateCanonicalException(exception).ok).toBe(true);
      expect(exception.id).toBe(DISPUTE_ID);
      expect(exception.lineage.replayOf).toBe(disputeEvent.eventId);
      expect(exception.causationId).toBe(report.replays[0].eventId);
      expect(exception.correlationId).toBe(disputeEvent.correlationId);
      expect(exception.amount).toEqual({ value: '22.00', currency: 'USD' });

      const checkpoint = JSON.parse(readFileSync(join(checkpointDir, 'fix-dispute.json'), 'utf8'));
      expect(checkpoint).toMatchObject({ done: true, matched: 1, published: 1 });
      expect(checkpoint.lastOffset).toBe(checkpoint.endOffset);

      // Resuming a finished replay publishes nothing more.
      const again = await runCli(
        ['replay', '--resume', 'fix-dispute', '--checkpoint-dir', checkpointDir],
        cliEnv,
      );
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('already complete');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a DLQ replay re-publishes what now passes and quarantines what still fails',
    async () => {
      const before = (await channel.checkQueue(finance)).messageCount;
      expect(before).toBe(0);
      const res = await hub!.request(
        'POST',
        '/v1/replay',
        JSON.stringify({ source: 'dlq', errorClass: 'INVALID_PAYLOAD' }),
        await operator(hub!),
      );
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        status: 'done',
        source: 'dlq',
        jobId: expect.any(String),
        report: { selected: 2, republished: 1, quarantined: 1 },
      });
      const items = (res.json.report as { items: { id: string; action: string }[] }).items;
      expect(items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: disputeEvent.eventId, action: 'republished' }),
          expect.objectContaining({ id: chargeEvent.eventId, action: 'quarantined' }),
        ]),
      );

      const [msg] = await take(channel, finance, 1);
      expect(msg).toBeDefined();
      const exception = JSON.parse(msg.content.toString('utf8')) as CanonicalException;
      expect(exception.id).toBe(DISPUTE_ID);
      expect(exception.lineage.replayOf).toBe(disputeEvent.eventId);

      expect(await waitForDepth(channel, names.dlq, 0)).toBe(0);
      const [quarantined] = await take(channel, names.quarantine, 1);
      expect(quarantined).toBeDefined();
      expect(quarantined.properties.messageId).toBe(chargeEvent.eventId);
      expect(quarantined.content.equals(chargeFailed)).toBe(true);
      expect(quarantined.properties.headers?.[HEADER.errorMessage]).toMatch(
        /^still failing on replay/,
      );
    },
    TEST_TIMEOUT_MS,
  );
});

/** An operator key in this hub's (in-memory, per-start) store. */
function operator(hub: RunningHub): Promise<Record<string, string>> {
  return apiKeyHeader(hub.rt, 'operator');
}
