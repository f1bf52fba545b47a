import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { CanonicalException } from '@exhub/canonical';
import { MAPPINGS_DEBOUNCE_ENV } from '../../../apps/hub/src/mappings/mapping-reload.service';
import {
  apiKeyHeader,
  startHub,
  stripeHeaders,
  subscribe,
  take,
  type Harness,
} from '../hub/hub-harness';

const ROOT = join(__dirname, '../../..');
const DISPUTE_FIXTURE = JSON.parse(
  readFileSync(join(ROOT, 'connectors/stripe/fixtures/charge.dispute.created.json'), 'utf8'),
) as Record<string, unknown>;
const DISPUTE_MAPPING = 'stripe/dispute.mapping.yaml';
const ORIGINAL_TITLE = 'Chargeback dispute: product not received, USD 22.00';
const WAIT_MS = 10_000;

/** A mapping that only exists in the temp copy: a runaway expression and a pass-through of signals. */
const PROBE_MAPPING = `id: e2e.probe
description: Probes for the e2e test; never shipped.
source: { system: e2e, objectType: probe }
fields:
  domain: { value: finance, description: probe }
  process: { value: billing, description: probe }
  type: { value: billing_dispute, description: probe }
  title: { expr: "runaway ? ($loop := function($n) { $loop($n + 1) }; $loop(0)) : 'probe'", description: probe }
  summary: { value: probe, description: probe }
  source.objectType: { value: probe, description: probe }
  source.objectId: { expr: id, description: probe }
  occurredAt: { value: '2026-01-01T00:00:00Z', description: probe }
  signals: { expr: signals, description: passes the payload's signals object through }
`;

/** Every JSON log line the hub writes, kept in memory. */
function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function waitFor<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('mappings hot reload and dry run (in-process hub, real RabbitMQ, temp copy of mappings/)', () => {
  let dir: string;
  let hub: Harness;
  /** The dry-run needs a steward key. */
  let steward: Record<string, string>;
  let finance: string;
  let lines: Record<string, unknown>[];
  let sent = 0;
  const previousDebounce = process.env[MAPPINGS_DEBOUNCE_ENV];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-e2e-mappings-'));
    cpSync(join(ROOT, 'mappings'), dir, { recursive: true });
    writeFileSync(join(dir, 'e2e-probe.mapping.yaml'), PROBE_MAPPING);
    process.env[MAPPINGS_DEBOUNCE_ENV] = '100';
    const memory = memoryLogger();
    lines = memory.lines;
    hub = await startHub({ EXHUB_MAPPINGS_DIR: dir }, { logger: memory.logger });
    finance = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    steward = await apiKeyHeader(hub.rt, 'steward');
  });
  afterAll(async () => {
    await hub?.close();
    if (previousDebounce === undefined) delete process.env[MAPPINGS_DEBOUNCE_ENV];
    else process.env[MAPPINGS_DEBOUNCE_ENV] = previousDebounce;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Posts the real dispute event under a fresh event id (ingress drops repeated ids) and returns what was published. */
  async function postDispute(): Promise<CanonicalException> {
    sent += 1;
    const body = Buffer.from(JSON.stringify({ ...DISPUTE_FIXTURE, id: `evt_e2e_reload_${sent}` }));
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(202);
    const [msg] = await take(hub.channel, finance, 1);
    expect(msg).toBeDefined();
    return JSON.parse(msg.content.toString('utf8')) as CanonicalException;
  }

  function edit(from: string, to: string): void {
    const file = join(dir, DISPUTE_MAPPING);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(from);
    writeFileSync(file, text.replace(from, to));
  }

  async function metric(name: string): Promise<string> {
    const res = await hub.get('/metrics');
    return res.body.split('\n').find((l) => l.startsWith(name)) ?? '';
  }

  it('refuses a broken edit while the previous version keeps mapping, then takes a fixed edit without restart', async () => {
    const first = await postDispute();
    expect(first.title).toBe(ORIGINAL_TITLE);
    const goodVersion = first.lineage.mapping.version;
    expect(first.lineage.mapping.id).toBe('stripe.charge-dispute');

    // Broken: a JSONata syntax error in the title.
    edit("'Chargeback dispute: '", "'Chargeback dispute: ' &");
    const refused = await waitFor('the refusal log line', () =>
      lines.find((l) => l.event === 'mappings_reload_refused'),
    );
    expect(refused.level).toBe(50);
    expect(JSON.stringify(refused.errors)).toMatch(
      /dispute\.mapping\.yaml:\d+:\d+ fields\.title: JSONata syntax error/,
    );
    expect(await metric('exhub_mapping_reloads_total{result="refused"}')).toMatch(/ 1$/);

    const during = await postDispute();
    expect(during.title).toBe(ORIGINAL_TITLE);
    expect(during.lineage.mapping.version).toBe(goodVersion);

    // Fixed: a valid change of the title takes effect for the next event.
    edit("'Chargeback dispute: ' &", "'Card dispute: '");
    const reloaded = await waitFor('the reload log line', () =>
      lines.find((l) => l.event === 'mappings_reloaded'),
    );
    // Every shipped mapping (all connectors') plus the probe.
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
    expect(reloaded.mappings).toBe(files.filter((f) => f.endsWith('.mapping.yaml')).length);
    expect(await metric('exhub_mapping_reloads_total{result="success"}')).toMatch(/ 1$/);

    const after = await postDispute();
    expect(after.title).toBe('Card dispute: product not received, USD 22.00');
    expect(after.lineage.mapping.version).not.toBe(goodVersion);
    expect(after.lineage.mapping.version).toBe(
      (reloaded.versions as Record<string, string>)['stripe.charge-dispute'],
    );
  });

  it('dry-runs a payload into the canonical exception the pipeline would publish', async () => {
    const body = JSON.stringify({ mapping: 'stripe.charge-dispute', payload: DISPUTE_FIXTURE });
    const res = await hub.post('/v1/mappings/dry-run', body, {
      ...steward,
      'content-type': 'application/json',
    });
    expect(res.status).toBe(200);
    const [exception] = res.json.exceptions as CanonicalException[];
    expect(exception).toMatchObject({
      type: 'chargeback_dispute',
      amount: { value: '22.00', currency: 'USD' },
      amountBase: { value: '22.00', currency: 'USD' },
      lineage: { mapping: { id: 'stripe.charge-dispute' } },
      source: { system: 'stripe', connector: 'dry-run' },
    });
    const bySource = await hub.post(
      '/v1/mappings/dry-run',
      JSON.stringify({ system: 'stripe', objectType: 'event', payload: DISPUTE_FIXTURE }),
      { ...steward, 'content-type': 'application/json' },
    );
    expect(bySource.status).toBe(200);
    expect((bySource.json.exceptions as unknown[]).length).toBe(1);
  });

  it('dry-runs an ISO 20022 bank file given as XML text, parsed as the pipeline parses it', async () => {
    const xml = readFileSync(
      join(ROOT, 'connectors/iso20022/fixtures/pain.002-partially-accepted.xml'),
      'utf8',
    );
    const json = { ...steward, 'content-type': 'application/json' };
    const res = await hub.post(
      '/v1/mappings/dry-run',
      JSON.stringify({
        system: 'iso20022',
        objectType: 'pain.002',
        contentType: 'application/xml',
        payload: xml,
      }),
      json,
    );
    expect(res.status).toBe(200);
    // Two of the run's three transactions were rejected (AC04, AM04): one exception each.
    const exceptions = res.json.exceptions as CanonicalException[];
    expect(exceptions.map((e) => e.signals?.reasonCode).sort()).toEqual(['AC04', 'AM04']);

    const broken = await hub.post(
      '/v1/mappings/dry-run',
      JSON.stringify({
        system: 'iso20022',
        objectType: 'pain.002',
        contentType: 'application/xml',
        payload: '<Document><CstmrPmtStsRpt></Document>',
      }),
      json,
    );
    expect(broken.status).toBe(400);
    expect(broken.json.message).toMatch(/not well-formed XML/);
    expect(broken.json.issues).toEqual([expect.objectContaining({ pointer: '/payload' })]);
  });

  it('answers errors with JSON pointers: bad JSON, missing payload, unknown mapping, a payload the mapping refuses', async () => {
    const json = { ...steward, 'content-type': 'application/json' };
    const bad = await hub.post('/v1/mappings/dry-run', '{"mapping": ', json);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ statusCode: 400, error: 'bad_request' });
    expect(bad.json.message).toMatch(/not valid JSON/);

    const missing = await hub.post(
      '/v1/mappings/dry-run',
      '{"mapping": "stripe.charge-dispute"}',
      json,
    );
    expect(missing.status).toBe(400);
    expect(missing.json.issues).toEqual([expect.objectContaining({ pointer: '/payload' })]);

    const unknown = await hub.post(
      '/v1/mappings/dry-run',
      '{"mapping": "stripe.nope", "payload": {}}',
      json,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toContain('stripe.charge-dispute');

    const payload = {
      ...DISPUTE_FIXTURE,
      data: { object: { ...(DISPUTE_FIXTURE.data as { object: object }).object, currency: 'us' } },
    };
    const refused = await hub.post(
      '/v1/mappings/dry-run',
      JSON.stringify({ mapping: 'stripe.charge-dispute', payload }),
      json,
    );
    expect(refused.status).toBe(422);
    expect(refused.json.error).toBe('mapping_failed');
    expect(refused.json.message).toMatch(/dispute\.mapping\.yaml:\d+:\d+/);
    expect(refused.json.issues).toContainEqual(
      expect.objectContaining({ pointer: '/payload/data/object/currency', rule: 'helper' }),
    );
  });

  it('stops a runaway expression with a clear error, and a __proto__ key in a payload reaches no object', async () => {
    const json = { ...steward, 'content-type': 'application/json' };
    const started = Date.now();
    const runaway = await hub.post(
      '/v1/mappings/dry-run',
      JSON.stringify({ mapping: 'e2e.probe', payload: { id: 'p1', runaway: true } }),
      json,
    );
    expect(runaway.status).toBe(422);
    expect(runaway.json.message).toMatch(
      /e2e\.probe fields\.title .*(took longer than|deeper than)/,
    );
    expect(Date.now() - started).toBeLessThan(2000);

    const proto = await hub.post(
      '/v1/mappings/dry-run',
      '{"mapping": "e2e.probe", "payload": {"id": "p2", "signals": {"__proto__": {"polluted": true}, "constructor": 1, "ok": 1}}}',
      json,
    );
    expect(proto.status).toBe(200);
    const [exception] = proto.json.exceptions as CanonicalException[];
    expect(exception.signals).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
