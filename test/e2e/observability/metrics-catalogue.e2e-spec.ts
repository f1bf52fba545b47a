import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_WORKER_CHANNELS } from '@exhub/config';
import { loadPolicyFile } from '@exhub/prioritization';
import { durationMs } from '@exhub/prioritization';
import { startHub, stripeHeaders, subscribe, take, type Harness } from '../hub/hub-harness';

const ROOT = join(__dirname, '../../..');
const dispute = readFileSync(join(ROOT, 'connectors/stripe/fixtures/charge.dispute.created.json'));
const ROW =
  /^\| `(exhub_[a-z0-9_]+)` \| (counter|gauge|histogram|summary) \| ([^|]+) \| (available|planned) \|/;
/** Labels prom-client adds itself to histogram and summary samples. */
const STRUCTURAL_LABELS = new Set(['le', 'quantile']);

interface Documented {
  type: string;
  labels: string[];
  status: 'available' | 'planned';
}

function catalogue(): Map<string, Documented> {
  const rows = new Map<string, Documented>();
  for (const line of readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8').split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    expect(rows.has(m[1])).toBe(false); // documented once
    const labels = [...m[3].matchAll(/`([a-z_]+)`/g)].map((l) => l[1]).sort();
    rows.set(m[1], { type: m[2], labels, status: m[4] as Documented['status'] });
  }
  return rows;
}

/** Families from `# TYPE` lines, with the label names seen on their samples. */
function exposed(text: string): Map<string, { type: string; labels: Set<string> }> {
  const families = new Map<string, { type: string; labels: Set<string> }>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1], { type: type[2], labels: new Set() });
  }
  for (const line of text.split('\n')) {
    const sample = /^([a-z0-9_]+)\{([^}]*)\}/.exec(line);
    if (!sample) continue;
    const family =
      families.get(sample[1]) ?? families.get(sample[1].replace(/_(bucket|sum|count)$/, ''));
    for (const pair of sample[2].matchAll(/([a-z_]+)="/g)) {
      if (!STRUCTURAL_LABELS.has(pair[1])) family?.labels.add(pair[1]);
    }
  }
  return families;
}

// Poll queue depths every second instead of every 15 s, so the DLQ test does not wait.
process.env.EXHUB_QUEUE_POLL_SECONDS = '1';
// Same for the backlog read from the store (default 30 s).
process.env.EXHUB_BACKLOG_POLL_SECONDS = '1';

describe('docs/metrics.md is what /metrics exposes (after traffic through a real hub)', () => {
  let hub: Harness;
  let text: string;

  beforeAll(async () => {
    hub = await startHub();
    const finance = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    // Accepted, rejected, and dead-lettered traffic, so labelled families have samples.
    expect((await hub.post('/v1/ingest/stripe', dispute, stripeHeaders(dispute))).status).toBe(202);
    const wrong = stripeHeaders(dispute, undefined, 'whsec_wrong');
    expect((await hub.post('/v1/ingest/stripe', dispute, wrong)).status).toBe(401);
    const event = JSON.parse(dispute.toString('utf8'));
    event.id = 'evt_exhub_catalogue_invalid';
    event.data.object.id = 'du_exhub_catalogue_invalid';
    event.data.object.currency = 'usdollars';
    const invalid = Buffer.from(JSON.stringify(event));
    expect((await hub.post('/v1/ingest/stripe', invalid, stripeHeaders(invalid))).status).toBe(202);
    expect(await take(hub.channel, finance, 1)).toHaveLength(1);
    expect(await take(hub.channel, hub.rt.topology.names.dlq, 1)).toHaveLength(1);
    // The stored dispute shows in the backlog gauges at the next store poll.
    text = await metricsUntil(/^exhub_open_exceptions\{[^}]*domain="finance"[^}]*\} [1-9]/m);
  });
  afterAll(async () => hub?.close());

  /** /metrics once it matches `pattern`, or as it is after 5 s. */
  async function metricsUntil(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const body = (await hub.get('/metrics')).body;
      if (pattern.test(body) || Date.now() > deadline) return body;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('documents every exposed exhub_ family with its type and labels', () => {
    const docs = catalogue();
    const problems: string[] = [];
    for (const [name, family] of exposed(text)) {
      expect(name.startsWith('exhub_')).toBe(true);
      const doc = docs.get(name);
      if (!doc) {
        problems.push(`${name} (${family.type}) is exposed but not in docs/metrics.md`);
        continue;
      }
      if (doc.status !== 'available') problems.push(`${name} is exposed but marked ${doc.status}`);
      if (doc.type !== family.type)
        problems.push(`${name}: documented ${doc.type}, is ${family.type}`);
      for (const label of family.labels) {
        if (!doc.labels.includes(label)) problems.push(`${name}: label ${label} is not documented`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('exposes every family marked available', () => {
    const families = exposed(text);
    const missing = [...catalogue()]
      .filter(([name, doc]) => doc.status === 'available' && !families.has(name))
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('has samples for the backlog metrics after traffic', () => {
    expect(text).toMatch(/^exhub_open_exceptions\{domain="finance",tier="p[1-4]"\} [1-9]/m);
    expect(text).toMatch(
      /^exhub_open_exception_oldest_age_seconds\{domain="finance",tier="p[1-4]"\} \d/m,
    );
    expect(text).toMatch(/^exhub_exceptions_past_due\{tier="p1"\} \d/m);
    expect(text).toMatch(/^exhub_sla_breaches_total\{tier="p1"\} 0/m);
    expect(text).toMatch(/^exhub_backlog_poll_errors_total 0/m);
  });

  it("reports the policy's SLA target per tier, in seconds", () => {
    const policy = loadPolicyFile(join(ROOT, 'policies/priority.yaml')).policy;
    for (const tier of ['p1', 'p2', 'p3', 'p4'] as const) {
      const seconds = durationMs(policy.tiers[tier].slaTarget) / 1000;
      expect(seconds).toBeGreaterThan(0);
      expect(text).toMatch(
        new RegExp(`^exhub_sla_target_seconds\\{tier="${tier}"\\} ${seconds}$`, 'm'),
      );
    }
  });

  it('has samples for the flow, queue and score metrics after traffic', () => {
    expect(text).toMatch(/^exhub_stage_processed_total\{stage="validate"\} [1-9]/m);
    expect(text).toMatch(/^exhub_stage_received_total\{stage="ingress"\} [2-9]/m);
    expect(text).toMatch(/^exhub_stage_duration_seconds_count\{stage="score"\} [1-9]/m);
    expect(text).toMatch(
      /^exhub_stage_failures_total\{stage="(map|validate)",error_class="INVALID_PAYLOAD",outcome="dead_letter"\} 1/m,
    );
    expect(text).toMatch(/^exhub_exception_score_count\{domain="finance"\} 1/m);
    expect(text).toMatch(/^exhub_queue_messages\{queue="dlq"\} \d/m);
    expect(text).toMatch(/^exhub_queue_messages\{queue="retry\.5s"\} \d/m);
  });

  it('reports queue depths and consumers read from the broker: one per worker channel', async () => {
    // One pipeline worker, consuming on EXHUB_WORKER_CHANNELS channels.
    const consumers = new RegExp(
      `^exhub_queue_consumers\\{queue="work"\\} ${DEFAULT_WORKER_CHANNELS}$`,
      'm',
    );
    expect(await metricsUntil(consumers)).toMatch(consumers);
  });

  it('reports the DLQ depth from the broker', async () => {
    const event = JSON.parse(dispute.toString('utf8'));
    event.id = 'evt_exhub_catalogue_dlq';
    event.data.object.id = 'du_exhub_catalogue_dlq';
    event.data.object.currency = 'usdollars';
    const body = Buffer.from(JSON.stringify(event));
    expect((await hub.post('/v1/ingest/stripe', body, stripeHeaders(body))).status).toBe(202);
    const deadline = Date.now() + 10_000;
    while ((await hub.channel.checkQueue(hub.rt.topology.names.dlq)).messageCount < 1) {
      if (Date.now() > deadline) throw new Error('nothing reached the DLQ');
      await new Promise((r) => setTimeout(r, 50));
    }
    // The collector polls every EXHUB_QUEUE_POLL_SECONDS (1 s here, set above).
    expect(await metricsUntil(/^exhub_queue_messages\{queue="dlq"\} 1$/m)).toMatch(
      /^exhub_queue_messages\{queue="dlq"\} 1$/m,
    );
    // The ledger recorded when it entered the DLQ: its age grows from there, round by round.
    const aged = await metricsUntil(/^exhub_dlq_oldest_message_age_seconds [1-9]/m);
    const age = Number(/^exhub_dlq_oldest_message_age_seconds (\S+)$/m.exec(aged)?.[1]);
    expect(age).toBeGreaterThanOrEqual(1);
    expect(age).toBeLessThan(30);
    expect(aged).toMatch(/^exhub_dlq_ledger_errors_total 0$/m);

    // Taken off the DLQ (as a replay or purge does, from the head): the age goes back to 0.
    for (;;) {
      const m = await hub.channel.get(hub.rt.topology.names.dlq, { noAck: true });
      if (!m) break;
    }
    expect(await metricsUntil(/^exhub_dlq_oldest_message_age_seconds 0$/m)).toMatch(
      /^exhub_queue_messages\{queue="dlq"\} 0$/m,
    );
  }, 30_000);

  it('passes promtool check metrics', () => {
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe(
      '',
    );
  });
});
