import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startHub, stripeHeaders, subscribe, type Harness } from './hub-harness';

const dispute = readFileSync(
  join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
);
/** The fixture with its top-level fields replaced, serialized again. */
const withFields = (fields: Record<string, unknown>): Buffer =>
  Buffer.from(JSON.stringify({ ...(JSON.parse(dispute.toString('utf8')) as object), ...fields }));

const REQUEST_TIMEOUT_S = 2;
const HEADERS_TIMEOUT_S = 1;
/** A 408 must come within the limit plus Node's 1 s check interval (and some slack). */
const LATEST_408_MS = (REQUEST_TIMEOUT_S + 2) * 1000;

/** Sends `chunks` on a raw socket, then waits until the server answers and closes (or the cap). */
function rawRequest(
  port: number,
  head: string,
  body: string,
): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (body) socket.write(body);
    });
    let data = '';
    socket.on('data', (d) => (data += d.toString('utf8')));
    const cap = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${LATEST_408_MS * 3} ms`));
    }, LATEST_408_MS * 3);
    socket.on('close', () => {
      clearTimeout(cap);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.split('\r\n\r\n')[1] ?? '', ms: Date.now() - started });
    });
    socket.on('error', () => undefined);
  });
}

describe('hostile input at ingress: 4xx naming the problem, nothing published, still serving', () => {
  let hub: Harness;
  let ingressTap: string;
  let port: number;

  beforeAll(async () => {
    process.env.EXHUB_HTTP_REQUEST_TIMEOUT_SECONDS = String(REQUEST_TIMEOUT_S);
    process.env.EXHUB_HTTP_HEADERS_TIMEOUT_SECONDS = String(HEADERS_TIMEOUT_S);
    hub = await startHub();
    ingressTap = await subscribe(hub.channel, hub.rt.topology.names.ingress, '');
    await hub.app.listen(0, '127.0.0.1');
    port = (hub.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => hub?.close());

  async function published(): Promise<number> {
    return (await hub.channel.checkQueue(ingressTap)).messageCount;
  }

  afterEach(async () => {
    // Nothing reached the ingress exchange, and the hub still takes a good event.
    expect(await published()).toBe(0);
    const id = `evt_good_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const good = withFields({ id });
    const res = await hub.post('/v1/ingest/stripe', good, stripeHeaders(good));
    expect(res.status).toBe(202);
    await hub.channel.purgeQueue(ingressTap);
  });

  it('answers a validly signed event with a 100,000-character id 400 naming the field', async () => {
    const body = withFields({ id: `evt_${'x'.repeat(100_000)}` });
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('malformed');
    expect(res.json.message).toMatch(/sourceEventId is 100004 characters long .*at most 256/);
    expect(res.json.issues).toEqual([
      { pointer: '/sourceEventId', rule: 'maxLength', message: expect.any(String) },
    ]);
  });

  it('answers an event id holding a control character 400 naming the field', async () => {
    const body = withFields({ id: 'evt_a\u0000b' });
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([
      { pointer: '/sourceEventId', rule: 'pattern', message: expect.stringMatching(/control/) },
    ]);
  });

  it('refuses a validly signed body that is not UTF-8, naming the byte offset', async () => {
    // Two ids that differ only in an invalid byte would both decode to "evt_\uFFFD…" and dedupe.
    const text = withFields({ id: 'evt_PLACEHOLDER' });
    const at = text.indexOf('PLACEHOLDER');
    const body = Buffer.concat([text.subarray(0, at), Buffer.from([0xff]), text.subarray(at + 11)]);
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_utf8');
    expect(res.json.message).toContain(`byte offset ${at} (0xff)`);
  });

  it('refuses a charset other than UTF-8 with 415', async () => {
    const body = Buffer.from(dispute.toString('utf8'), 'utf16le');
    const headers = { ...stripeHeaders(body), 'content-type': 'application/json; charset=utf-16' };
    const res = await hub.post('/v1/ingest/stripe', body, headers);
    expect(res.status).toBe(415);
    expect(res.json.error).toBe('unsupported_charset');
    expect(res.json.message).toMatch(/charset "utf-16" is not supported/);
  });

  it('answers a body that stalls after 6 of 100 declared bytes 408 within the request timeout', async () => {
    const res = await rawRequest(
      port,
      'POST /v1/ingest/stripe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
      '{"id":',
    );
    expect(res.status).toBe(408);
    expect(res.ms).toBeLessThan(LATEST_408_MS);
    expect(JSON.parse(res.body)).toMatchObject({
      statusCode: 408,
      error: 'request_timeout',
      message: expect.stringContaining('EXHUB_HTTP_REQUEST_TIMEOUT_SECONDS'),
    });
  });

  it('answers partial headers 408 within the header timeout', async () => {
    const res = await rawRequest(port, 'POST /v1/ingest/stripe HTTP/1.1\r\nHost: x\r\n', '');
    expect(res.status).toBe(408);
    expect(res.ms).toBeLessThan(LATEST_408_MS);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'request_timeout' });
  });
});
