import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalException } from '@exhub/canonical';
import type { ExceptionStore } from '@exhub/store';
import {
  apiKeyHeader,
  startHub,
  stripeHeaders,
  subscribe,
  take,
  type Harness,
} from '../hub/hub-harness';
import { freshDatabase } from './pg-database';

const dispute = readFileSync(
  join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
);

/** Everything an API call could change, read through the store's own interface. */
async function snapshot(store: ExceptionStore, id: string) {
  const [open, exception, history, audit, outcomes, keys, verified] = await Promise.all([
    store.worklist({ limit: 200 }),
    store.getException(id),
    store.exceptionHistory(id),
    store.auditTrail(),
    store.listOutcomes(),
    store.listApiKeys(),
    store.verifyAudit(),
  ]);
  return { open, exception, history, audit, outcomes, keys, verified };
}

type Case = {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  key?: 'viewer' | 'steward' | 'operator' | 'none' | 'bogus';
  body?: string;
  contentType?: string;
  status: number;
  error?: string;
  pointers?: string[];
};

const INJECTION = "' OR 1=1; DROP TABLE exceptions; --";
const q = encodeURIComponent;

/** Built once the exception id is known. */
const cases = (id: string): Case[] => [
  // Injection-shaped filters: refused by their rule, never reach SQL.
  {
    name: 'domain injection',
    method: 'GET',
    url: `/v1/exceptions?domain=${q(INJECTION)}`,
    status: 400,
    error: 'bad_request',
    pointers: ['/query/domain'],
  },
  {
    name: 'party injection',
    method: 'GET',
    url: `/v1/exceptions?party=${q(INJECTION)}`,
    status: 400,
    pointers: ['/query/party'],
  },
  {
    name: 'status injection',
    method: 'GET',
    url: `/v1/exceptions?status=${q("open' --")}`,
    status: 400,
    pointers: ['/query/status'],
  },
  {
    name: 'cursor tampering',
    method: 'GET',
    url: `/v1/exceptions?cursor=${q('{"score":1e999}')}`,
    status: 400,
    pointers: ['/query/cursor'],
  },
  {
    // A well-formed cursor whose id holds NUL: PostgreSQL text cannot, and answered 500.
    name: 'cursor with NUL in its id',
    method: 'GET',
    url: `/v1/exceptions?cursor=${Buffer.from(JSON.stringify([1, 'a\u0000b'])).toString('base64url')}`,
    status: 400,
    pointers: ['/query/cursor'],
  },
  {
    name: 'id injection',
    method: 'GET',
    url: `/v1/exceptions/${q(INJECTION)}`,
    status: 404,
    error: 'not_found',
  },
  // Oversized and malformed pages.
  {
    name: 'limit too big',
    method: 'GET',
    url: '/v1/exceptions?limit=100000',
    status: 400,
    pointers: ['/query/limit'],
  },
  {
    name: 'limit zero',
    method: 'GET',
    url: '/v1/exceptions?limit=0',
    status: 400,
    pointers: ['/query/limit'],
  },
  {
    name: 'limit not a number',
    method: 'GET',
    url: '/v1/exceptions?limit=1e3',
    status: 400,
    pointers: ['/query/limit'],
  },
  {
    name: 'repeated parameter',
    method: 'GET',
    url: '/v1/exceptions?tier=p1&tier=p2',
    status: 400,
    pointers: ['/query/tier'],
  },
  // Unknown query and body fields.
  {
    name: 'unknown query parameter',
    method: 'GET',
    url: '/v1/exceptions?sort=score&select=*',
    status: 400,
    pointers: ['/query/select', '/query/sort'],
  },
  {
    name: 'unknown query on connectors',
    method: 'GET',
    url: '/v1/connectors?debug=1',
    status: 400,
    pointers: ['/query/debug'],
  },
  {
    name: 'unknown body field',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'operator',
    body: JSON.stringify({ action: 'resolve', reason: 'paid', status: 'open' }),
    status: 400,
    pointers: ['/status'],
  },
  {
    name: 'unknown action',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'operator',
    body: JSON.stringify({ action: 'delete', reason: 'x' }),
    status: 400,
    pointers: ['/action'],
  },
  {
    name: 'missing reason',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'operator',
    body: JSON.stringify({ action: 'dismiss' }),
    status: 400,
    pointers: ['/reason'],
  },
  {
    name: 'override without tier',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'operator',
    body: JSON.stringify({ action: 'override', reason: 'x' }),
    status: 400,
    pointers: ['/tier'],
  },
  {
    name: 'not JSON',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'operator',
    body: '{"action":',
    status: 400,
    pointers: [''],
  },
  {
    name: 'wrong content type',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'operator',
    body: 'action=resolve',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    error: 'unsupported_media_type',
  },
  {
    name: 'oversized body',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'operator',
    body: JSON.stringify({ action: 'resolve', reason: 'x'.repeat(2 * 1024 * 1024) }),
    status: 413,
    error: 'payload_too_large',
  },
  {
    name: 'unknown field in replay',
    method: 'POST',
    url: '/v1/replay',
    key: 'operator',
    body: JSON.stringify({ source: 'dlq', purge: true }),
    status: 400,
  },
  // The wrong role.
  {
    name: 'viewer deciding',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'viewer',
    body: JSON.stringify({ action: 'resolve', reason: 'paid' }),
    status: 403,
    error: 'forbidden',
  },
  {
    name: 'steward replaying',
    method: 'POST',
    url: '/v1/replay',
    key: 'steward',
    body: JSON.stringify({ source: 'dlq' }),
    status: 403,
    error: 'forbidden',
  },
  {
    name: 'viewer polling',
    method: 'POST',
    url: '/v1/connectors/stripe/poll',
    key: 'viewer',
    status: 403,
    error: 'forbidden',
  },
  {
    name: 'viewer reading the DLQ',
    method: 'GET',
    url: '/v1/dlq',
    key: 'viewer',
    status: 403,
    error: 'forbidden',
  },
  // A missing or bogus key.
  {
    name: 'no key',
    method: 'GET',
    url: '/v1/exceptions',
    key: 'none',
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'no key on decisions',
    method: 'POST',
    url: `/v1/exceptions/${id}/decisions`,
    key: 'none',
    body: JSON.stringify({ action: 'resolve', reason: 'paid' }),
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'bogus key',
    method: 'GET',
    url: '/v1/exceptions',
    key: 'bogus',
    status: 401,
    error: 'unauthorized',
  },
];

const STORES: [string, () => Promise<{ url: string; drop(): Promise<void> }>][] = [
  ['SQLite', async () => ({ url: 'sqlite::memory:', drop: async () => undefined })],
  ['PostgreSQL', () => freshDatabase('api')],
];

describe.each(STORES)('bad requests get clear 4xx errors and change nothing (%s)', (_, open) => {
  let hub: Harness;
  let drop: () => Promise<void>;
  let id: string;
  let keys: Record<string, Record<string, string>>;

  beforeAll(async () => {
    const db = await open();
    drop = db.drop;
    hub = await startHub({ EXHUB_STORE_URL: db.url });
    keys = {
      viewer: await apiKeyHeader(hub.rt, 'viewer'),
      steward: await apiKeyHeader(hub.rt, 'steward'),
      operator: await apiKeyHeader(hub.rt, 'operator'),
      none: {},
      bogus: { 'x-api-key': 'exhub_not_a_real_key' },
    };
    const finance = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    expect((await hub.post('/v1/ingest/stripe', dispute, stripeHeaders(dispute))).status).toBe(202);
    const [msg] = await take(hub.channel, finance, 1);
    id = (JSON.parse(msg.content.toString('utf8')) as CanonicalException).id;
  });
  afterAll(async () => {
    await hub?.close();
    await drop?.();
  });

  it('answers each with its status, a JSON error naming the field and rule, and no change', async () => {
    const before = await snapshot(hub.rt.store, id);
    const fastify = hub.app.getHttpAdapter().getInstance();
    const seen: { name: string; status: number; error: string; pointers?: string[] }[] = [];
    for (const c of cases(id)) {
      const res = await fastify.inject({
        method: c.method,
        url: c.url,
        headers: {
          ...keys[c.key ?? 'viewer'],
          ...(c.body !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}),
        },
        ...(c.body !== undefined ? { payload: c.body } : {}),
      });
      expect({ name: c.name, type: res.headers['content-type'] }).toEqual({
        name: c.name,
        type: expect.stringMatching(/^application\/json/),
      });
      const body = JSON.parse(res.body) as {
        statusCode: number;
        error: string;
        message: string;
        issues?: { pointer: string; rule: string; message: string }[];
      };
      expect(body.statusCode).toBe(res.statusCode);
      expect(body.message.length).toBeGreaterThan(10);
      for (const issue of body.issues ?? []) {
        expect(issue).toEqual({
          pointer: expect.any(String),
          rule: expect.any(String),
          message: expect.any(String),
        });
      }
      seen.push({
        name: c.name,
        status: res.statusCode,
        error: c.error ? body.error : '',
        ...(c.pointers ? { pointers: (body.issues ?? []).map((i) => i.pointer).sort() } : {}),
      });
    }
    expect(seen).toEqual(
      cases(id).map((c) => ({
        name: c.name,
        status: c.status,
        error: c.error ?? '',
        ...(c.pointers ? { pointers: [...c.pointers].sort() } : {}),
      })),
    );
    // Nothing changed: same exceptions, versions, audit chain, outcomes and keys.
    expect(await snapshot(hub.rt.store, id)).toEqual(before);
    expect(before.exception?.status).toBe('open');
    expect(before.open.items.map((e) => e.id)).toContain(id);
  });
});
