import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCanonicalException, type CanonicalException } from '@exhub/canonical';
import { startHub, stripeHeaders, subscribe, take, type Harness } from './hub-harness';

const fixture = (name: string) =>
  readFileSync(join(__dirname, '../../../connectors/stripe/fixtures', name));
const dispute = fixture('charge.dispute.created.json');
const QUIET_MS = 1500;

describe('Stripe webhook → RabbitMQ → canonical exception (real broker)', () => {
  let hub: Harness;
  let finance: string;
  let ingressTap: string;

  beforeAll(async () => {
    hub = await startHub();
    finance = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    // Everything published to the ingress exchange, to prove rejected requests publish nothing.
    ingressTap = await subscribe(hub.channel, hub.rt.topology.names.ingress, '');
  });
  afterAll(async () => hub?.close());

  async function ingressCount(): Promise<number> {
    return (await hub.channel.checkQueue(ingressTap)).messageCount;
  }

  it('publishes exactly one valid canonical exception for the real charge.dispute.created event', async () => {
    const res = await hub.post('/v1/ingest/stripe', dispute, stripeHeaders(dispute));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ eventId: expect.any(String), correlationId: expect.any(String) });

    const [msg] = await take(hub.channel, finance, 1);
    expect(msg).toBeDefined();
    const exception = JSON.parse(msg.content.toString('utf8')) as CanonicalException;
    const valid = validateCanonicalException(exception);
    expect(valid).toEqual({ ok: true, value: exception });

    expect(exception.type).toBe('chargeback_dispute');
    expect(exception.domain).toBe('finance');
    expect(exception.correlationId).toBe(res.json.correlationId);
    expect(exception.causationId).toBe(res.json.eventId);
    expect(exception.source).toMatchObject({
      system: 'stripe',
      connector: 'stripe',
      objectId: 'du_1TbG46JEe0yY0QKr8P0G3pa3',
      eventId: 'evt_1TbG48JEe0yY0QKrrgcor0DZ',
    });
    expect(exception.amount).toEqual({ value: '22.00', currency: 'USD' });
    expect(exception.lineage.mapping.id).toMatch(/^stripe\./);

    expect(msg.fields.routingKey).toBe(`finance.chargeback_dispute.${exception.priority.tier}`);
    expect(msg.properties.messageId).toBe(`${exception.id}:${exception.version}`);
    expect(msg.properties.correlationId).toBe(res.json.correlationId);
    expect(msg.properties.contentType).toBe('application/json');
    expect(msg.properties.type).toBe('exception.v1');
    expect(msg.properties.headers).toMatchObject({
      'x-exhub-domain': 'finance',
      'x-exhub-type': 'chargeback_dispute',
      'x-exhub-tier': exception.priority.tier,
      'x-exhub-score': String(exception.priority.score),
    });
    expect(msg.properties.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // Factors explain the score exactly.
    const sum = exception.priority.factors.reduce((s, f) => s + Math.round(f.points * 100), 0);
    expect(sum).toBe(Math.round(exception.priority.score * 100));

    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect((await hub.channel.checkQueue(finance)).messageCount).toBe(0);
  });

  it('answers a redelivery of the same event with the first acceptance and publishes nothing new', async () => {
    const first = await hub.post('/v1/ingest/stripe', dispute, stripeHeaders(dispute));
    expect(first.status).toBe(202);
    expect(first.json.duplicate).toBe(true); // accepted by the previous test already
    const before = await ingressCount();
    const again = await hub.post('/v1/ingest/stripe', dispute, stripeHeaders(dispute));
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ ...first.json });
    expect(await ingressCount()).toBe(before);
  });

  it('gives the same exception id to another event about the same dispute', async () => {
    const event = JSON.parse(dispute.toString('utf8'));
    const a = Buffer.from(JSON.stringify({ ...event, id: 'evt_exhub_same_dispute_a' }));
    const b = Buffer.from(JSON.stringify({ ...event, id: 'evt_exhub_same_dispute_b' }));
    expect((await hub.post('/v1/ingest/stripe', a, stripeHeaders(a))).status).toBe(202);
    expect((await hub.post('/v1/ingest/stripe', b, stripeHeaders(b))).status).toBe(202);
    const got = await take(hub.channel, finance, 2);
    expect(got).toHaveLength(2);
    const [x, y] = got.map((m) => JSON.parse(m.content.toString('utf8')) as CanonicalException);
    expect(x.id).toBe(y.id);
    expect(got[0].properties.messageId).toBe(got[1].properties.messageId);
    expect(x.source.eventId).not.toBe(y.source.eventId);
  });

  describe('refuses bad requests with a status and a JSON error, publishing nothing', () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [
      string,
      () => [string, Buffer | string, Record<string, string>],
      number,
      string,
    ][] = [
      [
        'a wrong signature',
        () => ['/v1/ingest/stripe', dispute, stripeHeaders(dispute, now, 'whsec_wrong')],
        401,
        'signature_mismatch',
      ],
      [
        'a stale timestamp',
        () => ['/v1/ingest/stripe', dispute, stripeHeaders(dispute, now - 301)],
        401,
        'stale_timestamp',
      ],
      [
        'no signature',
        () => ['/v1/ingest/stripe', dispute, { 'content-type': 'application/json' }],
        401,
        'missing_signature',
      ],
      [
        'malformed JSON (correctly signed)',
        () => {
          const b = Buffer.from('{"id": "evt_1", ');
          return ['/v1/ingest/stripe', b, stripeHeaders(b)];
        },
        400,
        'malformed',
      ],
      [
        'a body over the limit',
        () => {
          const b = Buffer.alloc(2 * 1024 * 1024, 0x20);
          return ['/v1/ingest/stripe', b, stripeHeaders(b)];
        },
        413,
        'payload_too_large',
      ],
      [
        'a wrong content type',
        () => [
          '/v1/ingest/stripe',
          dispute,
          { ...stripeHeaders(dispute), 'content-type': 'text/plain' },
        ],
        415,
        'unsupported_media_type',
      ],
      [
        'an unknown connector',
        () => ['/v1/ingest/nosuch', dispute, stripeHeaders(dispute)],
        404,
        'unknown_connector',
      ],
    ];

    it.each(cases)('%s', async (_name, make, status, reason) => {
      const before = await ingressCount();
      const [path, body, headers] = make();
      const res = await hub.post(path, body, headers);
      expect(res.status).toBe(status);
      expect(res.json).toMatchObject({
        statusCode: status,
        error: reason,
        message: expect.any(String),
      });
      expect((res.json.message as string).length).toBeGreaterThan(15);
      expect(await ingressCount()).toBe(before);
    });

    it('names the JSON pointer of what is missing from a Stripe event', async () => {
      const b = Buffer.from(JSON.stringify({ id: 'evt_1', object: 'event', data: { object: {} } }));
      const res = await hub.post('/v1/ingest/stripe', b, stripeHeaders(b));
      expect(res.status).toBe(400);
      expect(res.json.issues).toEqual(
        expect.arrayContaining([expect.objectContaining({ pointer: '/type' })]),
      );
    });
  });

  it('dead-letters a payload that maps to an invalid exception, with the error headers and the payload untouched', async () => {
    const event = JSON.parse(dispute.toString('utf8'));
    event.id = 'evt_exhub_invalid_currency';
    event.data.object.id = 'du_exhub_invalid_currency';
    event.data.object.currency = 'usdollars';
    const body = Buffer.from(JSON.stringify(event, null, 1));
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(202);
    const [dead] = await take(hub.channel, hub.rt.topology.names.dlq, 1);
    expect(dead).toBeDefined();
    expect(dead.content.equals(body)).toBe(true);
    const h = dead.properties.headers ?? {};
    expect(h['x-exhub-error-stage']).toMatch(/^(map|validate)$/);
    expect(h['x-exhub-error-class']).toBe('INVALID_PAYLOAD');
    expect(String(h['x-exhub-error-message'])).toMatch(/currency/);
    expect(h['x-exhub-attempts']).toBeGreaterThanOrEqual(1);
    expect(h['x-exhub-first-failed-at']).toBeDefined();
    expect(dead.properties.correlationId).toBe(res.json.correlationId);
  });

  it("serves /metrics that promtool accepts, with the hub's counters", async () => {
    const res = await hub.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^exhub_events_received_total\{connector="stripe"\} [1-9]/m);
    expect(res.body).toMatch(
      /^exhub_exceptions_published_total\{domain="finance",tier="p[1-4]"\} [1-9]/m,
    );
    expect(res.body).toMatch(
      /^exhub_webhook_rejections_total\{connector="stripe",reason="signature_mismatch"\} 1/m,
    );
    expect(res.body).toMatch(/^exhub_stage_duration_seconds_bucket\{le="0\.005",stage="map"\}/m);
    expect(res.body).toMatch(/^exhub_process_resident_memory_bytes /m);
    // promtool check metrics exits non-zero on any problem and prints it.
    const out = execFileSync('promtool', ['check', 'metrics'], {
      input: res.body,
      encoding: 'utf8',
    });
    expect(out).toBe('');
  });

  it('reports readiness with every check named', async () => {
    const res = await hub.get('/health/ready');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks)).toEqual(
      expect.arrayContaining(['broker', 'topology', 'mappings', 'policy', 'connector:stripe']),
    );
    expect((await hub.get('/health/live')).status).toBe(200);
  });

  // Last: it takes the hub's broker connection away.
  it('answers 503 with Retry-After when the broker cannot confirm, and readiness names the broker', async () => {
    await hub.rt.connection.close();
    const event = JSON.parse(dispute.toString('utf8'));
    const body = Buffer.from(JSON.stringify({ ...event, id: 'evt_exhub_broker_down' }));
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json).toMatchObject({
      statusCode: 503,
      error: 'broker_unavailable',
      message: expect.stringMatching(/not accepted/),
    });

    const ready = await hub.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).checks.broker).toEqual({
      ok: false,
      detail: expect.stringMatching(/cannot confirm/),
    });

    // A retry by the sender after the outage is not mistaken for a duplicate.
    expect(
      (await hub.post('/v1/ingest/stripe', body, stripeHeaders(body))).json.duplicate,
    ).toBeUndefined();
  });
});
