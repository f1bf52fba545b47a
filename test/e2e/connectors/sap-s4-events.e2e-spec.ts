/**
 * SAP S/4HANA business events on the built hub in its own process (run `npm run build` first):
 * Event Mesh's webhook delivery of a supplier invoice CloudEvent → the invoice read from the SAP
 * simulator → the pipeline → a published exception with the same id as the poller's path gives
 * (the same hub also runs the `sap-s4` poller against the same simulator).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { exceptionId, validateCanonicalException } from '@exhub/canonical';
import { buildTopology, declareTopology, deleteTopology } from '@exhub/messaging';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
} from '../../../connectors/sap-s4/testing';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';

const REPO = join(__dirname, '../../..');
const MAIN = join(REPO, 'dist/apps/hub/src/main.js');
const HOOK_USER = 'event-mesh';
const HOOK_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const EVENTS = 'sap-events';
const POLLER = 'sap-poll';
const QUIET_MS = 1500;
const fixture = (name: string): Buffer =>
  readFileSync(join(REPO, 'connectors/sap-s4/fixtures/events', `${name}.cloudevent.json`));

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

describe('sap-s4-events: Event Mesh webhook → invoice read → exhub.exceptions (built hub)', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const topology = buildTopology({ prefix });
  let sim: SapS4Simulator;
  let dir: string;
  let child: ChildProcess;
  let port: number;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  let stderr = '';

  const post = async (body: Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/ingest/${EVENTS}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/cloudevents+json',
        authorization: `Basic ${Buffer.from(`${HOOK_USER}:${HOOK_PASSWORD}`).toString('base64')}`,
        ...headers,
      },
      body,
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      json: (await res.json()) as Record<string, unknown>,
    };
  };
  const bodies = (msgs: amqp.GetMessage[]) =>
    msgs.map((m) => JSON.parse(m.content.toString('utf8')) as Record<string, unknown>);

  beforeAll(async () => {
    sim = await SapS4Simulator.start();
    dir = mkdtempSync(join(tmpdir(), 'exhub-sap-events-'));
    const sap = {
      baseUrl: sim.baseUrl,
      username: '${SAP_S4_USER}',
      password: '${SAP_S4_PASSWORD}',
      timeoutMs: 1000,
      retries: 0,
    };
    writeFileSync(
      join(dir, 'exhub.config.yaml'),
      JSON.stringify({
        connectors: [
          {
            id: POLLER,
            type: 'sap-s4',
            settings: { ...sap, startFrom: '2026-01-01', pollIntervalSeconds: 3600 },
          },
          {
            id: EVENTS,
            type: 'sap-s4-events',
            settings: {
              ...sap,
              webhookUsername: HOOK_USER,
              webhookPassword: '${SAP_EVENTS_WEBHOOK_PASSWORD}',
            },
          },
        ],
      }),
    );
    // Bound before the hub starts, so the poller's first exceptions are heard.
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    await declareTopology(channel, topology);
    queue = await subscribe(channel, topology.names.exceptions, 'finance.#');
    port = await freePort();
    child = spawn(process.execPath, [MAIN], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        AMQP_URL,
        EXHUB_TOPOLOGY_PREFIX: prefix,
        EXHUB_CONFIG: join(dir, 'exhub.config.yaml'),
        EXHUB_STORE_URL: `sqlite:${join(dir, 'exhub.db')}`,
        SAP_S4_USER: SIMULATOR_USER,
        SAP_S4_PASSWORD: SIMULATOR_PASSWORD,
        SAP_EVENTS_WEBHOOK_PASSWORD: HOOK_PASSWORD,
        LOG_LEVEL: 'warn',
      },
    });
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) {
        throw new Error(`hub not ready within 30 s (did \`npm run build\` run?): ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, topology).catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the invoice an event names, with the id the polled path gives', async () => {
    // The poller's first poll: the fixture invoices' four exceptions.
    const polled = bodies(await take(channel, queue, 4, 15_000));
    const polledHold = polled.find((e) => e.type === 'payment_hold')!;
    const id = exceptionId({
      system: 'sap-s4',
      objectType: 'A_SupplierInvoice',
      objectId: '5105600101/2026',
      type: 'payment_hold',
    });
    expect(polledHold).toMatchObject({ id, source: { connector: POLLER } });

    const created = await post(fixture('supplier-invoice-created'));
    expect(created.status).toBe(202);
    const [fromEvent] = bodies(await take(channel, queue, 1, 15_000));
    expect(validateCanonicalException(fromEvent).ok).toBe(true);
    expect(fromEvent).toMatchObject({
      id,
      type: 'payment_hold',
      amount: polledHold.amount,
      title: polledHold.title,
      source: {
        system: 'sap-s4',
        connector: EVENTS,
        objectType: 'A_SupplierInvoice',
        objectId: '5105600101/2026',
      },
    });
    expect(fromEvent.version).toBeGreaterThan(polledHold.version as number);

    // Event Mesh delivering the same event again: the first acceptance, nothing published.
    const again = await post(fixture('supplier-invoice-created'));
    expect(again).toMatchObject({
      status: 202,
      json: { duplicate: true, eventId: created.json.eventId },
    });
    expect(await take(channel, queue, 1, QUIET_MS)).toHaveLength(0);
  });

  it('sees a block set later through a Changed event, reading the current state', async () => {
    sim.update(
      { SupplierInvoice: '5105600105', FiscalYear: '2026' },
      { PaymentBlockingReason: 'B' },
    );
    const changed = Buffer.from(
      JSON.stringify({
        ...JSON.parse(fixture('supplier-invoice-changed').toString()),
        id: 'changed-5105600105',
        data: { SupplierInvoice: '5105600105', FiscalYear: '2026' },
      }),
    );
    expect((await post(changed)).status).toBe(202);
    const [held] = bodies(await take(channel, queue, 1, 15_000));
    expect(held).toMatchObject({
      id: exceptionId({
        system: 'sap-s4',
        objectType: 'A_SupplierInvoice',
        objectId: '5105600105/2026',
        type: 'payment_hold',
      }),
      signals: { reasonCode: 'B' },
    });
  });

  it('acknowledges an event type it does not act on, counted, and publishes nothing', async () => {
    // Whatever the earlier cases still publish (the same supplier's open exceptions, re-scored
    // and re-published with their new links) is heard first, so the silence below is this event's.
    await take(channel, queue, 100, QUIET_MS);
    const before = sim.requests;
    const other = await post(fixture('business-partner-changed'));
    expect(other.status).toBe(202);
    expect(await take(channel, queue, 1, QUIET_MS)).toHaveLength(0);
    expect(sim.requests).toBe(before);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`exhub_events_unmapped_total\\{[^}]*connector="${EVENTS}"[^}]*\\} [1-9]`),
    );
  });

  it('refuses unauthenticated and malformed deliveries, saying why', async () => {
    const wrong = await post(fixture('supplier-invoice-created'), {
      authorization: `Basic ${Buffer.from(`${HOOK_USER}:guess`).toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: 'bad_credentials' });
    expect(JSON.stringify(wrong.json)).not.toContain(HOOK_PASSWORD);

    const noKeys = Buffer.from(
      JSON.stringify({
        ...JSON.parse(fixture('supplier-invoice-created').toString()),
        id: 'x-1',
        data: { SupplierInvoice: '5105600101' },
      }),
    );
    const bad = await post(noKeys);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'malformed' });
    expect(JSON.stringify(bad.json)).toContain('/data/FiscalYear');
  });

  it('answers 503 with Retry-After while SAP cannot be read, so Event Mesh delivers again', async () => {
    await sim.stop();
    const changed = Buffer.from(
      JSON.stringify({
        ...JSON.parse(fixture('supplier-invoice-changed').toString()),
        id: 'while-down',
      }),
    );
    const down = await post(changed);
    expect(down.status).toBe(503);
    expect(Number(down.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(down.json).toMatchObject({ error: 'source_unavailable' });
    expect(String(down.json.message)).toContain("SupplierInvoice='5105600102'");
    await sim.start();
  });
});
