import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import { loadEnvSettings, Secret, type ConnectorInstanceConfig } from '@exhub/config';
import { deleteTopology } from '@exhub/messaging';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
} from '../../../connectors/sap-s4/testing';
import { PollSchedulerService } from '../../../apps/hub/src/connectors/poll-scheduler.service';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { AMQP_URL, apiKeyHeader } from '../hub/hub-harness';

const sapInstance = (baseUrl: string): ConnectorInstanceConfig => ({
  id: 'sap-s4',
  type: 'sap-s4',
  enabled: true,
  settings: {
    baseUrl,
    username: SIMULATOR_USER,
    password: SIMULATOR_PASSWORD,
    startFrom: '2026-01-01',
    // Polled once at start; the test asks for the next polls.
    pollIntervalSeconds: 3600,
    pageSize: 100,
    timeoutMs: 1000,
    retries: 0,
  },
});

async function hubWith(roles: string, connectors: ConnectorInstanceConfig[]) {
  const env = loadEnvSettings({
    ...process.env,
    AMQP_URL,
    EXHUB_ROLES: roles,
    EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
    EXHUB_STORE_URL: 'sqlite::memory:',
  });
  const rt = await createRuntime(env, 'e2e', {
    logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
    connectors,
  });
  const app = await createHubApp(rt);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { rt, app };
}

async function closeHub(hub: { rt: HubRuntime; app: NestFastifyApplication } | undefined) {
  if (!hub) return;
  await hub.app.close();
  const client = await amqp.connect(AMQP_URL);
  const ch = await client.createChannel();
  await deleteTopology(ch, hub.rt.topology);
  await client.close();
}

describe('connectors API: status and poll on demand', () => {
  let sim: SapS4Simulator;
  let hub: { rt: HubRuntime; app: NestFastifyApplication };
  let viewer: Record<string, string>;
  let operator: Record<string, string>;

  const call = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>) => {
    const r = await hub.app.getHttpAdapter().getInstance().inject({ method, url, headers });
    return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, unknown> };
  };
  const until = async (ok: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await ok()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };

  beforeAll(async () => {
    sim = await SapS4Simulator.start();
    hub = await hubWith('all', [
      {
        id: 'stripe',
        type: 'stripe',
        enabled: true,
        settings: { secrets: [new Secret('whsec_x', 'test')] },
      },
      sapInstance(sim.baseUrl),
      { ...sapInstance('http://127.0.0.1:9'), id: 'sap-old', enabled: false },
    ]);
    viewer = await apiKeyHeader(hub.rt, 'viewer', 'vera');
    operator = await apiKeyHeader(hub.rt, 'operator', 'ops');
    // The scheduler's first poll (it reads every fixture invoice) has finished.
    const runner = hub.app.get(PollSchedulerService).runners.get('sap-s4')!;
    await until(async () => runner.status.lastSuccessAt !== undefined);
  });
  afterAll(async () => {
    await closeHub(hub);
    await sim?.close();
  });

  it('lists every instance with kind, readiness, breaker, last poll and cursor', async () => {
    const res = await call('GET', '/v1/connectors', viewer);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(
      (res.json.connectors as { id: string }[]).map((c) => [c.id, c]),
    );
    expect(byId.stripe).toMatchObject({
      type: 'stripe',
      kind: 'webhook',
      enabled: true,
      polledHere: false,
      check: { ok: true },
      breaker: null,
      cursor: null,
    });
    expect(byId['sap-s4']).toMatchObject({
      type: 'sap-s4',
      kind: 'poll',
      enabled: true,
      polledHere: true,
      check: { ok: true },
      breaker: 'closed',
      intervalSeconds: 3600,
      lastPollAt: expect.any(String),
      cursor: { updatedAt: expect.any(String), ageSeconds: expect.any(Number) },
      lastError: null,
    });
    expect(byId['sap-old']).toMatchObject({
      enabled: false,
      kind: 'unavailable',
      check: { ok: false, detail: expect.stringContaining('disabled') },
    });
  });

  it('polls now for an operator, audited with the caller; refuses the rest with 4xx', async () => {
    const before = sim.requests;
    const polled = await call('POST', '/v1/connectors/sap-s4/poll', operator);
    expect(polled).toEqual({
      status: 200,
      json: {
        connector: 'sap-s4',
        outcome: { status: 'polled', published: 0, pages: expect.any(Number), rejected: 0 },
      },
    });
    const after = sim.requests;
    expect(after).toBeGreaterThan(before);
    const audit = await hub.rt.store.auditTrail();
    expect(audit.at(-1)).toMatchObject({
      action: 'connector.poll',
      actor: expect.stringMatching(/^ops \(key /),
    });
    expect(JSON.parse(audit.at(-1)!.details)).toMatchObject({
      connector: 'sap-s4',
      status: 'polled',
    });

    const wrongRole = await call('POST', '/v1/connectors/sap-s4/poll', viewer);
    expect(wrongRole.status).toBe(403);
    expect(await call('POST', '/v1/connectors/sap-s4/poll', {})).toMatchObject({ status: 401 });
    const unknown = await call('POST', '/v1/connectors/nope/poll', operator);
    expect(unknown).toMatchObject({ status: 404, json: { error: 'not_found' } });
    const webhook = await call('POST', '/v1/connectors/stripe/poll', operator);
    expect(webhook).toMatchObject({ status: 409, json: { error: 'not_polled' } });
    const disabled = await call('POST', '/v1/connectors/sap-old/poll', operator);
    expect(disabled).toMatchObject({
      status: 409,
      json: { message: expect.stringContaining('disabled') },
    });
    const extra = await call('POST', '/v1/connectors/sap-s4/poll?force=1', operator);
    expect(extra).toMatchObject({ status: 400, json: { issues: [{ pointer: '/query/force' }] } });
    // None of the refused calls polled.
    expect(sim.requests).toBe(after);
  });

  it('answers 409 on a process that does not run the poller (pipeline role only)', async () => {
    const worker = await hubWith('pipeline', [sapInstance(sim.baseUrl)]);
    try {
      const key = await apiKeyHeader(worker.rt, 'operator', 'ops');
      const r = await worker.app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: 'POST', url: '/v1/connectors/sap-s4/poll', headers: key });
      expect(r.statusCode).toBe(409);
      expect(JSON.parse(r.body)).toMatchObject({
        error: 'not_polled_here',
        message: expect.stringContaining('ingress role'),
      });
    } finally {
      await closeHub(worker);
    }
  });
});
