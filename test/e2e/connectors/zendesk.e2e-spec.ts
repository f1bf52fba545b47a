import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { validateCanonicalException } from '@exhub/canonical';
import { Secret, loadEnvSettings } from '@exhub/config';
import { declareTopology, deleteTopology } from '@exhub/messaging';
import {
  SIMULATOR_API_TOKEN,
  SIMULATOR_EMAIL,
  ZendeskSimulator,
  fixtureWebhookBody,
  signedWebhook,
} from '../../../connectors/zendesk/testing';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';

/**
 * Zendesk both ways through the in-process hub and a real broker: a signed webhook
 * (POST /v1/ingest/zendesk) and the incremental export polled from the simulator, each → exhub.ingress
 * → pipeline → mappings/zendesk → exhub.exceptions; the same ticket either way is one exception.
 */
const SECRET = randomBytes(32).toString('base64');
const PREVIOUS = randomBytes(32).toString('base64');
type Exception = Record<string, unknown> & {
  id: string;
  type: string;
  version: number;
  source: Record<string, string>;
};

describe('zendesk: signed webhook and incremental export → RabbitMQ → exhub.exceptions', () => {
  let sim: ZendeskSimulator;
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  let cursorDir: string;
  /** Exceptions taken so far, in arrival order (the export and the webhook share the queue). */
  const seen: Exception[] = [];

  const post = async (body: Buffer, headers: Record<string, string>) => {
    const r = await app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/v1/ingest/zendesk', payload: body, headers });
    return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, unknown> };
  };
  /** Waits until an exception matching `pred` arrived (or the timeout). */
  const waitFor = async (pred: (e: Exception) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = seen.find(pred);
      if (hit) return hit;
      for (const m of await take(channel, queue, 1, 200)) {
        seen.push(JSON.parse(m.content.toString('utf8')) as Exception);
      }
    }
    return seen.find(pred);
  };

  beforeAll(async () => {
    sim = await ZendeskSimulator.start();
    cursorDir = mkdtempSync(join(tmpdir(), 'exhub-zendesk-cursors-'));
    process.env.EXHUB_CURSOR_FILE = join(cursorDir, 'cursors.json');
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: 'zendesk',
          type: 'zendesk',
          enabled: true,
          settings: {
            secrets: [new Secret(SECRET, 'test'), new Secret(PREVIOUS, 'test')],
            toleranceSeconds: 300,
          },
        },
        {
          id: 'zendesk-export',
          type: 'zendesk-export',
          enabled: true,
          settings: {
            instanceUrl: sim.instanceUrl,
            auth: 'token',
            email: SIMULATOR_EMAIL,
            apiToken: new Secret(SIMULATOR_API_TOKEN, 'test'),
            startFrom: '2026-01-01',
            pollIntervalSeconds: 1,
            pageSize: 2,
            timeoutMs: 1000,
            retries: 1,
            retryBaseDelayMs: 20,
          },
        },
      ],
    });
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    // Declared before the hub starts polling, so no exception is published before we listen.
    await declareTopology(channel, rt.topology);
    queue = await subscribe(channel, rt.topology.names.exceptions, '#');
    app = await createHubApp(rt);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, rt.topology);
      await ch.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    await sim?.close();
    delete process.env.EXHUB_CURSOR_FILE;
    rmSync(cursorDir, { recursive: true, force: true });
  });

  it('polls the incremental export: one valid exception per problem the tickets show', async () => {
    const byType = async (type: string) =>
      waitFor((e) => e.source.connector === 'zendesk-export' && e.type === type);
    const risk = await byType('sla_breach_risk');
    const escalation = await byType('escalation');
    const billing = await byType('billing_dispute');
    for (const e of [risk, escalation, billing]) {
      expect(e).toBeDefined();
      expect(validateCanonicalException(e).ok).toBe(true);
      expect(e!.source).toMatchObject({ system: 'zendesk', objectType: 'ticket' });
    }
    expect(risk).toMatchObject({
      domain: 'support',
      source: { objectId: '35436', url: 'https://acme.zendesk.com/agent/tickets/35436' },
      dueAt: '2026-03-02T20:14:07Z',
      parties: [
        { role: 'account', id: '361234' },
        { role: 'requester', id: '9873843' },
      ],
    });
    expect(billing).toMatchObject({
      domain: 'finance',
      process: 'billing',
      references: { ticket: '35438', invoice: 'INV-2026-00417' },
    });
    // The solved ticket raises nothing; each export ticket is published once.
    await waitFor(() => false, 1500);
    expect(seen.filter((e) => e.source.connector === 'zendesk-export')).toHaveLength(3);
    expect(sim.log[0]).toContain('/api/v2/incremental/tickets/cursor.json?start_time=');
  });

  it('turns a signed webhook into a valid canonical exception, and the same ticket into the same exception', async () => {
    const real = JSON.parse(fixtureWebhookBody().toString('utf8')) as Record<string, unknown>;
    const urgent = Buffer.from(JSON.stringify({ ...real, ticket_priority: 'Urgent' }));
    const accepted = await post(urgent, signedWebhook(urgent, SECRET));
    expect(accepted.status).toBe(202);
    expect(accepted.json).toMatchObject({ eventId: expect.any(String) });
    const e = await waitFor((x) => x.source.connector === 'zendesk' && x.source.objectId === '7');
    expect(e).toMatchObject({
      domain: 'support',
      type: 'escalation',
      title: 'Urgent ticket: #7 — Hello world',
      source: { system: 'zendesk', objectType: 'ticket', url: real.link },
    });
    expect(validateCanonicalException(e).ok).toBe(true);

    // Ticket 35438 again, now from a trigger signed with the previous secret (rotation): the
    // exception the export produced, one version later.
    const fromExport = seen.find(
      (x) => x.source.connector === 'zendesk-export' && x.type === 'billing_dispute',
    )!;
    const billing = Buffer.from(
      JSON.stringify({
        ticket_id: '35438',
        ticket_title: 'Charged twice for the March invoice',
        ticket_status: 'Open',
        ticket_priority: 'Normal',
        tags: 'billing double_charge',
        updated_at: 'March 4, 2026',
        updated_at_with_timestamp: '2026-03-04T12:05:41Z',
        organization_id: '361236',
        invoice_number: 'INV-2026-00417',
      }),
    );
    expect((await post(billing, signedWebhook(billing, PREVIOUS))).status).toBe(202);
    const again = await waitFor(
      (x) => x.source.connector === 'zendesk' && x.type === 'billing_dispute',
    );
    expect(again?.id).toBe(fromExport.id);
    expect(again?.version).toBeGreaterThan(fromExport.version);
  });

  it('refuses a bad signature with 401 and a body that says what is wrong', async () => {
    const body = fixtureWebhookBody();
    const forged = signedWebhook(body, randomBytes(32).toString('base64'));
    const bad = await post(body, forged);
    expect(bad.status).toBe(401);
    expect(JSON.stringify(bad.json)).toMatch(
      /X-Zendesk-Webhook-Signature signature does not match the raw body under the 2 configured signing secret/,
    );
    const unsigned = await post(body, { 'content-type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect(JSON.stringify(unsigned.json)).toMatch(/has no X-Zendesk-Webhook-Signature header/);
    const stale = await post(body, signedWebhook(body, SECRET, new Date(Date.now() - 3_600_000)));
    expect(stale.status).toBe(401);
    expect(JSON.stringify(stale.json)).toMatch(/Timestamp is 3\d{3} s old; tolerance is 300 s/);
    expect(JSON.stringify([bad, unsigned, stale])).not.toContain(SECRET);
  });
});
