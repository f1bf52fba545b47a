/**
 * The OpenAPI document against the hub's real answers, for every operation it lists: each probe
 * below is a real request to the hub (real broker, SQLite store); its status must be one the
 * document lists for that operation, its JSON body must validate against the documented schema,
 * and a documented header (Retry-After) must come with the answer. Every operation of the document
 * is probed at least once, so a new route without a probe fails here.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as amqp from 'amqplib';
import pino from 'pino';
import { loadEnvSettings } from '@exhub/config';
import { deleteTopology } from '@exhub/messaging';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { AMQP_URL, apiKeyHeader, stripeHeaders } from '../hub/hub-harness';

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Json }>; headers?: Json }>;
}
interface Probe {
  method: 'GET' | 'POST';
  url: string;
  /** The document's path template the URL is an instance of. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The status this probe is meant to get (checked too, so a probe cannot drift silently). */
  expect: number;
}

const ROOT = join(__dirname, '../../..');
const SECRET = `whsec_${randomBytes(8).toString('hex')}`;
const RATE_LIMIT = 6;
const dispute = readFileSync(join(ROOT, 'connectors/stripe/fixtures/charge.dispute.created.json'));
const exception = readFileSync(
  join(ROOT, 'libs/canonical/test-fixtures/valid/stripe-chargeback-dispute.json'),
  'utf8',
);

describe('OpenAPI document vs the answers the hub gives', () => {
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let doc: { paths: Record<string, Record<string, Operation>>; components: Json };
  let storeClosed = false;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);

  beforeAll(async () => {
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t-oas-${randomBytes(4).toString('hex')}`,
      EXHUB_STORE_URL: 'sqlite::memory:',
      EXHUB_INGRESS_RATE_LIMIT: String(RATE_LIMIT),
      EXHUB_INGRESS_RATE_WINDOW: '1m',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: 'silent' }),
      connectors: [
        { id: 'stripe', type: 'stripe', enabled: true, settings: { secrets: [SECRET] } },
      ],
    });
    app = await createHubApp(rt);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    doc = JSON.parse((await send({ method: 'GET', url: '/docs/json' })).body) as typeof doc;
    // The document's components, so that `#/components/schemas/…` resolves in every schema.
    ajv.addSchema({ $id: 'exhub:openapi', components: doc.components });
  });

  afterAll(async () => {
    await app?.close().catch((err: unknown) => {
      // The last probe closed the store on purpose; closing it again may complain.
      if (!storeClosed) throw err;
    });
    const client = await amqp.connect(AMQP_URL);
    const ch = await client.createChannel();
    await deleteTopology(ch, rt.topology);
    await client.close();
  });

  function send(p: Pick<Probe, 'method' | 'url' | 'headers' | 'body'>) {
    return app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: p.method, url: p.url, headers: p.headers, payload: p.body });
  }

  /** Rewrites the document's local refs to the registered copy of its components. */
  function schemaOf(schema: Json): Json {
    return JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/', '"exhub:openapi#/components/'),
    ) as Json;
  }

  const probed = new Set<string>();

  /** Sends the probe and checks its answer against the document. */
  async function check(p: Probe): Promise<void> {
    const res = await send(p);
    const op = doc.paths[p.path]?.[p.method.toLowerCase()];
    const where = `${p.method} ${p.url} → ${res.statusCode}`;
    expect({ where, documented: op !== undefined }).toEqual({ where, documented: true });
    probed.add(`${p.method.toLowerCase()} ${p.path}`);
    if (res.statusCode !== p.expect) {
      throw new Error(`${where}, the probe expects ${p.expect}: ${res.body.slice(0, 400)}`);
    }
    const answer = op.responses[String(res.statusCode)];
    expect({ where, listed: Object.keys(op.responses) }).toEqual({
      where,
      listed: expect.arrayContaining([String(res.statusCode)]),
    });
    for (const header of Object.keys(answer.headers ?? {})) {
      expect({ where, header, sent: res.headers[header.toLowerCase()] !== undefined }).toEqual({
        where,
        header,
        sent: true,
      });
    }
    // And the other way round: a Retry-After the hub sends is documented.
    expect({ where, retryAfterDocumented: Boolean(answer.headers?.['Retry-After']) }).toEqual({
      where,
      retryAfterDocumented: res.headers['retry-after'] !== undefined,
    });
    const schema = answer.content?.['application/json']?.schema;
    if (schema && String(res.headers['content-type']).includes('application/json')) {
      const validate = ajv.compile(schemaOf(schema));
      const body: unknown = JSON.parse(res.body);
      expect({ where, errors: validate(body) ? [] : validate.errors }).toEqual({
        where,
        errors: [],
      });
    }
  }

  it('every probed answer is documented, with its body schema and headers', async () => {
    const viewer = await apiKeyHeader(rt, 'viewer');
    const steward = await apiKeyHeader(rt, 'steward');
    const operator = await apiKeyHeader(rt, 'operator');
    const json = { 'content-type': 'application/json' };
    const probes: Probe[] = [
      { method: 'GET', url: '/health/live', path: '/health/live', expect: 200 },
      { method: 'GET', url: '/health/ready', path: '/health/ready', expect: 200 },
      { method: 'GET', url: '/metrics', path: '/metrics', expect: 200 },
      { method: 'GET', url: '/v1/dlq', path: '/v1/dlq', expect: 401 },
      { method: 'GET', url: '/v1/dlq', path: '/v1/dlq', headers: viewer, expect: 403 },
      { method: 'GET', url: '/v1/dlq', path: '/v1/dlq', headers: operator, expect: 200 },
      ...[
        {
          body: JSON.stringify({
            source: 'archive',
            from: new Date(Date.now() - 60_000).toISOString(),
            to: new Date().toISOString(),
            dryRun: true,
          }),
          expect: 200,
        },
        { body: '{"source":"nowhere"}', expect: 400 },
      ].map((b): Probe => ({
        method: 'POST',
        url: '/v1/replay',
        path: '/v1/replay',
        headers: { ...operator, ...json },
        ...b,
      })),
      {
        method: 'POST',
        url: '/v1/replay',
        path: '/v1/replay',
        headers: { ...operator, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'source=archive',
        expect: 400,
      },
      ...[
        {
          body: JSON.stringify({
            system: 'stripe',
            objectType: 'event',
            payload: JSON.parse(dispute.toString()),
          }),
          expect: 200,
        },
        { body: JSON.stringify({ mapping: 'no.such-mapping', payload: {} }), expect: 404 },
        { body: '{"payload":1,"extra":true}', expect: 400 },
      ].map((b): Probe => ({
        method: 'POST',
        url: '/v1/mappings/dry-run',
        path: '/v1/mappings/dry-run',
        headers: { ...steward, ...json },
        ...b,
      })),
      {
        method: 'POST',
        url: '/v1/priority/dry-run',
        path: '/v1/priority/dry-run',
        headers: { ...steward, ...json },
        body: exception,
        expect: 200,
      },
      { method: 'GET', url: '/v1/insights', path: '/v1/insights', headers: viewer, expect: 200 },
      // What the web console (/console) reads beyond the reviewer and operations API.
      { method: 'GET', url: '/v1/session', path: '/v1/session', headers: viewer, expect: 200 },
      { method: 'GET', url: '/v1/backlog', path: '/v1/backlog', headers: viewer, expect: 200 },
      {
        method: 'GET',
        url: '/v1/exceptions/no-such-id/changes',
        path: '/v1/exceptions/{id}/changes',
        headers: viewer,
        expect: 404,
      },
      { method: 'GET', url: '/v1/mappings', path: '/v1/mappings', headers: viewer, expect: 403 },
      { method: 'GET', url: '/v1/mappings', path: '/v1/mappings', headers: steward, expect: 200 },
      ...[
        { url: '/v1/mappings/stripe.charge-dispute/cases', expect: 200 },
        { url: '/v1/mappings/no.such-mapping/cases', expect: 404 },
      ].map((b): Probe => ({
        method: 'POST',
        path: '/v1/mappings/{id}/cases',
        headers: { ...steward, ...json },
        body: '{}',
        ...b,
      })),
      {
        method: 'GET',
        url: '/v1/dlq/letters/no-such-letter',
        path: '/v1/dlq/letters/{id}',
        headers: operator,
        expect: 404,
      },
      {
        method: 'GET',
        url: '/v1/insights?bogus=1',
        path: '/v1/insights',
        headers: viewer,
        expect: 400,
      },
      {
        method: 'GET',
        url: '/v1/exceptions',
        path: '/v1/exceptions',
        headers: viewer,
        expect: 200,
      },
      {
        method: 'GET',
        url: '/v1/exceptions?tier=p9',
        path: '/v1/exceptions',
        headers: viewer,
        expect: 400,
      },
      {
        method: 'GET',
        url: '/v1/exceptions/no-such-id',
        path: '/v1/exceptions/{id}',
        headers: viewer,
        expect: 404,
      },
      {
        method: 'POST',
        url: '/v1/exceptions/no-such-id/decisions',
        path: '/v1/exceptions/{id}/decisions',
        headers: { ...operator, ...json },
        body: '{"action":"resolve","reason":"paid"}',
        expect: 404,
      },
      {
        method: 'POST',
        url: '/v1/exceptions/no-such-id/decisions',
        path: '/v1/exceptions/{id}/decisions',
        headers: { ...operator, ...json },
        body: '{"action":"shrug"}',
        expect: 400,
      },
      {
        method: 'GET',
        url: '/v1/connectors',
        path: '/v1/connectors',
        headers: viewer,
        expect: 200,
      },
      {
        method: 'POST',
        url: '/v1/connectors/nope/poll',
        path: '/v1/connectors/{id}/poll',
        headers: operator,
        expect: 404,
      },
      {
        method: 'POST',
        url: '/v1/connectors/stripe/poll',
        path: '/v1/connectors/{id}/poll',
        headers: operator,
        expect: 409,
      },
      {
        method: 'POST',
        url: '/v1/ingest/stripe',
        path: '/v1/ingest/{connectorId}',
        headers: stripeHeaders(dispute, undefined, SECRET),
        body: dispute,
        expect: 202,
      },
      {
        method: 'POST',
        url: '/v1/ingest/stripe',
        path: '/v1/ingest/{connectorId}',
        headers: stripeHeaders(dispute, undefined, 'whsec_not_the_secret'),
        body: dispute,
        expect: 401,
      },
      {
        method: 'POST',
        url: '/v1/ingest/nope',
        path: '/v1/ingest/{connectorId}',
        headers: json,
        body: '{}',
        expect: 404,
      },
      {
        method: 'POST',
        url: '/v1/ingest/stripe',
        path: '/v1/ingest/{connectorId}',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
        expect: 415,
      },
    ];
    for (const p of probes) await check(p);

    // Over the ingress rate limit: 429 with Retry-After.
    let limited = 0;
    for (let i = 0; i <= RATE_LIMIT && limited !== 429; i++) {
      limited = (
        await send({ method: 'POST', url: '/v1/ingest/stripe', headers: json, body: '{}' })
      ).statusCode;
    }
    expect(limited).toBe(429);
    await check({
      method: 'POST',
      url: '/v1/ingest/stripe',
      path: '/v1/ingest/{connectorId}',
      headers: json,
      body: '{}',
      expect: 429,
    });

    // A store that stops answering: /health/ready says 503 with the body naming it.
    storeClosed = true;
    await rt.store.close();
    await check({ method: 'GET', url: '/health/ready', path: '/health/ready', expect: 503 });

    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(operations.filter((o) => !probed.has(o))).toEqual([]);
  });
});
