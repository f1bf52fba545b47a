/**
 * Fault (b): PostgreSQL is lost for 15 s under load. The hub's path to the database runs through a
 * proxy that resets every open connection (statements in flight, transactions between two
 * statements, idle pooled clients) and refuses new ones. The process must stay up (issue 20,
 * finding 2: an unhandled pg client 'error' killed it), readiness and ingress must name the store
 * (503 + Retry-After), the work must be retried, and the hub must recover by itself: 0 lost.
 */
import { FaultProxy } from '../../support/fault-proxy';
import { publishSequence } from '../../support/sequence-checker';
import { PG_ADMIN_URL, freshDatabase } from '../api/pg-database';
import {
  account,
  faultCase,
  postProbe,
  readiness,
  sendAll,
  statsLine,
  targetOf,
  type FaultCase,
} from './fault-harness';

/** Events published straight to the ingress exchange: the pipeline works through them. */
const PIPELINE_EVENTS = 1_000;
/** Events posted by webhook senders while the store is down (and after). */
const WEBHOOK_EVENTS = 100;
const CUT_AFTER_EXCEPTIONS = 200;
const OUTAGE_MS = 15_000;
/** Time for the hub to meet the outage before the test asks it. */
const NOTICE_MS = 1_000;
const RETRY_PAUSE_MS = 250;
const DRAIN = { timeoutMs: 90_000, quietMs: 1_000 };
const TEST_TIMEOUT_MS = 240_000;
const POLL_MS = 20;

describe('fault: PostgreSQL lost for 15 s under load', () => {
  let c: FaultCase;
  let pgProxy: FaultProxy;
  let db: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    db = await freshDatabase('faults');
    pgProxy = await FaultProxy.start(targetOf(PG_ADMIN_URL, 5432));
    c = await faultCase();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await c?.cleanup();
    await pgProxy?.close();
    await db?.drop();
  }, TEST_TIMEOUT_MS);

  it(
    'the process stays up, ingress and readiness name the store, work is retried, 0 lost',
    async () => {
      const hub = await c.startHub({
        EXHUB_STORE_URL: pgProxy.proxied(db.url),
        // Short tiers, enough attempts to outlast the outage.
        EXHUB_RETRY_DELAYS: '1s,3s,8s',
        EXHUB_MAX_ATTEMPTS: '30',
        LOG_LEVEL: 'warn',
      });
      await publishSequence(c.channel, c.fixture.topology.names.ingress, 1, PIPELINE_EVENTS);
      for (;;) {
        const { messageCount } = await c.channel.checkQueue(c.fixture.collectQueue);
        if (messageCount >= CUT_AFTER_EXCEPTIONS) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const openBefore = pgProxy.open;
      pgProxy.down();
      const sending = sendAll(
        () => hub.url,
        c.fixture.stripeSecret,
        PIPELINE_EVENTS + 1,
        PIPELINE_EVENTS + WEBHOOK_EVENTS,
        { concurrency: 4, retryPauseMs: RETRY_PAUSE_MS, deadline: Date.now() + OUTAGE_MS * 4 },
      );
      await new Promise((resolve) => setTimeout(resolve, NOTICE_MS));

      const ready = await readiness(hub);
      expect(ready.status).toBe(503);
      expect(ready.checks.store).toEqual({
        ok: false,
        detail: expect.stringMatching(/^postgres store postgres:\/\/.+/),
      });
      // A webhook during the outage: refused with Retry-After, naming the store. (Its sequence
      // number is outside the accounted range: were it accepted, it would count as unexpected.)
      const res = await postProbe(
        hub,
        c.fixture.stripeSecret,
        PIPELINE_EVENTS + WEBHOOK_EVENTS + 1,
      );
      expect(res.status).toBe(503);
      expect(Number(res.retryAfter)).toBeGreaterThan(0);
      expect(res.json).toMatchObject({
        error: 'store_unavailable',
        message: expect.stringMatching(/postgres store postgres:\/\/.+cannot dedupe/),
      });

      const upAt = Date.now() + OUTAGE_MS - NOTICE_MS;
      while (Date.now() < upAt) {
        expect(hub.running).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS * 10));
      }
      pgProxy.up();
      const recoveredMs = await hub.waitReady(30_000);
      const sent = await sending;
      console.log(
        `PostgreSQL lost ${OUTAGE_MS} ms (${openBefore} connections reset): ready again ` +
          `${recoveredMs} ms after it returned; senders ${statsLine(sent)}`,
      );
      const report = await account(
        c,
        'PostgreSQL lost for 15 s',
        PIPELINE_EVENTS + WEBHOOK_EVENTS,
        DRAIN,
      );
      expect({ lost: report.lost, unexpected: report.unexpected, invalid: report.invalid }).toEqual(
        { lost: [], unexpected: [], invalid: [] },
      );
      expect(c.hubs).toHaveLength(1);
      expect(hub.running).toBe(true);
      // Nothing was dead-lettered: the outage was retried through.
      expect((await c.channel.checkQueue(c.fixture.topology.names.dlq)).messageCount).toBe(0);
      // The senders met the outage (503s), they did not just run after it.
      expect(sent.retried.get(503) ?? 0).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});
