import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import { loadEnvSettings } from '@exhub/config';
import { deleteTopology } from '@exhub/messaging';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { AMQP_URL } from '../hub/hub-harness';

type Json = Record<string, unknown>;
const ROOT = join(__dirname, '../../..');
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
/** Operations anyone may call: health, metrics, webhook ingress (signed, not keyed). */
const PUBLIC_OPERATIONS = [
  ['/health/live', 'get'],
  ['/health/ready', 'get'],
  ['/metrics', 'get'],
  ['/v1/ingest/{connectorId}', 'post'],
] as const;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Fastify `/v1/exceptions/:id` → OpenAPI `/v1/exceptions/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI at /docs, generated from the controllers', () => {
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  const routes: { method: string; url: string }[] = [];
  let documentBody: string;

  const inject = async (url: string) => {
    const r = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    return r;
  };

  beforeAll(async () => {
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: 'silent' }),
      connectors: [{ id: 'stripe', type: 'stripe', enabled: true, settings: { secrets: ['s'] } }],
    });
    app = await createHubApp(rt);
    // NestJS registers its routes on init: record every one of them.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (r) => {
        for (const method of [r.method].flat())
          routes.push({ method: method.toLowerCase(), url: r.url });
      });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    documentBody = (await inject('/docs/json')).body;
  });

  afterAll(async () => {
    await app?.close();
    const client = await amqp.connect(AMQP_URL);
    const ch = await client.createChannel();
    await deleteTopology(ch, rt.topology);
    await client.close();
  });

  it('serves a structurally valid OpenAPI 3.1 document at /docs/json', async () => {
    const res = await inject('/docs/json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const doc = JSON.parse(res.body) as Json;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = doc.info as Json;
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const schemas = (doc.components as { schemas: Json }).schemas;
    const schemes = (doc.components as { securitySchemes: Record<string, Json> }).securitySchemes;
    expect(schemes.apiKey).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }),
    );
    // Every path item: known methods, an operation with responses, each path parameter declared.
    for (const [path, item] of Object.entries(paths)) {
      expect(path.startsWith('/')).toBe(true);
      for (const [method, op] of Object.entries(item)) {
        expect(HTTP_METHODS).toContain(method);
        expect(op.responses).toBeDefined();
        expect(typeof op.summary).toBe('string');
        const declared = ((op.parameters ?? []) as Json[])
          .filter((p) => p.in === 'path')
          .map((p) => p.name);
        const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        expect({ op: `${method} ${path}`, params: declared.sort() }).toEqual({
          op: `${method} ${path}`,
          params: inPath.sort(),
        });
        const security = (op.security ?? []) as Json[];
        expect(new Set(security.map((x) => JSON.stringify(x))).size).toBe(security.length);
        for (const sec of security) {
          for (const name of Object.keys(sec)) expect(schemes[name]).toBeDefined();
        }
      }
    }
    // Every $ref resolves inside the document.
    const refs = [...res.body.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const r of new Set(refs)) {
      expect(r).toMatch(/^#\/components\/schemas\//);
      expect({ ref: r, found: r.slice('#/components/schemas/'.length) in schemas }).toEqual({
        ref: r,
        found: true,
      });
    }
    // The canonical exception's schema comes from schemas/, not a copy.
    expect((schemas.CanonicalException as Json).required).toContain('priority');
    // Servers, and keys that are not JWTs are not declared as such.
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(schemes.bearer).not.toHaveProperty('bearerFormat');
  });

  it('documents every route the hub registered, with the error shape and the key on guarded ones', async () => {
    const doc = JSON.parse((await inject('/docs/json')).body) as {
      paths: Record<string, Record<string, { responses: Record<string, Json>; security?: Json[] }>>;
    };
    const served = routes.filter(
      // /docs and /console are static pages (the OpenAPI UI, the web console), not the API.
      (r) => !['head', 'options'].includes(r.method) && !/^\/(docs|console)(\/|$)/.test(r.url),
    );
    expect(served.length).toBeGreaterThanOrEqual(10);
    const missing = served.filter((r) => !doc.paths[openApiPath(r.url)]?.[r.method]);
    expect(missing).toEqual([]);
    for (const path of ['/v1/exceptions', '/v1/connectors', '/v1/dlq', '/v1/mappings/dry-run']) {
      const op = Object.values(doc.paths[path])[0];
      expect(op.security).toEqual(expect.arrayContaining([{ apiKey: [] }]));
      expect(op.responses['401']).toBeDefined();
      expect(JSON.stringify(op.responses['403'])).toContain('#/components/schemas/ApiError');
    }
    const worklist = doc.paths['/v1/exceptions'].get as unknown as { parameters: Json[] };
    expect(worklist.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['domain', 'type', 'tier', 'status', 'party', 'cursor', 'limit']),
    );
    // Public operations say so: `security: []`, not an absent security.
    for (const [path, method] of PUBLIC_OPERATIONS) {
      expect({ op: `${method} ${path}`, security: doc.paths[path][method].security }).toEqual({
        op: `${method} ${path}`,
        security: [],
      });
    }
  });

  it('passes `redocly lint` (redocly.yaml; offline, the devDependency)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhub-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, documentBody);
      const run = spawnSync(process.execPath, [REDOCLY, 'lint', file, '--format=stylish'], {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect({ status: run.status, out: run.stdout + run.stderr }).toEqual({
        status: 0,
        out: expect.stringContaining('Your API description is valid'),
      });
      expect(run.stdout + run.stderr).not.toMatch(/warning/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the UI at /docs under a CSP that lets it load its own assets', async () => {
    const page = await inject('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // The page's scripts are served from /docs itself (the CSP allows nothing else).
    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      // As a browser resolves it against the page's URL.
      const url = new URL(src, 'http://hub/docs').pathname;
      expect({ src, status: (await inject(url)).statusCode }).toEqual({ src, status: 200 });
    }
    expect((await inject('/docs/yaml')).body).toContain('openapi: 3.1');
  });
});
