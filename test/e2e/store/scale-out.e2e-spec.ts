/**
 * Two hub processes on one PostgreSQL database and one RabbitMQ topology. Each hub is a full
 * runtime (own broker connection, own PostgreSQL pool — so its own advisory-lock sessions — own
 * poll scheduler and pipeline worker) started in this Jest process, as the in-process harness does
 * for one hub; nothing is shared between the two but the broker and the database.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import type { CanonicalException } from '@exhub/canonical';
import { loadEnvSettings, Secret, type ConnectorInstanceConfig } from '@exhub/config';
import {
  buildTopology,
  declareTopology,
  deleteTopology,
  sourceEventPublishOptions,
} from '@exhub/messaging';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
} from '../../../connectors/sap-s4/testing';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { PollSchedulerService } from '../../../apps/hub/src/connectors/poll-scheduler.service';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { AMQP_URL, subscribe } from '../hub/hub-harness';
import { freshDatabase } from '../api/pg-database';

const INTERVAL_SECONDS = 1;
const WINDOW_MS = 6_000;
/** A slow source answer: long enough to overlap two polls asked for at once. */
const SLOW_MS = 800;

const fixture = JSON.parse(
  readFileSync(
    join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
    'utf8',
  ),
) as { id: string; data: { object: { id: string; amount: number } } };

interface Hub {
  rt: HubRuntime;
  app: NestFastifyApplication;
}

describe('scale-out: two hub processes on one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sim: SapS4Simulator;
  let prefix: string;
  let hubs: Hub[] = [];
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let exceptionsQueue: string;

  const startOne = async (): Promise<Hub> => {
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: prefix,
      EXHUB_STORE_URL: db.url,
      EXHUB_ROLES: 'all',
    });
    const connectors: ConnectorInstanceConfig[] = [
      {
        id: 'stripe',
        type: 'stripe',
        enabled: true,
        settings: { secrets: [new Secret('whsec_unused', 'test')] },
      },
      {
        id: 'sap-s4',
        type: 'sap-s4',
        enabled: true,
        settings: {
          baseUrl: sim.baseUrl,
          username: SIMULATOR_USER,
          password: SIMULATOR_PASSWORD,
          startFrom: '2026-01-01',
          pollIntervalSeconds: INTERVAL_SECONDS,
          pageSize: 100,
          timeoutMs: 2000,
          retries: 0,
        },
      },
    ];
    const rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors,
    });
    const app = await createHubApp(rt);
    await app.init();
    return { rt, app };
  };

  beforeAll(async () => {
    db = await freshDatabase('scale');
    sim = await SapS4Simulator.start({ slowMs: SLOW_MS });
    prefix = `t${randomBytes(4).toString('hex')}`;
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    // A subscriber bound before anything is published.
    const topology = buildTopology({ prefix });
    await declareTopology(channel, topology);
    exceptionsQueue = await subscribe(channel, topology.names.exceptions, '#');
    // Started side by side, as two replicas would be: the store's migration lock serialises them.
    hubs = await Promise.all([startOne(), startOne()]);
  });

  afterAll(async () => {
    for (const hub of hubs) await hub.app.close().catch(() => undefined);
    if (hubs[0]) await deleteTopology(channel, hubs[0].rt.topology).catch(() => undefined);
    await client?.close().catch(() => undefined);
    await sim?.close();
    await db?.drop();
  });

  /**
   * Polls since the log position `from`: every poll opens with one change-feed query (the only
   * query on PostingDate; pages are never full here). Counted from the queries, not from request
   * totals: a poll's other requests vary (the blocked sweep, re-reads of released blocks, supplier
   * lookups of enrichment), so requests divided by "requests per poll" over- or under-counts.
   */
  const pollsSince = (from: number): number =>
    sim.log.slice(from).filter((q) => decodeURIComponent(q).includes('PostingDate')).length;

  it('polls the source once per interval across both processes, and the survivor takes over', async () => {
    // Warm-up: the first (catch-up) poll ran, by one of the two.
    const deadline = Date.now() + 15_000;
    while (!(await hubs[0].rt.store.getCursor('sap-s4')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = sim.log.length;
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const polls = pollsSince(before);
    const intervals = WINDOW_MS / (INTERVAL_SECONDS * 1000);
    // Each process alone would poll ~`intervals` times: together, uncoordinated, twice that.
    expect(polls).toBeGreaterThanOrEqual(intervals - 2);
    expect(polls).toBeLessThanOrEqual(intervals + 1);

    // One process goes away: the other keeps the source polled at the same pace.
    await hubs[0].app.close();
    const survivorBefore = sim.log.length;
    await new Promise((r) => setTimeout(r, WINDOW_MS / 2));
    const survivorPolls = pollsSince(survivorBefore);
    expect(survivorPolls).toBeGreaterThanOrEqual(intervals / 2 - 2);
    expect(survivorPolls).toBeLessThanOrEqual(intervals / 2 + 1);
    hubs = [await startOne(), hubs[1]];
  });

  it('never polls a source from both processes at once (PostgreSQL advisory lock)', async () => {
    const schedulers = hubs.map((h) => h.app.get(PollSchedulerService));
    sim.fail('slow', 50);
    try {
      let statuses: string[] = [];
      // Asked on both at the same moment: one polls (slowly) — or is already polling on its own
      // schedule (`busy`) — and the other finds the lock taken. Both `busy` (each busy with its own
      // scheduled tick, one of which skipped) is asked again.
      for (let attempt = 0; attempt < 20; attempt++) {
        const outcomes = await Promise.all(schedulers.map((s) => s.pollNow('sap-s4')!));
        statuses = outcomes.map((o) => o.status).sort();
        if (statuses.includes('locked_elsewhere')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(statuses).toContain('locked_elsewhere');
      expect(statuses.filter((st) => st === 'polled').length).toBeLessThanOrEqual(1);
    } finally {
      sim.heal();
    }
  });

  it('yields one state per exception version when the same events reach both workers', async () => {
    const ingress = hubs[1].rt.topology.names.ingress;
    const confirm = await client.createConfirmChannel();
    const disputes = Array.from({ length: 10 }, () => `du_${randomBytes(8).toString('hex')}`);
    // Each dispute: the same raw event twice, and a later fact (new amount) twice, all at once,
    // so copies land on both workers and race each other.
    for (const dispute of disputes) {
      for (const amount of [2200, 2500]) {
        const eventId = `evt_${randomBytes(8).toString('hex')}`;
        const body = Buffer.from(
          JSON.stringify({
            ...fixture,
            id: eventId,
            data: { ...fixture.data, object: { ...fixture.data.object, id: dispute, amount } },
          }),
        );
        const meta = {
          eventId: randomUUID(),
          correlationId: randomUUID(),
          connectorId: 'stripe',
          system: 'stripe',
          objectType: 'event',
          sourceEventId: eventId,
          receivedAt: new Date().toISOString(),
          contentType: 'application/json',
        };
        for (let copy = 0; copy < 2; copy++) {
          confirm.publish(ingress, '', body, sourceEventPublishOptions(meta));
        }
      }
    }
    await confirm.waitForConfirms();
    await confirm.close();

    // Collect what the two workers published, until every dispute reached its last fact.
    const published: CanonicalException[] = [];
    const deadline = Date.now() + 30_000;
    const amountOf = (e: CanonicalException) => e.amount?.value;
    const done = () => {
      const last = new Set(
        published
          .filter((e) => disputes.includes(e.source.objectId) && amountOf(e) === '25.00')
          .map((e) => e.source.objectId),
      );
      return last.size === disputes.length;
    };
    while (!done() && Date.now() < deadline) {
      const m = await channel.get(exceptionsQueue, { noAck: true });
      if (m) published.push(JSON.parse(m.content.toString('utf8')) as CanonicalException);
      else await new Promise((r) => setTimeout(r, 20));
    }
    // Drain stragglers (duplicates of versions already seen) for a moment.
    await new Promise((r) => setTimeout(r, 1000));
    for (;;) {
      const m = await channel.get(exceptionsQueue, { noAck: true });
      if (!m) break;
      published.push(JSON.parse(m.content.toString('utf8')) as CanonicalException);
    }
    expect(done()).toBe(true);

    const ours = published.filter((e) => disputes.includes(e.source.objectId));
    const ids = [...new Set(ours.map((e) => e.id))];
    expect(ids).toHaveLength(disputes.length);
    // One state per `<id>:<version>` on the wire, whichever worker published it.
    const states = new Map<string, Set<string>>();
    for (const e of ours) {
      const key = `${e.id}:${e.version}`;
      const state = JSON.stringify([e.status, amountOf(e), e.priority.tier, e.priority.score]);
      states.set(key, (states.get(key) ?? new Set()).add(state));
    }
    const conflicting = [...states].filter(([, s]) => s.size > 1);
    expect(conflicting).toEqual([]);
    // And in the store: versions 1..n without gaps or duplicates, the last one the newest fact.
    const store = hubs[1].rt.store;
    // Late copies (at-least-once, in any order) may still be committing while the checks below
    // read: wait, within a bound, until each exception's current row and its history agree, so
    // the two reads are not split by a commit (the micro-batching worker acks a batch later).
    const settleBy = Date.now() + 15_000;
    for (;;) {
      const settled = await Promise.all(
        ids.map(
          async (id) =>
            (await store.getException(id))?.version === (await store.exceptionHistory(id)).length,
        ),
      );
      if (settled.every(Boolean) || Date.now() > settleBy) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const id of ids) {
      const history = await store.exceptionHistory(id);
      expect(history.map((v) => v.version)).toEqual(history.map((_, i) => i + 1));
      // A new version only when the content changed (copies of one fact add none). Reordered
      // facts may legitimately flip it back (A → B → A): at-least-once, in any order.
      history.slice(1).forEach((v, i) => expect(v.contentHash).not.toBe(history[i].contentHash));
      const current = await store.getException(id);
      expect(current?.version).toBe(history.length);
      // The wire agrees with the store about every version it saw.
      for (const e of ours.filter((x) => x.id === id)) {
        const stored = history.find((v) => v.version === e.version);
        expect(stored).toBeDefined();
      }
    }
  });
});
