import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import { loadEnvSettings } from '@exhub/config';
import { validateCanonicalException } from '@exhub/canonical';
import { declareTopology, deleteTopology } from '@exhub/messaging';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { PollSchedulerService } from '../../../apps/hub/src/connectors/poll-scheduler.service';
import { CONNECTORS, type ConnectorRegistry } from '@exhub/connector-sdk';
import { NetSuiteSimulator, SIMULATOR_CREDENTIALS } from '../../../connectors/netsuite/testing';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';
import { pollWhenIdle } from '../../support/poll-when-idle';

const CONNECTOR = 'netsuite';
const BREAKER_RESET_SECONDS = 0.5;

describe('netsuite: SOAP simulator → poll runner → RabbitMQ → pipeline → exhub.exceptions', () => {
  let sim: NetSuiteSimulator;
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  let cursorDir: string;

  const get = async (url: string) => {
    const r = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.body };
  };
  const runner = () => app.get(PollSchedulerService).runners.get(CONNECTOR)!;
  /** The saved cursor, from the store (or the cursor file the scheduler used before it). */
  const savedCursor = async (): Promise<unknown> => {
    const row = await rt.store.getCursor(CONNECTOR);
    if (row) return JSON.parse(row.cursor);
    return JSON.parse(readFileSync(process.env.EXHUB_CURSOR_FILE!, 'utf8'))[CONNECTOR];
  };
  const bodies = (msgs: amqp.GetMessage[]) =>
    msgs.map((m) => JSON.parse(m.content.toString('utf8')) as Record<string, unknown>);

  beforeAll(async () => {
    sim = await NetSuiteSimulator.start();
    cursorDir = mkdtempSync(join(tmpdir(), 'exhub-cursors-'));
    process.env.EXHUB_CURSOR_FILE = join(cursorDir, 'cursors.json');
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      // A store of its own: a cursor left by an earlier run must not hide the fixture bills.
      EXHUB_STORE_URL: `sqlite:${join(cursorDir, 'exhub.db')}`,
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: CONNECTOR,
          type: 'netsuite',
          enabled: true,
          settings: {
            endpoint: sim.endpoint,
            ...SIMULATOR_CREDENTIALS,
            startFrom: '2026-01-01',
            pollIntervalSeconds: 1,
            pageSize: 5,
            timeoutMs: 1000,
            retries: 1,
            retryBaseDelayMs: 20,
            breakerResetSeconds: BREAKER_RESET_SECONDS,
            breakerVolumeThreshold: 2,
          },
        },
      ],
    });
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    // Declared before the hub starts polling, so no exception is published before we listen.
    await declareTopology(channel, rt.topology);
    queue = await subscribe(channel, rt.topology.names.exceptions, 'finance.#');
    app = await createHubApp(rt);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    const ch = await client.createChannel();
    await deleteTopology(ch, rt.topology);
    await ch.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await sim?.close();
    delete process.env.EXHUB_CURSOR_FILE;
    rmSync(cursorDir, { recursive: true, force: true });
  });

  it('publishes one valid canonical exception per held or overdue bill', async () => {
    const exceptions = bodies(await take(channel, queue, 3, 15_000));
    expect(exceptions.map((e) => (e.source as { objectId: string }).objectId).sort()).toEqual([
      '8101',
      '8102',
      '8105',
    ]);
    for (const e of exceptions) {
      expect(validateCanonicalException(e).ok).toBe(true);
      expect(e).toMatchObject({ domain: 'finance', type: 'payment_hold' });
      expect(e.source).toMatchObject({
        system: 'netsuite',
        connector: CONNECTOR,
        objectType: 'VendorBill',
      });
    }
    const kestrel = exceptions.find((e) => (e.source as { objectId: string }).objectId === '8105')!;
    expect(kestrel).toMatchObject({
      amount: { value: '27640.00', currency: 'GBP' },
      parties: [{ role: 'supplier', id: '2150', name: 'Kestrel Cloud Services' }],
      signals: { reasonCode: 'payment_hold' },
    });
    // Connection check, then the search and its second page: SOAP operations, each with a token
    // passport the simulator accepted.
    expect(sim.log.slice(0, 3)).toEqual(['getServerTime', 'search', 'searchMoreWithId']);
    expect(await savedCursor()).toMatchObject({
      watermark: '2026-03-18T15:00:00.000Z',
      seen: ['8105', '8106'],
    });
    expect(await take(channel, queue, 1, 1500)).toHaveLength(0); // nothing re-emitted
    expect(app.get<ConnectorRegistry>(CONNECTORS).get(CONNECTOR)?.kind).toBe('poll');
    const ready = JSON.parse((await get('/health/ready')).body);
    expect(ready.checks['connector:netsuite']).toMatchObject({
      ok: true,
      detail: expect.stringContaining('breaker closed'),
    });
  });

  it('opens the breaker when the simulator dies (metric, readiness), closes it when it is back, and loses nothing', async () => {
    await sim.stop();
    const deadline = Date.now() + 15_000;
    while (rt.connectors.get(CONNECTOR)!.check?.().ok !== false && Date.now() < deadline) {
      await runner()
        .pollNow()
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(
      /^exhub_breaker_state\{connector="netsuite",endpoint="NetSuitePort",state="open"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^exhub_breaker_transitions_total\{connector="netsuite",endpoint="NetSuitePort",from="closed",to="open"\} 1$/m,
    );
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'degraded',
      checks: { 'connector:netsuite': { ok: false, detail: expect.stringMatching(/open/) } },
    });
    expect(await pollWhenIdle(runner)).toEqual({ status: 'paused_breaker' });

    // While NetSuite is down, a bill is put on hold there; it must arrive once NetSuite is back.
    sim.update('8104', { paymentHold: true, lastModifiedDate: '2026-03-19T10:00:00.000-07:00' });
    await sim.start();
    const [late] = bodies(await take(channel, queue, 1, 15_000));
    expect(late).toMatchObject({ type: 'payment_hold', source: { objectId: '8104' } });
    expect(validateCanonicalException(late).ok).toBe(true);
    const after = (await get('/metrics')).body;
    expect(after).toMatch(
      /^exhub_breaker_state\{connector="netsuite",endpoint="NetSuitePort",state="closed"\} 1$/m,
    );
    expect(after).toMatch(
      /^exhub_breaker_transitions_total\{connector="netsuite",endpoint="NetSuitePort",from="half_open",to="closed"\} 1$/m,
    );
    const back = await get('/health/ready');
    expect(back.status).toBe(200);
    expect(JSON.parse(back.body).checks['connector:netsuite']).toMatchObject({ ok: true });
  }, 40_000);
});
