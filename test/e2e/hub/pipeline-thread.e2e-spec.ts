/**
 * The BUILT hub as shipped (EXHUB_ROLES=all) with the pipeline worker in a worker thread of its
 * own (EXHUB_WORKER_THREAD=on): a signed Stripe webhook taken by HTTP on the main thread becomes
 * an exception published by the thread; /metrics carries the thread's counters under the usual
 * names, /health/ready its readiness, stdout its log lines. Then the thread dies of an uncaught
 * error (injected by a preload, test/support/crash-pipeline-thread.cjs): the hub logs it, reports
 * not ready while it restarts the thread, keeps taking webhooks, and what it took is processed
 * once the thread is back.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import type { CanonicalException } from '@exhub/canonical';
import { buildTopology, deleteTopology } from '@exhub/messaging';
import { signStripePayload } from '@exhub/connectors/stripe';
import { HubProcess } from '../../support/hub-process';

const ROOT = join(__dirname, '../../..');
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const STRIPE_SECRET = `whsec_${randomBytes(16).toString('hex')}`;
const CRASH_PRELOAD = join(ROOT, 'test/support/crash-pipeline-thread.cjs');
/** Generous: the machine is shared and the thread starts a second NestJS application. */
const WAIT_MS = 45_000;
const POLL_MS = 100;
const TEST_TIMEOUT_MS = 120_000;

const dispute = JSON.parse(
  readFileSync(join(ROOT, 'connectors/stripe/fixtures/charge.dispute.created.json'), 'utf8'),
) as { id: string; data: { object: { id: string } } };

/** A new dispute (own event and object id), so each post raises an exception of its own. */
function newDispute(): { eventId: string; body: Buffer } {
  const tag = randomBytes(6).toString('hex');
  const event = {
    ...dispute,
    id: `evt_thread_${tag}`,
    data: { ...dispute.data, object: { ...dispute.data.object, id: `du_thread_${tag}` } },
  };
  return { eventId: event.id, body: Buffer.from(JSON.stringify(event)) };
}

async function postStripe(hub: HubProcess, body: Buffer): Promise<number> {
  const res = await fetch(`${hub.url}/v1/ingest/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': signStripePayload(body, STRIPE_SECRET, Math.floor(Date.now() / 1000)),
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Sum of the series of `name` whose labels include `labels`. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (!Object.entries(labels).every(([k, v]) => have[k] === v)) continue;
    sum += Number(m[3]);
    seen = true;
  }
  if (!seen) throw new Error(`no series ${name}${JSON.stringify(labels)} in /metrics`);
  return sum;
}

async function readiness(hub: HubProcess): Promise<{
  status: number;
  body: { status: string; checks: Record<string, { ok: boolean; detail: string }> };
}> {
  const res = await fetch(`${hub.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as never };
}

/** Polls `probe` until `ok` holds; fails with the hub's last lines. */
async function until<T>(
  hub: HubProcess,
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not seen within ${WAIT_MS} ms; last ${JSON.stringify(value)}\n${hub.tail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('the built hub with the pipeline worker in its own thread (EXHUB_WORKER_THREAD=on)', () => {
  const prefix = `t-thread-${randomBytes(4).toString('hex')}`;
  const topology = buildTopology({ prefix });
  const crashFile = join(tmpdir(), `exhub-crash-${prefix}`);
  let dir: string;
  let hub: HubProcess;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;

  /** The exceptions on exhub.exceptions whose source event is `eventId`, waiting for one. */
  const publishedFor = async (eventId: string): Promise<CanonicalException> => {
    const found = await until(
      hub,
      `the exception of ${eventId} on ${topology.names.exceptions}`,
      async () => {
        for (;;) {
          const msg = await channel.get(queue, { noAck: true });
          if (!msg) return undefined;
          const e = JSON.parse(msg.content.toString('utf8')) as CanonicalException;
          if (e.source.eventId === eventId) return e;
        }
      },
      (e) => e !== undefined,
    );
    return found as CanonicalException;
  };
  const scrape = async (): Promise<string> => (await fetch(`${hub.url}/metrics`)).text();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-thread-'));
    const config = join(dir, 'exhub.config.yaml');
    writeFileSync(
      config,
      [
        'connectors:',
        '  - id: stripe',
        '    type: stripe',
        '    settings:',
        '      secrets: ["${STRIPE_WEBHOOK_SECRET}"]',
        '',
      ].join('\n'),
    );
    hub = await HubProcess.start({
      prefix,
      amqpUrl: AMQP_URL,
      stripeSecret: STRIPE_SECRET,
      env: {
        EXHUB_ROLES: 'all',
        EXHUB_WORKER_THREAD: 'on',
        EXHUB_CONFIG: config,
        EXHUB_STORE_URL: `sqlite:${join(dir, 'store.db')}`,
        NODE_OPTIONS: `--require ${CRASH_PRELOAD}`,
        // Webhooks first at the slightest load (the default waits for 8 in flight on a loop busy
        // half the time, which a test cannot count on reaching): the thread must see the main
        // thread's count.
        EXHUB_INGRESS_FIRST: '1',
        EXHUB_INGRESS_FIRST_LOOP: '0',
        EXHUB_TEST_CRASH_FILE: crashFile,
      },
    });
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    queue = (await channel.assertQueue('', { exclusive: true, autoDelete: true })).queue;
    await channel.bindQueue(queue, topology.names.exceptions, '#');
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await hub?.stop();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, topology).catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    rmSync(crashFile, { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is ready only with the thread consuming, and the thread logs to the same stdout', async () => {
    const { status, body } = await readiness(hub);
    expect(status).toBe(200);
    expect(body.checks.pipeline).toEqual({
      ok: true,
      detail: `consuming ${topology.names.work} in its own thread`,
    });
    // The consumer runs in the thread, as JSON lines like the main thread's.
    const consuming = hub.logs.find((line) => /"msg":"pipeline worker consuming"/.test(line));
    expect(JSON.parse(consuming ?? '{}')).toMatchObject({
      level: 'info',
      service: 'exhub',
      thread: 'pipeline',
      queue: topology.names.work,
    });
  });

  it(
    'publishes the exception of a signed Stripe webhook, and /metrics counts the thread’s work',
    async () => {
      const before = await scrape();
      const { eventId, body } = newDispute();
      expect(await postStripe(hub, body)).toBe(202);
      const exception = await publishedFor(eventId);
      expect(exception).toMatchObject({ type: 'chargeback_dispute', domain: 'finance' });

      const after = await until(
        hub,
        'the pipeline counters in /metrics',
        scrape,
        (text) =>
          metricValue(text, 'exhub_stage_processed_total', { stage: 'total' }) >
          metricValue(before, 'exhub_stage_processed_total', { stage: 'total' }),
      );
      // Counted by the main thread (ingress) and by the pipeline thread, one exposition.
      expect(metricValue(after, 'exhub_stage_processed_total', { stage: 'ingress' })).toBe(
        metricValue(before, 'exhub_stage_processed_total', { stage: 'ingress' }) + 1,
      );
      expect(metricValue(after, 'exhub_exceptions_published_total')).toBeGreaterThanOrEqual(1);
      // Each thread's event loop is its own series; process figures appear once.
      expect(after).toMatch(/^exhub_nodejs_eventloop_lag_seconds\{thread="pipeline"\} /m);
      expect(after).toMatch(/^exhub_nodejs_eventloop_lag_seconds /m);
      expect(after.match(/^exhub_process_resident_memory_bytes /gm)).toHaveLength(1);
      expect(after.match(/^exhub_build_info\{/gm)).toHaveLength(1);
      expect(metricValue(after, 'exhub_pipeline_thread_restarts_total')).toBe(0);
      // The merged exposition is valid: promtool exits non-zero on any problem and prints it.
      expect(
        execFileSync('promtool', ['check', 'metrics'], { input: after, encoding: 'utf8' }),
      ).toBe('');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'holds its batches while webhooks are in flight in the main thread, and still publishes every one',
    async () => {
      const waitedBefore = metricValue(await scrape(), 'exhub_pipeline_ingress_wait_seconds_total');
      const BURST = 200;
      const CONCURRENCY = 20;
      const events = Array.from({ length: BURST }, () => newDispute());
      const statuses: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < events.length) statuses.push(await postStripe(hub, events[next++].body));
        }),
      );
      expect(statuses.filter((s) => s === 202)).toHaveLength(BURST);

      // Every one becomes an exception: holding delays the pipeline, it drops nothing.
      const missing = new Set(events.map((e) => e.eventId));
      await until(
        hub,
        `the ${BURST} exceptions of the burst`,
        async () => {
          for (;;) {
            const msg = await channel.get(queue, { noAck: true });
            if (!msg) return missing.size;
            const { source } = JSON.parse(msg.content.toString('utf8')) as CanonicalException;
            if (source.eventId) missing.delete(source.eventId);
          }
        },
        (left) => left === 0,
      );
      // The thread read the main thread's count: its batches waited for the webhooks.
      expect(
        metricValue(await scrape(), 'exhub_pipeline_ingress_wait_seconds_total'),
      ).toBeGreaterThan(waitedBefore);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'restarts the thread when it dies: logged, not ready meanwhile, webhooks taken and processed after',
    async () => {
      writeFileSync(crashFile, 'crash');
      const notReady = await until(
        hub,
        'readiness naming the dead thread',
        () => readiness(hub),
        (r) => r.status === 503 && r.body.checks.pipeline?.ok === false,
      );
      expect(notReady.body.checks.pipeline.detail).toMatch(
        /pipeline worker thread (died|starting again after it died) \(Error: injected crash of the pipeline worker thread \(test\)\)/,
      );
      const died = hub.logs.find((line) => /pipeline worker thread died/.test(line));
      expect(JSON.parse(died ?? '{}')).toMatchObject({
        level: 'error',
        component: 'pipeline-thread',
        exitCode: 1,
      });

      // HTTP still takes webhooks while the thread is away; the broker holds them.
      const { eventId, body } = newDispute();
      expect(await postStripe(hub, body)).toBe(202);

      await hub.waitReady(WAIT_MS);
      expect(hub.running).toBe(true);
      expect((await readiness(hub)).body.checks.pipeline.ok).toBe(true);
      expect((await publishedFor(eventId)).type).toBe('chargeback_dispute');
      expect(metricValue(await scrape(), 'exhub_pipeline_thread_restarts_total')).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'SIGTERM drains the thread and HTTP, and exits 0',
    async () => {
      hub.signal('SIGTERM');
      expect(await hub.exited).toEqual({ code: 0, signal: null });
      const stopped = hub.logs.filter((line) =>
        /"msg":"stopped: in-flight work finished and acknowledged/.test(line),
      );
      // One line from the main thread, one from the pipeline thread.
      if (stopped.length < 2) console.log(`the hub's last lines:\n${hub.tail(30)}`);
      expect(stopped.map((line) => (JSON.parse(line) as { thread?: string }).thread)).toEqual(
        expect.arrayContaining([undefined, 'pipeline']),
      );
      const { consumerCount } = await channel.checkQueue(topology.names.work);
      expect(consumerCount).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});
