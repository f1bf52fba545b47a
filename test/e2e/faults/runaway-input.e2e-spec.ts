import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADER } from '../../../libs/messaging/src/headers';
import {
  apiKeyHeader,
  startHub,
  stripeHeaders,
  subscribe,
  take,
  type Harness,
} from '../hub/hub-harness';

const REPO = join(__dirname, '../../..');
const dispute = JSON.parse(
  readFileSync(join(REPO, 'connectors/stripe/fixtures/charge.dispute.created.json'), 'utf8'),
) as { id: string; data: { object: Record<string, unknown> } };
const NORMAL_EVENTS = 20;
const LIVE_WITHIN_MS = 1000;

/** A steward's mistake: a width taken from the payload, 500,000,000 on the bad event. */
const RUNAWAY_MAPPING = `id: stripe.runaway
description: A field whose $pad width comes from the payload.
source: { system: stripe, objectType: event }
match: data.object.metadata.runaway = 'yes'
fields:
  title:
    expr: $pad(data.object.reason, data.object.amount)
    description: padded reason
`;

function event(id: string, runaway = false): Buffer {
  const object = { ...dispute.data.object };
  if (runaway) Object.assign(object, { amount: 500_000_000, metadata: { runaway: 'yes' } });
  return Buffer.from(JSON.stringify({ ...dispute, id, data: { ...dispute.data, object } }));
}

describe('a runaway mapping and a runaway replay filter: one dead letter, others flow, live answers', () => {
  let hub: Harness;
  let mappingsDir: string;

  beforeAll(async () => {
    mappingsDir = mkdtempSync(join(tmpdir(), 'exhub-runaway-'));
    cpSync(join(REPO, 'mappings'), mappingsDir, { recursive: true });
    writeFileSync(join(mappingsDir, 'stripe/runaway.mapping.yaml'), RUNAWAY_MAPPING);
    hub = await startHub({ EXHUB_MAPPINGS_DIR: mappingsDir });
  });
  afterAll(async () => {
    await hub?.close();
    rmSync(mappingsDir, { recursive: true, force: true });
  });

  it('dead-letters the runaway event once, maps every other one, and /health/live never waits 1 s', async () => {
    const names = hub.rt.topology.names;
    const finance = await subscribe(hub.channel, names.exceptions, 'finance.#');

    // Probe liveness throughout, as an orchestrator would.
    let probing = true;
    const latencies: number[] = [];
    const probe = (async () => {
      while (probing) {
        const started = Date.now();
        const res = await hub.get('/health/live');
        latencies.push(res.status === 200 ? Date.now() - started : Infinity);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const run = Date.now().toString(36);
    const bad = await hub.post('/v1/ingest/stripe', event(`evt_runaway_${run}`, true), {
      ...stripeHeaders(event(`evt_runaway_${run}`, true)),
    });
    expect(bad.status).toBe(202);
    for (let i = 0; i < NORMAL_EVENTS; i++) {
      const body = event(`evt_normal_${run}_${i}`);
      expect((await hub.post('/v1/ingest/stripe', body, stripeHeaders(body))).status).toBe(202);
    }

    // A runaway replay filter, while events flow: refused within the limits, naming the limit.
    const operator = {
      ...(await apiKeyHeader(hub.rt, 'operator')),
      'content-type': 'application/json',
    };
    const replay = await hub.post(
      '/v1/replay',
      JSON.stringify({
        source: 'archive',
        from: new Date(Date.now() - 60_000).toISOString(),
        dryRun: true,
        filter: '$count([1..5000000].($ * 2)) > 0',
      }),
      operator,
    );
    expect(replay.status).toBe(400);
    expect(replay.json.message).toMatch(/built a sequence longer than 100000 items/);

    const mapped = await take(hub.channel, finance, NORMAL_EVENTS, 30_000);
    expect(mapped).toHaveLength(NORMAL_EVENTS);
    const ids = mapped.map(
      (m) =>
        (JSON.parse(m.content.toString('utf8')) as { source: { eventId: string } }).source.eventId,
    );
    expect(new Set(ids).size).toBe(NORMAL_EVENTS);
    expect(ids).not.toContain(`evt_runaway_${run}`);

    // The runaway event: one dead letter, permanent, naming mapping, field and limit.
    const deadline = Date.now() + 15_000;
    let depth = 0;
    while (Date.now() < deadline && depth < 1) {
      depth = (await hub.channel.checkQueue(names.dlq)).messageCount;
      if (depth < 1) await new Promise((r) => setTimeout(r, 100));
    }
    expect(depth).toBe(1);
    const [dead] = await take(hub.channel, names.dlq, 1);
    const headers = dead.properties.headers ?? {};
    expect(headers[HEADER.errorClass]).toBe('INVALID_PAYLOAD');
    expect(String(headers[HEADER.errorMessage])).toMatch(
      /mapping stripe\.runaway fields\.title .*\$pad: width 500000000 is over the limit of 2000000 characters \(maxStringLength\)/,
    );

    probing = false;
    await probe;
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(LIVE_WITHIN_MS);
  });
});
