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
  SalesforceSimulator,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
} from '../../../connectors/salesforce/testing';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';
import { pollWhenIdle } from '../../support/poll-when-idle';

const CONNECTOR = 'salesforce';
/** The parts of a published exception these tests read. */
type Published = Record<string, unknown> & {
  type: string;
  references: { case?: string };
  parties?: unknown[];
  signals?: Record<string, unknown>;
};
const BREAKER_RESET_SECONDS = 0.5;
const ENDPOINT = 'query Case';
// The Account lookup as enrichment context (a Zendesk ticket scored with what Salesforce holds for
// its organization) runs end to end in test/e2e/context/cross-system.e2e-spec.ts.

describe('salesforce: simulator → jsforce poll runner → RabbitMQ → pipeline → exhub.exceptions', () => {
  let sim: SalesforceSimulator;
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;

  const get = async (url: string) => {
    const r = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.body };
  };
  const runner = () => app.get(PollSchedulerService).runners.get(CONNECTOR)!;
  const bodies = (msgs: amqp.GetMessage[]) =>
    msgs.map((m) => JSON.parse(m.content.toString('utf8')) as Published);

  beforeAll(async () => {
    // Two cases per query page: the runner follows nextRecordsUrl page by page.
    sim = await SalesforceSimulator.start({ pageSize: 2 });
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_STORE_URL: 'sqlite::memory:',
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: CONNECTOR,
          type: 'salesforce',
          enabled: true,
          settings: {
            loginUrl: sim.url,
            clientId: SIMULATOR_CLIENT_ID,
            clientSecret: SIMULATOR_CLIENT_SECRET,
            startFrom: '2026-01-01',
            pollIntervalSeconds: 1,
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
  });

  it('publishes one valid canonical exception per problem the escalated, late and high-priority cases show', async () => {
    const exceptions = bodies(await take(channel, queue, 4, 15_000));
    expect(exceptions.map((e) => `${e.references.case} ${e.type}`).sort()).toEqual([
      '00001029 escalation',
      '00001030 sla_breach_risk',
      '00001031 sla_breach_risk',
      '00001033 escalation',
    ]);
    for (const e of exceptions) {
      expect(validateCanonicalException(e).ok).toBe(true);
      expect(e.source).toMatchObject({
        system: 'salesforce',
        connector: CONNECTOR,
        objectType: 'Case',
      });
    }
    // The ebikes case: a strategic account renewing in 30 days, from the Case's Account relationship.
    const strategic = exceptions.find((e) => e.references.case === '00001029')!;
    expect(strategic.parties).toEqual([
      {
        role: 'customer',
        id: String(sim.accountByName('Granite Peak Outfitters').Id),
        name: 'Granite Peak Outfitters',
        tier: 'strategic',
      },
    ]);
    expect(strategic.signals).toMatchObject({ renewalDate: '2026-12-22', priorityLabel: 'High' });
    // The cursor is checkpointed in the store, after the confirms: the keyset position of the last case read.
    const saved = await rt.store.getCursor(CONNECTOR);
    const cursor = JSON.parse(saved!.cursor) as Record<string, unknown>;
    expect(cursor).toMatchObject({ v: 1, watermark: '2026-11-20T09:04:00.000+0000' });
    expect(cursor.next).toBeUndefined();
    expect(await take(channel, queue, 1, 1500)).toHaveLength(0); // nothing re-emitted
    // Two pages of the same query: the second through its nextRecordsUrl.
    expect(sim.log.some((l) => /\/query\/01g\w+-2$/.test(l))).toBe(true);
    expect(app.get<ConnectorRegistry>(CONNECTORS).get(CONNECTOR)?.kind).toBe('poll');
    const ready = JSON.parse((await get('/health/ready')).body);
    expect(ready.checks['connector:salesforce']).toMatchObject({
      ok: true,
      detail: expect.stringContaining('breaker closed'),
    });
  });

  it('opens the breaker when Salesforce is unreachable (metric, readiness), closes it when it is back, and loses nothing', async () => {
    await sim.stop();
    const deadline = Date.now() + 15_000;
    while (rt.connectors.get(CONNECTOR)!.check?.().ok !== false && Date.now() < deadline) {
      await runner()
        .pollNow()
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
    const metrics = (await get('/metrics')).body;
    expect(metrics).toContain(
      `exhub_breaker_state{connector="salesforce",endpoint="${ENDPOINT}",state="open"} 1`,
    );
    expect(metrics).toContain(
      `exhub_breaker_transitions_total{connector="salesforce",endpoint="${ENDPOINT}",from="closed",to="open"} 1`,
    );
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'degraded',
      checks: { 'connector:salesforce': { ok: false, detail: expect.stringMatching(/open/) } },
    });
    expect(await pollWhenIdle(runner)).toEqual({ status: 'paused_breaker' });

    // While the hub cannot reach Salesforce, a quiet case is raised to High there.
    sim.updateCase('00001032', { Priority: 'High' });
    await sim.start();
    const [late] = bodies(await take(channel, queue, 1, 15_000));
    expect(late).toMatchObject({
      type: 'sla_breach_risk',
      references: { case: '00001032' },
      signals: { reasonCode: 'high_priority' },
    });
    expect(validateCanonicalException(late).ok).toBe(true);
    const after = (await get('/metrics')).body;
    expect(after).toContain(
      `exhub_breaker_state{connector="salesforce",endpoint="${ENDPOINT}",state="closed"} 1`,
    );
    expect(after).toContain(
      `exhub_breaker_transitions_total{connector="salesforce",endpoint="${ENDPOINT}",from="half_open",to="closed"} 1`,
    );
    const back = await get('/health/ready');
    expect(JSON.parse(back.body).checks['connector:salesforce']).toMatchObject({ ok: true });
  }, 40_000);
});
