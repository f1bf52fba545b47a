import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2ClientCredentials, basicAuth } from './auth';
import { ResilientHttpClient, type HttpClientOptions } from './http.client';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('ResilientHttpClient', () => {
  const servers: Server[] = [];
  const clients: ResilientHttpClient[] = [];
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.shutdown());
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  async function setup(handler: Handler, o: Partial<HttpClientOptions> = {}) {
    const { url, server } = await serve(handler);
    servers.push(server);
    const client = new ResilientHttpClient({
      connector: 'test',
      baseUrl: url,
      retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 10 },
      ...o,
    });
    clients.push(client);
    return { url, client };
  }

  it('converts statuses into the hub error classes', async () => {
    const statuses = [401, 403, 404, 422, 400];
    const { client } = await setup((req, res) => json(res, Number(req.url!.slice(1)), {}), {
      retry: { retries: 0 },
    });
    const classes = [];
    for (const s of statuses) {
      classes.push(await client.getJson(`e${s}`, `/${s}`).catch((e) => e.errorClass));
    }
    expect(classes).toEqual(['AUTH', 'AUTH', 'NOT_FOUND', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD']);
  });

  it('retries 5xx with backoff, then succeeds', async () => {
    let n = 0;
    const { client } = await setup((_req, res) =>
      ++n < 3 ? json(res, 502, {}) : json(res, 200, { ok: n }),
    );
    expect((await client.getJson('x', '/')).data).toEqual({ ok: 3 });
  });

  it('gives up after the retries with TRANSIENT, and ECONNREFUSED is TRANSIENT', async () => {
    const { client } = await setup((_req, res) => json(res, 503, {}));
    await expect(client.getJson('x', '/')).rejects.toMatchObject({ errorClass: 'TRANSIENT' });
    const refused = new ResilientHttpClient({
      connector: 't',
      baseUrl: 'http://127.0.0.1:1',
      retry: { retries: 0 },
    });
    clients.push(refused);
    await expect(refused.getJson('x', '/')).rejects.toMatchObject({
      errorClass: 'TRANSIENT',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('waits as Retry-After says on 429', async () => {
    let n = 0;
    const { client } = await setup((_req, res) =>
      ++n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, {}),
    );
    const t0 = performance.now();
    await client.getJson('x', '/');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(990);
  });

  it('rethrows a 429 whose Retry-After is longer than it may wait, with retryAfterMs', async () => {
    const { client } = await setup((_req, res) => json(res, 429, {}, { 'retry-after': '120' }));
    await expect(client.getJson('x', '/')).rejects.toMatchObject({
      errorClass: 'RATE_LIMITED',
      retryAfterMs: 120_000,
    });
  });

  it('follows a redirect to an allowed host but refuses one to another host', async () => {
    const { client } = await setup((req, res) => {
      if (req.url === '/same') return void res.writeHead(302, { location: '/target' }).end();
      if (req.url === '/away')
        return void res.writeHead(302, { location: 'http://evil.example/steal' }).end();
      json(res, 200, { at: req.url });
    });
    expect((await client.getJson('x', '/same')).data).toEqual({ at: '/target' });
    await expect(client.getJson('x', '/away')).rejects.toThrow(
      /evil\.example is not in allowedHosts/,
    );
  });

  it('refuses a base URL outside the allow-list', () => {
    expect(
      () =>
        new ResilientHttpClient({
          connector: 't',
          baseUrl: 'http://a.example',
          allowedHosts: ['b.example'],
        }),
    ).toThrow(/a\.example is not in allowedHosts/);
  });

  it('refuses a response larger than maxResponseBytes, and a body that is not JSON', async () => {
    const { client } = await setup(
      (req, res) =>
        req.url === '/big' ? json(res, 200, { x: 'y'.repeat(5000) }) : res.end('not json'),
      { maxResponseBytes: 1024 },
    );
    await expect(client.getJson('x', '/big')).rejects.toMatchObject({
      errorClass: 'INVALID_PAYLOAD',
    });
    await expect(client.getJson('x', '/text')).rejects.toMatchObject({
      errorClass: 'INVALID_PAYLOAD',
      issues: [expect.objectContaining({ rule: 'json' })],
    });
  });

  it('times out a slow answer as TRANSIENT', async () => {
    const { client } = await setup((_req, res) => setTimeout(() => json(res, 200, {}), 500), {
      timeoutMs: 100,
      retry: { retries: 0 },
    });
    await expect(client.getJson('x', '/')).rejects.toMatchObject({ errorClass: 'TRANSIENT' });
  });

  it('sends basic auth', async () => {
    const { client } = await setup(
      (req, res) => json(res, 200, { auth: req.headers.authorization }),
      {
        auth: basicAuth('user', 'pa:ss'),
      },
    );
    expect((await client.getJson('x', '/')).data).toEqual({
      auth: `Basic ${Buffer.from('user:pa:ss').toString('base64')}`,
    });
  });

  it('OAuth2 client credentials: caches the token, refreshes once after a 401', async () => {
    let issued = 0;
    let valid = '';
    const { url: tokenUrl, server } = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        expect(body).toBe('grant_type=client_credentials&scope=read');
        valid = `tok${++issued}`;
        json(res, 200, { access_token: valid, expires_in: 3600, token_type: 'Bearer' });
      });
    });
    servers.push(server);
    const auth = new OAuth2ClientCredentials({
      tokenUrl: `${tokenUrl}/token`,
      clientId: 'id',
      clientSecret: 's',
      scope: 'read',
    });
    let revoke = false;
    const { client } = await setup(
      (req, res) =>
        req.headers.authorization === `Bearer ${valid}` && !revoke
          ? json(res, 200, { ok: true })
          : json(res, 401, {}),
      { auth },
    );
    await client.getJson('x', '/');
    await client.getJson('x', '/');
    expect(auth.fetched).toBe(1);
    valid = 'rotated-by-server'; // the cached token is no longer accepted
    await client.getJson('x', '/');
    expect(auth.fetched).toBe(2);
    revoke = true; // still 401 after a refresh: AUTH, no loop
    await expect(client.getJson('x', '/')).rejects.toMatchObject({ errorClass: 'AUTH' });
    expect(auth.fetched).toBe(3);
  });
});
