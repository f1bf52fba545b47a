import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import { loadEnvSettings } from '@exhub/config';
import { exceptionId, validateCanonicalException } from '@exhub/canonical';
import { declareTopology, deleteTopology } from '@exhub/messaging';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { PollSchedulerService } from '../../../apps/hub/src/connectors/poll-scheduler.service';
import { CONNECTORS, type ConnectorRegistry } from '@exhub/connector-sdk';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
} from '../../../connectors/sap-s4/testing';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';
import { pollWhenIdle } from '../../support/poll-when-idle';

const CONNECTOR = 'sap-s4';
const BREAKER_RESET_SECONDS = 0.5;

describe('sap-s4: simulator → poll runner → RabbitMQ → pipeline → exhub.exceptions', () => {
  let sim: SapS4Simulator;
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
  const bodies = (msgs: amqp.GetMessage[]) =>
    msgs.map((m) => JSON.parse(m.content.toString('utf8')) as Record<string, unknown>);

  beforeAll(async () => {
    sim = await SapS4Simulator.start();
    cursorDir = mkdtempSync(join(tmpdir(), 'exhub-sap-e2e-'));
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      // A store of its own: cursors live in the store, and one left by another run must not leak in.
      EXHUB_STORE_URL: `sqlite:${join(cursorDir, 'exhub.db')}`,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: CONNECTOR,
          type: 'sap-s4',
          enabled: true,
          settings: {
            baseUrl: sim.baseUrl,
            username: SIMULATOR_USER,
            password: SIMULATOR_PASSWORD,
            startFrom: '2026-01-01',
            pollIntervalSeconds: 1,
            pageSize: 2,
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
    rmSync(cursorDir, { recursive: true, force: true });
  });

  it('publishes one valid canonical exception per problem the invoices show', async () => {
    const exceptions = bodies(await take(channel, queue, 4, 15_000));
    expect(exceptions.map((e) => e.type).sort()).toEqual([
      'duplicate_invoice_risk',
      'invoice_mismatch',
      'payment_hold',
      'tax_validation_failure',
    ]);
    for (const e of exceptions) {
      expect(validateCanonicalException(e).ok).toBe(true);
      expect(e.source).toMatchObject({
        system: 'sap-s4',
        connector: CONNECTOR,
        objectType: 'A_SupplierInvoice',
      });
    }
    const hold = exceptions.find((e) => e.type === 'payment_hold')!;
    expect(hold.parties).toEqual([{ role: 'supplier', id: '100045', tier: 'critical' }]);
    expect((hold.source as { url: string }).url).toContain(
      "A_SupplierInvoice(SupplierInvoice='5105600101',FiscalYear='2026')",
    );
    // The cursor is in the store, saved after the confirms.
    const saved = await rt.store.getCursor(CONNECTOR);
    expect(JSON.parse(saved!.cursor).watermark.invoice).toBe('5105600105');
    expect(await take(channel, queue, 1, 1500)).toHaveLength(0); // nothing re-emitted
    expect(app.get<ConnectorRegistry>(CONNECTORS).get(CONNECTOR)?.kind).toBe('poll');
    const ready = JSON.parse((await get('/health/ready')).body);
    expect(ready.checks['connector:sap-s4']).toMatchObject({
      ok: true,
      detail: expect.stringContaining('breaker closed'),
    });
  });

  it('ends the payment hold when SAP releases the block (re-read after the sweep); a new block re-opens it', async () => {
    const key = { SupplierInvoice: '5105600101', FiscalYear: '2026' };
    const id = exceptionId({
      system: 'sap-s4',
      objectType: 'A_SupplierInvoice',
      objectId: '5105600101/2026',
      type: 'payment_hold',
    });
    expect((await rt.store.getException(id))?.status).toBe('open');
    sim.update(key, { PaymentBlockingReason: '' });
    const [resolved] = bodies(await take(channel, queue, 1, 15_000));
    expect(resolved).toMatchObject({
      id,
      status: 'resolved',
      version: 2,
      resolution: {
        by: 'source',
        status: 'resolved',
        reason: 'SAP supplier invoice 5105600101/2026: payment block released.',
      },
    });
    expect(await rt.store.listOutcomes(id)).toEqual([
      expect.objectContaining({ kind: 'resolved', resolvedBy: 'source', actor: 'source:sap-s4' }),
    ]);
    expect((await rt.store.auditTrail({ exceptionId: id })).map((a) => a.action)).toEqual([
      'exception.created',
      'outcome.resolved',
    ]);
    // Blocked again: the sweep announces it; the exception mapping's content is the same as when it
    // opened, so the stored (resolved) version is published again (same message id `<id>:2`, which
    // subscribers drop), then the lifecycle mapping's `open` re-opens it.
    sim.update(key, { PaymentBlockingReason: 'A' });
    const again = bodies(await take(channel, queue, 2, 15_000));
    expect(again.map((e) => [e.id, e.version, e.status])).toEqual([
      [id, 2, 'resolved'],
      [id, 3, 'open'],
    ]);
    expect((await rt.store.auditTrail({ exceptionId: id })).map((a) => a.action).at(-1)).toBe(
      'exception.reopened',
    );
    expect(await take(channel, queue, 1, 1500)).toHaveLength(0);
  }, 40_000);

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
      /^exhub_breaker_state\{connector="sap-s4",endpoint="A_SupplierInvoice",state="open"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^exhub_breaker_transitions_total\{connector="sap-s4",endpoint="A_SupplierInvoice",from="closed",to="open"\} 1$/m,
    );
    // A source system being down degrades the hub; it stays in service for every other source.
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'degraded',
      checks: { 'connector:sap-s4': { ok: false, detail: expect.stringMatching(/open/) } },
    });
    expect(await pollWhenIdle(runner)).toEqual({ status: 'paused_breaker' });

    // While SAP is down, an invoice is blocked there; it must arrive once SAP is back.
    sim.update(
      { SupplierInvoice: '5105600105', FiscalYear: '2026' },
      { PaymentBlockingReason: 'B' },
    );
    await sim.start();
    const [late] = bodies(await take(channel, queue, 1, 15_000));
    expect(late).toMatchObject({ type: 'payment_hold', source: { objectId: '5105600105/2026' } });
    expect(validateCanonicalException(late).ok).toBe(true);
    const after = (await get('/metrics')).body;
    expect(after).toMatch(
      /^exhub_breaker_state\{connector="sap-s4",endpoint="A_SupplierInvoice",state="closed"\} 1$/m,
    );
    expect(after).toMatch(
      /^exhub_breaker_transitions_total\{connector="sap-s4",endpoint="A_SupplierInvoice",from="half_open",to="closed"\} 1$/m,
    );
    const back = await get('/health/ready');
    expect(back.status).toBe(200);
    expect(JSON.parse(back.body).checks['connector:sap-s4']).toMatchObject({ ok: true });
  }, 40_000);

  it('records a page SAP answers malformed in the DLQ with its reason, once, and keeps the cursor', async () => {
    const before = await rt.store.getCursor(CONNECTOR);
    const dlq = rt.topology.names.dlq;
    // Malformed until healed: the scheduler's own tick (every second) may poll in between, and
    // must meet the same malformed page, not a good one that moves the cursor on.
    sim.fail('malformed', 1_000);
    for (let i = 0; i < 2; i++) {
      await expect(pollWhenIdle(runner)).rejects.toMatchObject({ errorClass: 'INVALID_PAYLOAD' });
    }
    expect((await rt.store.getCursor(CONNECTOR))!.cursor).toBe(before!.cursor);
    // Refusals at the same cursor (ours and any tick's): recorded once, not at every poll.
    const deadLetters = await take(channel, dlq, 2, 3_000);
    expect(deadLetters).toHaveLength(1);
    const [dead] = deadLetters;
    const headers = dead.properties.headers as Record<string, unknown>;
    expect(headers).toMatchObject({
      'x-exhub-connector': CONNECTOR,
      'x-exhub-object-type': 'exhub.refused-page',
      'x-exhub-error-class': 'INVALID_PAYLOAD',
    });
    expect(String(headers['x-exhub-error-message'])).toMatch(
      /^poll of connector sap-s4 refused a page: /,
    );
    const body = JSON.parse(dead.content.toString('utf8')) as {
      issues: unknown[];
      cursor: unknown;
    };
    expect(body.issues.length).toBeGreaterThan(0);
    expect(JSON.stringify(body.cursor)).toBe(before!.cursor);
    expect((await rt.store.getCursor(CONNECTOR))!.cursor).toBe(before!.cursor);
    // SAP answers well again: polling resumes from the same cursor.
    sim.heal();
    await expect(pollWhenIdle(runner)).resolves.toMatchObject({ status: 'polled' });
  }, 30_000);
});
