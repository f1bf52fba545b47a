/**
 * Scale-out as it runs in production: two BUILT hub processes (dist/, started as child
 * processes like test/support/hub-process.ts does for the reliability tests) on one PostgreSQL
 * database and one RabbitMQ topology. They share nothing else: no memory, no locks but
 * PostgreSQL's advisory locks, no queue but the broker's. (scale-out.e2e-spec.ts drives two
 * runtimes inside Jest, which lets it reach into the schedulers; this one only looks from outside.)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import type { CanonicalException } from '@exhub/canonical';
import { buildTopology, declareTopology, deleteTopology } from '@exhub/messaging';
import { openStore, type ExceptionStore } from '@exhub/store';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
} from '../../../connectors/sap-s4/testing';
import { HubProcess } from '../../support/hub-process';
import { freshDatabase } from '../api/pg-database';
import { AMQP_URL, STRIPE_SECRET, stripeHeaders, subscribe } from '../hub/hub-harness';

const INTERVAL_SECONDS = 1;
const WINDOW_MS = 6_000;
const DISPUTES = 8;

const fixture = JSON.parse(
  readFileSync(
    join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
    'utf8',
  ),
) as { id: string; data: { object: { id: string; amount: number } } };

/** A sender's retries of a 503 `in_progress`, and the pause between them. */
const MAX_IN_PROGRESS_RETRIES = 20;
const IN_PROGRESS_RETRY_MS = 250;

describe('scale-out: two built hub processes on one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sim: SapS4Simulator;
  let dir: string;
  let prefix: string;
  let hubs: HubProcess[] = [];
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let exceptionsQueue: string;
  let store: ExceptionStore;

  beforeAll(async () => {
    db = await freshDatabase('procs');
    sim = await SapS4Simulator.start();
    dir = mkdtempSync(join(tmpdir(), 'exhub-scale-'));
    prefix = `t${randomBytes(4).toString('hex')}`;
    // One config file for both replicas, as one would ship it.
    const config = join(dir, 'exhub.config.yaml');
    writeFileSync(
      config,
      [
        'connectors:',
        '  - id: stripe',
        '    type: stripe',
        '    settings:',
        '      secrets:',
        '        - ${STRIPE_WEBHOOK_SECRET}',
        '  - id: sap-s4',
        '    type: sap-s4',
        '    settings:',
        `      baseUrl: ${sim.baseUrl}`,
        `      username: ${SIMULATOR_USER}`,
        `      password: ${SIMULATOR_PASSWORD}`,
        "      startFrom: '2026-01-01'",
        `      pollIntervalSeconds: ${INTERVAL_SECONDS}`,
        '      pageSize: 100',
        '',
      ].join('\n'),
    );
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    const topology = buildTopology({ prefix });
    await declareTopology(channel, topology);
    exceptionsQueue = await subscribe(channel, topology.names.exceptions, 'finance.#');
    const env = { EXHUB_STORE_URL: db.url, EXHUB_CONFIG: config, EXHUB_ROLES: 'all' };
    // Started side by side, as two replicas are: the store's migration lock serialises them.
    hubs = await Promise.all(
      [0, 1].map(() =>
        HubProcess.start({ prefix, amqpUrl: AMQP_URL, stripeSecret: STRIPE_SECRET, env }),
      ),
    );
    store = await openStore(db.url);
  }, 90_000);

  afterAll(async () => {
    for (const hub of hubs) await hub.stop();
    await store?.close().catch(() => undefined);
    await deleteTopology(channel, buildTopology({ prefix })).catch(() => undefined);
    await client?.close().catch(() => undefined);
    await sim?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('polls the source once per interval between them', async () => {
    const deadline = Date.now() + 20_000;
    while (!(await store.getCursor('sap-s4')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await store.getCursor('sap-s4')).toBeDefined();
    await new Promise((r) => setTimeout(r, 2_000));
    // A poll (one scheduled tick) starts with the query for changes since the watermark, then
    // sweeps the blocked invoices: count the ticks by their first query.
    sim.log.splice(0);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const polls = sim.log.filter((q) => decodeURIComponent(q).includes('PostingDate')).length;
    const intervals = WINDOW_MS / (INTERVAL_SECONDS * 1000);
    // Each replica alone would poll ~6 times in the window; together, uncoordinated, ~12.
    expect(polls).toBeGreaterThanOrEqual(intervals - 2);
    expect(polls).toBeLessThanOrEqual(intervals + 1);
  }, 40_000);

  it('gives every exception one state per version when both take the same webhooks', async () => {
    const disputes = Array.from({ length: DISPUTES }, () => `du_${randomBytes(8).toString('hex')}`);
    const statuses: number[] = [];
    // Each fact is delivered to BOTH replicas at once (a retried webhook landing on the other
    // pod), and each dispute gets a second fact (a new amount): four deliveries per dispute.
    await Promise.all(
      disputes.flatMap((dispute) =>
        [2200, 2500].map(async (amount) => {
          const body = Buffer.from(
            JSON.stringify({
              ...fixture,
              id: `evt_${randomBytes(8).toString('hex')}`,
              data: { ...fixture.data, object: { ...fixture.data.object, id: dispute, amount } },
            }),
          );
          // As a webhook sender does: a 503 `in_progress` (the other replica's acceptance of
          // the same event still awaits its broker confirm) is retried after Retry-After.
          const deliver = async (url: string): Promise<number> => {
            for (let attempt = 0; ; attempt++) {
              const a = await fetch(`${url}/v1/ingest/stripe`, {
                method: 'POST',
                headers: stripeHeaders(body),
                body,
              });
              await a.arrayBuffer();
              if (a.status !== 503 || attempt >= MAX_IN_PROGRESS_RETRIES) return a.status;
              await new Promise((r) => setTimeout(r, IN_PROGRESS_RETRY_MS));
            }
          };
          statuses.push(...(await Promise.all(hubs.map((hub) => deliver(hub.url)))));
        }),
      ),
    );
    // Every delivery accepted: one of each pair new, the other a duplicate (PostgreSQL dedupe),
    // possibly after an `in_progress` retry.
    expect(statuses.every((s) => s === 202)).toBe(true);

    const published: CanonicalException[] = [];
    const deadline = Date.now() + 30_000;
    const last = () =>
      new Set(
        published
          .filter((e) => disputes.includes(e.source.objectId) && e.amount?.value === '25.00')
          .map((e) => e.source.objectId),
      ).size;
    while (last() < DISPUTES && Date.now() < deadline) {
      const m = await channel.get(exceptionsQueue, { noAck: true });
      if (m) published.push(JSON.parse(m.content.toString('utf8')) as CanonicalException);
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(last()).toBe(DISPUTES);
    // The disputes share the fixture's charge, so they link to each other and re-score for a
    // while (back-links): wait until both replicas have been quiet for 2 s.
    let quietSince = Date.now();
    while (Date.now() - quietSince < 2_000 && Date.now() < deadline + 30_000) {
      const m = await channel.get(exceptionsQueue, { noAck: true });
      if (m) {
        published.push(JSON.parse(m.content.toString('utf8')) as CanonicalException);
        quietSince = Date.now();
      } else await new Promise((r) => setTimeout(r, 50));
    }

    const ours = published.filter((e) => disputes.includes(e.source.objectId));
    const ids = [...new Set(ours.map((e) => e.id))];
    expect(ids).toHaveLength(DISPUTES);
    const states = new Map<string, Set<string>>();
    for (const e of ours) {
      const key = `${e.id}:${e.version}`;
      const state = JSON.stringify([e.status, e.amount?.value, e.priority.score, e.links]);
      states.set(key, (states.get(key) ?? new Set()).add(state));
    }
    expect([...states].filter(([, s]) => s.size > 1)).toEqual([]);
    for (const id of ids) {
      const history = await store.exceptionHistory(id);
      expect(history.map((v) => v.version)).toEqual(history.map((_, i) => i + 1));
      expect((await store.getException(id))?.version).toBe(history.length);
    }
    // Neither replica logged a failure along the way.
    for (const hub of hubs) expect(hub.problems()).not.toMatch(/"level":"(error|fatal)"/);
  }, 60_000);
});
