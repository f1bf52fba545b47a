/**
 * The corpus of real Stripe and Zendesk samples (test/corpus/<system>/, origins in SOURCES.md)
 * through the real signed ingest of the BUILT hub, as a user's webhook endpoint receives them:
 * each sample is signed with its source's scheme and posted, and its outcome is checked against
 * the expectations table beside the samples (written from the payload's business meaning):
 * exactly the exceptions it should publish on exhub.exceptions, or the no-op counters it should
 * move, or a refusal naming the JSON pointer. Nothing may be lost silently: every accepted sample
 * must be processed by the pipeline (exhub_stage_processed_total{stage="total"}), move no counter
 * it should not, publish nothing it should not, and leave the dead-letter queue empty; every file
 * in the corpus folders must have a line in its table.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { parse as parseYaml } from 'yaml';
import type { CanonicalException } from '@exhub/canonical';
import { buildTopology, deleteTopology } from '@exhub/messaging';
import { signStripePayload } from '@exhub/connectors/stripe';
import { signedWebhook } from '../../../connectors/zendesk/testing';
import { HubProcess } from '../../support/hub-process';

const ROOT = join(__dirname, '../../..');
const CORPUS = join(ROOT, 'test/corpus');
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** Generous: the CI machine is shared, and the first event also warms the hub up. */
const PROCESS_TIMEOUT_MS = 40_000;
/** How long to listen for anything more than expected after a sample was processed. */
const QUIET_MS = 250;

type System = 'stripe' | 'zendesk';
type Counted = Partial<
  Record<
    | 'unmapped'
    | 'duplicate'
    | 'rejected_malformed'
    | 'lifecycle_resolved'
    | 'lifecycle_reopened'
    | 'lifecycle_unchanged'
    | 'lifecycle_unknown_exception',
    number
  >
>;
interface ExpectedException {
  type: string;
  domain: string;
  status: 'open' | 'resolved';
  objectId: string;
  amount?: { value: string; currency: string };
  reasonCode?: string;
  resolution?: string;
  /** A regular expression the title must match. */
  title?: string;
  /** A party the exception must name. */
  party?: { role: string; id: string };
}
interface Expectation {
  file: string;
  meaning: string;
  http: 202 | 400;
  exceptions?: ExpectedException[];
  counted?: Counted;
  refusal?: { pointer: string; says: string };
}

const table = (system: System): Expectation[] =>
  (
    parseYaml(readFileSync(join(CORPUS, system, 'expectations.yaml'), 'utf8')) as {
      samples: Expectation[];
    }
  ).samples;
const TABLES: Record<System, Expectation[]> = {
  stripe: table('stripe'),
  zendesk: table('zendesk'),
};

const STRIPE_SECRET = `whsec_${randomBytes(16).toString('hex')}`;
const ZENDESK_SECRET = randomBytes(32).toString('base64');

/** Every counter a sample may move, as [metric, labels] for the connector. */
function counterSeries(connector: string): Record<keyof Counted, [string, Record<string, string>]> {
  const lifecycle = (result: string): [string, Record<string, string>] => [
    'exhub_lifecycle_signals_total',
    { connector, result },
  ];
  return {
    unmapped: ['exhub_events_unmapped_total', { connector }],
    duplicate: ['exhub_events_duplicate_total', { connector }],
    rejected_malformed: ['exhub_webhook_rejections_total', { connector, reason: 'malformed' }],
    lifecycle_resolved: lifecycle('resolved'),
    lifecycle_reopened: lifecycle('reopened'),
    lifecycle_unchanged: lifecycle('unchanged'),
    lifecycle_unknown_exception: lifecycle('unknown_exception'),
  };
}

/** Sum of the series of `name` whose labels include `labels`, in a Prometheus text exposition. */
function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

describe('corpus: real Stripe and Zendesk samples through the signed ingest of the built hub', () => {
  const prefix = `t-corpus-${randomBytes(4).toString('hex')}`;
  const topology = buildTopology({ prefix });
  let dir: string;
  let hub: HubProcess;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  const posted = new Set<string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-corpus-'));
    const config = join(dir, 'exhub.config.yaml');
    writeFileSync(
      config,
      [
        'connectors:',
        '  - id: stripe',
        '    type: stripe',
        '    settings:',
        '      secrets: ["${STRIPE_WEBHOOK_SECRET}"]',
        '  - id: zendesk',
        '    type: zendesk',
        '    settings:',
        '      secrets: ["${ZENDESK_WEBHOOK_SECRET}"]',
        '',
      ].join('\n'),
    );
    hub = await HubProcess.start({
      prefix,
      amqpUrl: AMQP_URL,
      stripeSecret: STRIPE_SECRET,
      env: {
        EXHUB_CONFIG: config,
        ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
        EXHUB_STORE_URL: `sqlite:${join(dir, 'store.db')}`,
      },
    });
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    // The hub declared its topology before it was ready: listen before the first sample.
    queue = (await channel.assertQueue('', { exclusive: true, autoDelete: true })).queue;
    await channel.bindQueue(queue, topology.names.exceptions, '#');
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, topology).catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${hub.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const processed = (text: string) =>
    metricValue(text, 'exhub_stage_processed_total', { stage: 'total' });

  /** Signs `body` as the source does and posts it to the connector's endpoint. */
  async function deliver(system: System, body: Buffer) {
    const headers: Record<string, string> =
      system === 'stripe'
        ? {
            'content-type': 'application/json',
            'stripe-signature': signStripePayload(
              body,
              STRIPE_SECRET,
              Math.floor(Date.now() / 1000),
            ),
          }
        : {
            ...signedWebhook(body, ZENDESK_SECRET),
            // Zendesk names every invocation; a trigger body has no id of its own.
            'x-zendesk-webhook-invocation-id': randomUUID(),
          };
    const res = await fetch(`${hub.url}/v1/ingest/${system}`, { method: 'POST', headers, body });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  /** Messages on exhub.exceptions: waits for `count`, then listens QUIET_MS for any more. */
  async function published(count: number): Promise<CanonicalException[]> {
    const got: CanonicalException[] = [];
    const deadline = Date.now() + PROCESS_TIMEOUT_MS;
    let quietUntil = 0;
    for (;;) {
      const m = await channel.get(queue, { noAck: true });
      if (m) {
        got.push(JSON.parse(m.content.toString('utf8')) as CanonicalException);
        continue;
      }
      const now = Date.now();
      if (got.length >= count) {
        if (quietUntil === 0) quietUntil = now + QUIET_MS;
        if (now >= quietUntil) return got;
      } else if (now > deadline) {
        return got;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const cases = (['stripe', 'zendesk'] as const).flatMap((system) =>
    TABLES[system].map((e) => [system, e] as const),
  );

  it.each(cases.map(([system, e]) => [`${system}/${e.file}`, system, e] as const))(
    '%s',
    async (_name, system, exp) => {
      const body = readFileSync(join(CORPUS, system, exp.file));
      const series = counterSeries(system);
      const before = await scrape();
      const res = await deliver(system, body);
      posted.add(`${system}/${exp.file}`);
      const context = `${system}/${exp.file} (${exp.meaning})`;
      expect({ context, status: res.status, body: res.json }).toMatchObject({ status: exp.http });
      // A delivery answered as a redelivery publishes nothing: only the table may say so.
      expect({ context, duplicate: res.json.duplicate === true }).toEqual({
        context,
        duplicate: (exp.counted?.duplicate ?? 0) > 0,
      });

      if (exp.http === 400) {
        // A refusal names the element and what it must be.
        const issues = (res.json.issues ?? []) as { pointer: string; message: string }[];
        expect(issues.map((i) => i.pointer)).toContain(exp.refusal?.pointer);
        expect(String(res.json.message)).toContain(exp.refusal?.says);
      } else if (res.json.duplicate !== true) {
        // Accepted: the pipeline must finish with it (a failure would retry or dead-letter it).
        const target = processed(before) + 1;
        const deadline = Date.now() + PROCESS_TIMEOUT_MS;
        let now = before;
        while (processed(now) < target && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          now = await scrape();
        }
        expect({ context, processed: processed(now), problems: hub.problems() }).toMatchObject({
          context,
          processed: target,
        });
      }

      const expected = exp.exceptions ?? [];
      const messages = await published(expected.length);
      const seen = messages.map((e) => ({
        type: e.type,
        domain: e.domain,
        status: e.status,
        objectId: e.source.objectId,
        ...(e.amount ? { amount: e.amount } : {}),
        ...(e.signals?.reasonCode ? { reasonCode: e.signals.reasonCode } : {}),
        ...(e.resolution ? { resolution: e.resolution.reason } : {}),
      }));
      expect({ context, published: seen.length }).toEqual({ context, published: expected.length });
      for (const want of expected) {
        const hit = seen.find(
          (s) => s.type === want.type && s.objectId === want.objectId && s.status === want.status,
        );
        expect({ context, hit }).toEqual({
          context,
          hit: {
            type: want.type,
            domain: want.domain,
            status: want.status,
            objectId: want.objectId,
            ...(want.amount ? { amount: want.amount } : {}),
            ...(want.reasonCode ? { reasonCode: want.reasonCode } : {}),
            ...(want.resolution ? { resolution: expect.stringMatching(want.resolution) } : {}),
          },
        });
        const e = messages.find((m) => m.type === want.type && m.source.objectId === want.objectId);
        if (want.title)
          expect({ context, title: e?.title }).toEqual({
            context,
            title: expect.stringMatching(want.title),
          });
        if (want.party)
          expect({ context, parties: e?.parties }).toEqual({
            context,
            parties: expect.arrayContaining([expect.objectContaining(want.party)]),
          });
        if (want.status === 'resolved') {
          expect({ context, by: e?.resolution?.by }).toEqual({ context, by: 'source' });
        }
      }

      // Exactly the counters the table names moved, by exactly that much.
      const after = await scrape();
      const moved = Object.fromEntries(
        Object.entries(series)
          .map(([key, [name, labels]]) => [
            key,
            metricValue(after, name, labels) - metricValue(before, name, labels),
          ])
          .filter(([, delta]) => delta !== 0),
      );
      expect({ context, counted: moved }).toEqual({ context, counted: exp.counted ?? {} });
    },
    2 * PROCESS_TIMEOUT_MS + 10_000,
  );

  it('accounts for every sample: each file has a line in its table, nothing was dead-lettered', async () => {
    for (const system of ['stripe', 'zendesk'] as const) {
      const files = readdirSync(join(CORPUS, system)).filter((f) => f.endsWith('.json'));
      const listed = TABLES[system].map((e) => e.file);
      expect({ system, unlisted: files.filter((f) => !listed.includes(f)) }).toEqual({
        system,
        unlisted: [],
      });
      expect({ system, missing: listed.filter((f) => !files.includes(f)) }).toEqual({
        system,
        missing: [],
      });
      for (const f of listed) expect(posted).toContain(`${system}/${f}`);
    }
    expect(posted.size).toBeGreaterThanOrEqual(14);
    const dlq = await channel.checkQueue(topology.names.dlq);
    expect({ deadLettered: dlq.messageCount, hub: hub.problems() }).toMatchObject({
      deadLettered: 0,
    });
  });
});
