/**
 * A steward's runaway mapping and an operator's runaway replay filter, on the built hub in its
 * own process (run `npm run build` first): the bad event costs one dead letter, every other
 * event is mapped, and `/health/live`, probed over HTTP from this process, never waits 1 s.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { signStripePayload } from '@exhub/connectors/stripe';
import { buildTopology, deleteTopology } from '@exhub/messaging';
import { HEADER } from '@exhub/messaging';
import { openStore } from '@exhub/store';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';

const REPO = join(__dirname, '../../..');
const MAIN = join(REPO, 'dist/apps/hub/src/main.js');
const SECRET = `whsec_${randomBytes(8).toString('hex')}`;
const dispute = JSON.parse(
  readFileSync(join(REPO, 'connectors/stripe/fixtures/charge.dispute.created.json'), 'utf8'),
) as { id: string; data: { object: Record<string, unknown> } };
const NORMAL_EVENTS = 20;
const LIVE_WITHIN_MS = 1000;

/** A steward's mistake: a width taken from the payload, 500,000,000 on the bad event. */
const RUNAWAY_MAPPING = `id: stripe.runaway
description: A field whose $pad width comes from the payload.
source: { system: stripe, objectType: event }
match: data.object.metadata.runaway = 'yes'
fields:
  title:
    expr: $pad(data.object.reason, data.object.amount)
    description: padded reason
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The built hub in its own process, ready (200 on /health/ready) within 30 s. */
async function spawnHub(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { child, port };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hub not ready within 30 s (did \`npm run build\` run?): ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function event(id: string, runaway = false): Buffer {
  const object = { ...dispute.data.object };
  if (runaway) Object.assign(object, { amount: 500_000_000, metadata: { runaway: 'yes' } });
  return Buffer.from(JSON.stringify({ ...dispute, id, data: { ...dispute.data, object } }));
}

describe('a runaway mapping and a runaway replay filter on the built hub', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const topology = buildTopology({ prefix });
  let dir: string;
  let hub: { child: ChildProcess; port: number };
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let storeUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-runaway-'));
    cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
    writeFileSync(join(dir, 'mappings/stripe/runaway.mapping.yaml'), RUNAWAY_MAPPING);
    storeUrl = `sqlite:${join(dir, 'exhub.db')}`;
    hub = await spawnHub({
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: prefix,
      EXHUB_MAPPINGS_DIR: join(dir, 'mappings'),
      EXHUB_STORE_URL: storeUrl,
      STRIPE_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
    });
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
  }, 60_000);
  afterAll(async () => {
    if (hub && hub.child.exitCode === null) {
      const exited = new Promise((r) => hub.child.once('exit', r));
      hub.child.kill('SIGTERM');
      const timer = setTimeout(() => hub.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, topology).catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const url = (path: string) => `http://127.0.0.1:${hub.port}${path}`;
  const post = async (path: string, body: Buffer | string, headers: Record<string, string>) => {
    const res = await fetch(url(path), { method: 'POST', body, headers });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const postEvent = (body: Buffer) =>
    post('/v1/ingest/stripe', body, {
      'content-type': 'application/json',
      'stripe-signature': signStripePayload(body, SECRET, Math.floor(Date.now() / 1000)),
    });

  it('dead-letters the runaway event once, maps all others, refuses the filter, and stays live', async () => {
    const finance = await subscribe(channel, topology.names.exceptions, 'finance.#');
    let probing = true;
    const latencies: number[] = [];
    const probe = (async () => {
      while (probing) {
        const started = Date.now();
        const ok = await fetch(url('/health/live'), { signal: AbortSignal.timeout(5000) })
          .then((r) => r.ok)
          .catch(() => false);
        latencies.push(ok ? Date.now() - started : Infinity);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const run = randomBytes(3).toString('hex');
    expect((await postEvent(event(`evt_runaway_${run}`, true))).status).toBe(202);
    for (let i = 0; i < NORMAL_EVENTS; i++) {
      expect((await postEvent(event(`evt_normal_${run}_${i}`))).status).toBe(202);
    }

    // An operator's filter over five million items, against the archive that now holds events.
    const store = await openStore(storeUrl);
    const key = await store.createApiKey('operator', 'runaway-e2e').finally(() => store.close());
    const replay = await post(
      '/v1/replay',
      JSON.stringify({
        source: 'archive',
        from: new Date(Date.now() - 60_000).toISOString(),
        dryRun: true,
        filter: '$count([1..5000000].($ * 2)) > 0',
      }),
      { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
    );
    expect(replay.status).toBe(400);
    expect(replay.json.message).toMatch(/built a sequence longer than 100000 items/);

    const mapped = await take(channel, finance, NORMAL_EVENTS, 30_000);
    const ids = mapped.map(
      (m) =>
        (JSON.parse(m.content.toString('utf8')) as { source: { eventId: string } }).source.eventId,
    );
    expect(new Set(ids).size).toBe(NORMAL_EVENTS); // 0 lost, 0 duplicated
    expect(ids).not.toContain(`evt_runaway_${run}`);

    const [dead] = await take(channel, topology.names.dlq, 1, 15_000);
    expect(dead).toBeDefined();
    const headers = dead.properties.headers ?? {};
    expect(headers[HEADER.errorClass]).toBe('INVALID_PAYLOAD');
    expect(String(headers[HEADER.errorMessage])).toMatch(
      /mapping stripe\.runaway fields\.title .*\$pad: width 500000000 is over the limit of 2000000 characters \(maxStringLength\)/,
    );
    // Dead-lettered once: nothing more arrives, and nothing waits in a retry tier.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await channel.checkQueue(topology.names.dlq)).messageCount).toBe(0);

    probing = false;
    await probe;
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(LIVE_WITHIN_MS);
  }, 90_000);
});
