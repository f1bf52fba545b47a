import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { Secret, loadEnvSettings } from '@exhub/config';
import { deleteTopology } from '@exhub/messaging';
import { createLogger } from '@exhub/observability';
import { stripeHeaders, subscribe, take } from '../hub/hub-harness';

const ROOT = join(__dirname, '../../..');
const dispute = readFileSync(join(ROOT, 'connectors/stripe/fixtures/charge.dispute.created.json'));
const SECRET = `whsec_${randomBytes(16).toString('hex')}`;
const BROKER = new URL(process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672');
/** The test broker's credentials; whatever they are, they must not be printed. */
const AMQP_USER_INFO = `${BROKER.username}:${BROKER.password}@`;

type Line = Record<string, unknown> & { msg: string };

/** Every byte the hub's logger writes, kept as parsed JSON lines. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
  lines(): Line[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  }
}

/** How long a flow's last line may follow the moment the test has the flow's message. */
const LOG_WAIT_MS = 5_000;

/**
 * The lines of one flow, once one matches `last`: the hub logs a publish after the broker
 * confirmed it, and a dead letter after it was routed, so the test's consumer can hold the
 * message before the line is written. Returns what there is after LOG_WAIT_MS.
 */
async function flowLines(capture: Capture, correlationId: unknown, last: RegExp): Promise<Line[]> {
  const deadline = Date.now() + LOG_WAIT_MS;
  for (;;) {
    const flow = capture.lines().filter((l) => l.correlationId === correlationId);
    if (flow.some((l) => last.test(l.msg)) || Date.now() > deadline) return flow;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('logs: one flow is traceable by its ids, and no secret is ever printed', () => {
  const capture = new Capture();
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;

  const post = async (body: Buffer, headers: Record<string, string>) => {
    const r = await app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/v1/ingest/stripe', payload: body, headers });
    return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, string> };
  };

  beforeAll(async () => {
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL: BROKER.href,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      STRIPE_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'trace',
      // One store per hub under test: webhook ids from other runs must not leak in.
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    const logger = createLogger('trace', {}, capture);
    rt = await createRuntime(env, 'e2e', {
      logger,
      connectors: [
        {
          id: 'stripe',
          type: 'stripe',
          enabled: true,
          settings: {
            secrets: [new Secret(SECRET, 'env STRIPE_WEBHOOK_SECRET')],
            toleranceSeconds: 300,
          },
        },
      ],
    });
    app = await createHubApp(rt);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    client = await amqp.connect(BROKER.href);
    channel = await client.createChannel();
  });
  afterAll(async () => {
    await app?.close();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, rt.topology);
      await client.close();
    }
  });

  it('puts correlationId, connector and eventId on every line of an accepted flow, exceptionId once known', async () => {
    const finance = await subscribe(channel, rt.topology.names.exceptions, 'finance.#');
    const res = await post(dispute, stripeHeaders(dispute, undefined, SECRET));
    expect(res.status).toBe(202);
    const [msg] = await take(channel, finance, 1);
    const exception = JSON.parse(msg.content.toString('utf8')) as { id: string };

    const flow = await flowLines(capture, res.json.correlationId, /^exception published/);
    expect(flow.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^webhook accepted/),
      expect.stringMatching(/^exception published/),
    ]);
    for (const line of flow) {
      expect(line).toMatchObject({
        connector: 'stripe',
        eventId: res.json.eventId,
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
    expect(flow[0].traceId).toBe(flow[1].traceId);
    expect(flow[1].exceptionId).toBe(exception.id);
  });

  it('logs a failing flow with its ids, stage, error class and outcome', async () => {
    const event = JSON.parse(dispute.toString('utf8'));
    event.id = 'evt_exhub_logs_invalid';
    event.data.object.id = 'du_exhub_logs_invalid';
    event.data.object.currency = 'usdollars';
    const body = Buffer.from(JSON.stringify(event));
    const res = await post(body, stripeHeaders(body, undefined, SECRET));
    expect(res.status).toBe(202);
    expect(await take(channel, rt.topology.names.dlq, 1)).toHaveLength(1);
    const failed = (await flowLines(capture, res.json.correlationId, /^source event failed$/)).find(
      (l) => l.msg === 'source event failed',
    );
    expect(failed).toMatchObject({
      connector: 'stripe',
      eventId: res.json.eventId,
      errorClass: 'INVALID_PAYLOAD',
      outcome: 'dead-letter',
    });
  });

  it('writes one info line per accepted webhook, the ingress line; its access line is at debug', async () => {
    const event = JSON.parse(dispute.toString('utf8'));
    event.id = 'evt_exhub_logs_one_line';
    event.data.object.id = 'du_exhub_logs_one_line';
    const body = Buffer.from(JSON.stringify(event));
    const before = capture.lines().length;
    const res = await post(body, stripeHeaders(body, undefined, SECRET));
    expect(res.status).toBe(202);
    const lines = capture.lines().slice(before);
    const access = lines.filter(
      (l) => l.component === 'http' && l.statusCode === 202 && l.path === '/v1/ingest/stripe',
    );
    expect(access).toHaveLength(1);
    expect(access[0].level).toBe('debug');
    const info = lines.filter(
      (l) => l.level === 'info' && l.correlationId === res.json.correlationId,
    );
    expect(info.map((l) => l.msg)).toContain(
      'webhook accepted: source event confirmed by the broker',
    );
    expect(lines.filter((l) => l.level === 'info' && l.component === 'http')).toEqual([]);
  });

  it('writes one access line per request, rejected signatures included', async () => {
    const res = await post(dispute, stripeHeaders(dispute, undefined, 'whsec_not_the_secret'));
    expect(res.status).toBe(401);
    const access = capture
      .lines()
      .filter(
        (l) => l.component === 'http' && l.statusCode === 401 && l.path === '/v1/ingest/stripe',
      );
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'POST', connector: 'stripe' });
  });

  it('never prints the webhook secret, a signature or the broker credentials', async () => {
    // Logged on purpose, as careless code would: the secret wrapper, settings, URLs, headers.
    const headers = stripeHeaders(dispute, undefined, SECRET);
    rt.logger.info({ settings: rt.config.connectors[0]?.settings, amqp: BROKER.href }, 'settings');
    rt.logger.info({ headers, req: { headers } }, `connecting to ${BROKER.href}`);
    rt.logger.error({ err: new Error(`cannot reach ${BROKER.href}`) }, 'failure');

    const text = capture.text;
    expect(capture.lines().length).toBeGreaterThan(10);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET.slice('whsec_'.length));
    expect(text).not.toContain(headers['stripe-signature']);
    expect(text).not.toMatch(/v1=[0-9a-f]{64}/);
    expect(text).not.toContain(AMQP_USER_INFO);
    expect(text).toContain('[redacted]');
  });
});
