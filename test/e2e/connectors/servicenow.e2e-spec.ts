import { mkdtempSync, rmSync } from 'node:fs';
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
import {
  fixtureIncidents,
  ServiceNowSimulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
} from '../../../connectors/servicenow/testing';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';
import { pollWhenIdle } from '../../support/poll-when-idle';

const CONNECTOR = 'servicenow';
const BREAKER_RESET_SECONDS = 0.5;

describe('servicenow: simulator → poll runner → RabbitMQ → pipeline → exhub.exceptions', () => {
  let sim: ServiceNowSimulator;
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
  type Exception = Record<string, unknown> & {
    id: string;
    type: string;
    source: Record<string, string>;
  };
  /** Every message taken so far. A re-score (links, due-date sweep) republishes an id, version + 1. */
  const seen: Exception[] = [];
  const key = (e: Exception) => `${e.source.objectId} ${e.type}`;
  /** Distinct exceptions (by id) seen so far, latest version of each. */
  const distinct = () => [...new Map(seen.map((e) => [e.id, e])).values()];
  /** Takes messages until `pred` holds for the distinct exceptions (or the timeout). */
  const until = async (pred: (es: Exception[]) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pred(distinct()) && Date.now() < deadline) {
      for (const m of await take(channel, queue, 1, 200)) {
        seen.push(JSON.parse(m.content.toString('utf8')) as Exception);
      }
    }
    return distinct();
  };

  beforeAll(async () => {
    sim = await ServiceNowSimulator.start();
    cursorDir = mkdtempSync(join(tmpdir(), 'exhub-cursors-'));
    process.env.EXHUB_CURSOR_FILE = join(cursorDir, 'cursors.json');
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      // One store per run: a cursor saved by an earlier run must not hide the fixtures.
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: CONNECTOR,
          type: 'servicenow',
          enabled: true,
          settings: {
            instanceUrl: sim.instanceUrl,
            auth: 'basic',
            username: SIMULATOR_USER,
            password: SIMULATOR_PASSWORD,
            fetchTaskSla: true,
            startFrom: '2015-01-01',
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
    queue = await subscribe(channel, rt.topology.names.exceptions, 'support.#');
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

  it('publishes one valid canonical exception per problem the incidents show', async () => {
    const exceptions = await until((es) => es.length >= 3);
    expect(exceptions.map(key).sort()).toEqual([
      'INC0000046 sla_breach_risk',
      'INC0000050 escalation',
      'INC0000050 sla_breach_risk',
    ]);
    for (const e of exceptions) {
      expect(validateCanonicalException(e).ok).toBe(true);
      expect(e.source).toMatchObject({
        system: 'servicenow',
        connector: CONNECTOR,
        objectType: 'incident',
      });
    }
    const escalation = exceptions.find((e) => e.type === 'escalation')!;
    expect(escalation).toMatchObject({
      domain: 'support',
      dueAt: '2016-01-22T18:12:37Z',
      parties: [
        { role: 'account', id: '31bea3d53790200044e0bfc8bcbe5dec' },
        { role: 'requester', id: '5b7c200d0a640069006b3845b5d0fa7c' },
      ],
      references: { ticket: 'INC0000050' },
      signals: expect.objectContaining({ priorityLabel: '1 - Critical', slaPercentage: 82.4 }),
    });
    // Nothing new later: the next polls find no change (re-scores keep the same ids).
    expect((await until(() => false, 2500)).map(key).sort()).toEqual(exceptions.map(key).sort());
    expect(app.get<ConnectorRegistry>(CONNECTORS).get(CONNECTOR)?.kind).toBe('poll');
    const ready = JSON.parse((await get('/health/ready')).body);
    expect(ready.checks['connector:servicenow']).toMatchObject({
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
      /^exhub_breaker_state\{connector="servicenow",endpoint="incident",state="open"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^exhub_breaker_transitions_total\{connector="servicenow",endpoint="incident",from="closed",to="open"\} 1$/m,
    );
    // A source system being down degrades the hub; it stays in service for every other source.
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'degraded',
      checks: { 'connector:servicenow': { ok: false, detail: expect.stringMatching(/open/) } },
    });
    expect(await pollWhenIdle(runner)).toEqual({ status: 'paused_breaker' });

    // While ServiceNow is down, an incident is escalated there; it must arrive once it is back.
    sim.updateIncident(
      'c537bae64f411200adf9f8e18110c76e',
      { escalation: '3' },
      '2026-05-01 08:00:00',
    );
    await sim.start();
    const late = (await until((es) => es.some((e) => key(e) === 'INC0010002 escalation'))).find(
      (e) => key(e) === 'INC0010002 escalation',
    );
    expect(late).toMatchObject({ domain: 'support', references: { ticket: 'INC0010002' } });
    expect(validateCanonicalException(late).ok).toBe(true);
    const after = (await get('/metrics')).body;
    expect(after).toMatch(
      /^exhub_breaker_state\{connector="servicenow",endpoint="incident",state="closed"\} 1$/m,
    );
    expect(after).toMatch(
      /^exhub_breaker_transitions_total\{connector="servicenow",endpoint="incident",from="half_open",to="closed"\} 1$/m,
    );
    const back = await get('/health/ready');
    expect(back.status).toBe(200);
    expect(JSON.parse(back.body).checks['connector:servicenow']).toMatchObject({ ok: true });
    // Nothing lost, nothing invented: the three from before and the late one.
    expect((await until(() => false, 1500)).map(key).sort()).toEqual([
      'INC0000046 sla_breach_risk',
      'INC0000050 escalation',
      'INC0000050 sla_breach_risk',
      'INC0010002 escalation',
    ]);
  }, 40_000);

  it('dead-letters one poison record alone; the valid incidents of its page are published and the cursor moves on', async () => {
    const [template] = fixtureIncidents();
    const incident = (n: number, sysId: string) => ({
      ...template,
      sys_id: sysId,
      number: `INC00700${n}`,
      escalation: '3',
      sys_updated_on: `2026-06-01 09:00:0${n}`,
    });
    // A record imported by hand with a placeholder where its sys_id belongs, between two valid ones.
    const poison = incident(2, 'PLACEHOLDER');
    sim.addIncidents(incident(1, 'd'.repeat(32)), poison, incident(3, 'e'.repeat(32)));
    const published = await until((es) =>
      ['INC007001 escalation', 'INC007003 escalation'].every((k) => es.some((e) => key(e) === k)),
    );
    expect(published.map(key)).toEqual(
      expect.arrayContaining(['INC007001 escalation', 'INC007003 escalation']),
    );
    expect(published.map(key)).not.toContain('INC007002 escalation');

    const [dead, ...more] = await take(channel, rt.topology.names.dlq, 2, 3_000);
    expect(more).toEqual([]); // once, though the runner keeps polling
    expect(JSON.parse(dead.content.toString('utf8'))).toEqual(poison);
    const headers = dead.properties.headers as Record<string, unknown>;
    expect(headers).toMatchObject({
      'x-exhub-connector': CONNECTOR,
      'x-exhub-object-type': 'incident',
      'x-exhub-error-class': 'INVALID_PAYLOAD',
      'x-exhub-error-stage': 'parse',
    });
    expect(String(headers['x-exhub-error-message'])).toMatch(
      /^connector servicenow set aside the record at \/result\/\d+: \/sys_id must be a 32-hex sys_id/,
    );
    // The cursor is past the poison record: it is not read (nor dead-lettered) again.
    const cursor = JSON.parse((await rt.store.getCursor(CONNECTOR))!.cursor) as {
      watermark: string;
    };
    expect(cursor.watermark >= '2026-06-01 09:00:03').toBe(true);
    expect(runner().status.lastError).toBeUndefined();
  }, 30_000);
});
