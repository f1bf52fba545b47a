import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiKeyHeader, startHub, stripeHeaders, type Harness } from '../hub/hub-harness';

const dispute = readFileSync(
  join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
  'utf8',
);
/** A distinct, correctly signed Stripe event each call. */
const event = () => Buffer.from(dispute.replace(/"evt_[A-Za-z0-9]+"/, `"evt_${randomUUID()}"`));

type Inject = {
  method: 'GET' | 'POST' | 'OPTIONS';
  url: string;
  headers?: Record<string, string>;
  payload?: Buffer | string;
  remoteAddress?: string;
};
const send = (hub: Harness, o: Inject) => hub.app.getHttpAdapter().getInstance().inject(o);

describe('ingress rate limit, secure headers, CORS off by default', () => {
  let hub: Harness;

  beforeAll(async () => {
    hub = await startHub({ EXHUB_INGRESS_RATE_LIMIT: '3', EXHUB_INGRESS_RATE_WINDOW: '1m' });
  });
  afterAll(async () => hub?.close());

  it('answers 429 with Retry-After and a JSON error past the limit, per connector and client IP', async () => {
    const post = (remoteAddress: string, connector = 'stripe') => {
      const body = event();
      return send(hub, {
        method: 'POST',
        url: `/v1/ingest/${connector}`,
        payload: body,
        headers: stripeHeaders(body),
        remoteAddress,
      });
    };
    for (let i = 0; i < 3; i++) expect((await post('10.0.0.1')).statusCode).toBe(202);
    const limited = await post('10.0.0.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(limited.body)).toEqual({
      statusCode: 429,
      error: 'rate_limited',
      message: expect.stringMatching(
        /more than 3 requests per 60 s to connector "stripe" from 10\.0\.0\.1/,
      ),
    });
    // Another client, and the same client on another connector, have their own budgets.
    expect((await post('10.0.0.2')).statusCode).toBe(202);
    expect((await post('10.0.0.1', 'iso20022')).statusCode).toBe(404);
    // The admin API is not rate limited (it is behind keys).
    for (let i = 0; i < 5; i++) {
      const r = await send(hub, {
        method: 'GET',
        url: '/v1/exceptions',
        remoteAddress: '10.0.0.1',
      });
      expect(r.statusCode).toBe(401);
    }
    const metrics = await hub.get('/metrics');
    expect(metrics.body).toMatch(
      /exhub_webhook_rejections_total\{[^}]*reason="rate_limited"[^}]*\} 1/,
    );
  });

  it('sends secure headers on API answers', async () => {
    const r = await send(hub, { method: 'GET', url: '/health/live' });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['content-security-policy']).toContain("object-src 'none'");
  });

  it('does not answer CORS when no origins are configured', async () => {
    const key = await apiKeyHeader(hub.rt, 'viewer');
    const preflight = await send(hub, {
      method: 'OPTIONS',
      url: '/v1/exceptions',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const get = await send(hub, {
      method: 'GET',
      url: '/v1/exceptions',
      headers: { ...key, origin: 'https://evil.example' },
    });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS for the origins in EXHUB_CORS_ORIGINS', () => {
  let hub: Harness;

  beforeAll(async () => {
    hub = await startHub({ EXHUB_CORS_ORIGINS: 'https://ops.example.com' });
  });
  afterAll(async () => hub?.close());

  it('allows the configured origin and no other', async () => {
    const preflight = (origin: string) =>
      send(hub, {
        method: 'OPTIONS',
        url: '/v1/exceptions',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'x-api-key',
        },
      });
    const ok = await preflight('https://ops.example.com');
    expect(ok.statusCode).toBeLessThan(300);
    expect(ok.headers['access-control-allow-origin']).toBe('https://ops.example.com');
    expect(String(ok.headers['access-control-allow-headers'])).toContain('x-api-key');
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
