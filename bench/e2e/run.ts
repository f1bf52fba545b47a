/**
 * The end-to-end pass of issue 17: the hub as shipped (all roles in one process, the pipeline
 * worker in its own worker thread unless EXHUB_WORKER_THREAD=off is set here; the embedded
 * SQLite store) against a hand-written one-process pipe doing the same hops (reference-pipe.ts),
 * under the same load in the same run. Signed Stripe webhooks go in over HTTP; what counts is an
 * exception arriving on a queue bound to the exceptions exchange.
 *
 *   flat out: E2E_EVENTS [3000] distinct events, E2E_CONCURRENCY [32] in flight; exceptions/s from
 *             the first request to the last arrival;
 *   paced:    E2E_RATE [200] events/s for E2E_SECONDS [10]; p50/p99 from request to arrival.
 *
 * E2E_MODES [flat,paced] and E2E_VARIANTS [reference,hub] pick the passes to run (e.g. only the
 * paced hub: E2E_MODES=paced E2E_VARIANTS=hub); HUB_NODE_ARGS passes node flags to the hub
 * (e.g. --cpu-prof); E2E_DUMP=<file> appends each measured event's send time (ms from the start
 * of the pass) and latency, one `sent latency` a line, to see when in a pass the slow ones were; its
 * header line gives the pass's start as epoch ms, to line them up with the hub's own logs.
 *
 * A 503/429 answer is retried after E2E_RETRY_MS [200], as a webhook sender does; every event
 * must arrive, or the run says how many did not. Nothing here asserts a time.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { buildTopology, deleteTopology } from '@exhub/messaging';
import { startHub } from '../hub-process';
import { sign } from '../ingest/load';
import { disputeEvent, peakRssMiB, percentile, sleep } from '../pipeline/common';
import { MS_PER_SECOND } from '@exhub/core';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const EVENTS = Number(process.env.E2E_EVENTS ?? 3000);
const CONCURRENCY = Number(process.env.E2E_CONCURRENCY ?? 32);
const RATE = Number(process.env.E2E_RATE ?? 200);
const PACED_SECONDS = Number(process.env.E2E_SECONDS ?? 10);
const RETRY_MS = Number(process.env.E2E_RETRY_MS ?? 200);
const MODES = (process.env.E2E_MODES ?? 'flat,paced').split(',');
const VARIANTS = (process.env.E2E_VARIANTS ?? 'reference,hub').split(',');
/** A file to write each measured event's send time and latency to (ms, one `sent latency` a line). */
const DUMP = process.env.E2E_DUMP;
/** Give up waiting for arrivals after this long without a new one. */
const STALL_MS = 30_000;
const PACE_TICK_MS = 50;
const SECRET = `whsec_bench_${randomBytes(8).toString('hex')}`;

export interface EndToEndRun {
  variant: 'hub' | 'reference';
  mode: 'flat' | 'paced';
  events: number;
  arrived: number;
  retried: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  peakRssMiB: number;
}

export interface EndToEndResults {
  events: number;
  concurrency: number;
  rate: number;
  runs: EndToEndRun[];
}

interface Target {
  url: string;
  exchange: string;
  pid: number;
  stop(): Promise<void>;
}

async function startReference(prefix: string): Promise<Target> {
  const child = fork(
    join(__dirname, 'reference-pipe.js'),
    [JSON.stringify({ amqpUrl: AMQP_URL, prefix, secret: SECRET })],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`reference pipe exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    exchange: `${prefix}.exceptions`,
    pid: child.pid as number,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await withChannel(async (ch) => {
        for (const q of ['archive', 'work']) await ch.deleteQueue(`${prefix}.${q}`);
        for (const x of ['ingress', 'exceptions']) await ch.deleteExchange(`${prefix}.${x}`);
      });
    },
  };
}

async function startShippedHub(prefix: string): Promise<Target> {
  // As shipped: EXHUB_ROLES=all (the pipeline in its worker thread unless EXHUB_WORKER_THREAD=off
  // is in this environment), the embedded store (a fresh file per run), info logging.
  const hub = await startHub({
    roles: 'all',
    prefix,
    amqpUrl: AMQP_URL,
    env: { STRIPE_WEBHOOK_SECRET: SECRET },
  });
  const topology = buildTopology({ prefix });
  return {
    url: `http://127.0.0.1:${hub.port}/v1/ingest/stripe`,
    exchange: topology.names.exceptions,
    pid: hub.pid,
    async stop() {
      await hub.stop();
      await withChannel((ch) => deleteTopology(ch, topology));
    },
  };
}

async function withChannel(fn: (channel: amqp.Channel) => Promise<unknown>): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    await fn(channel).catch((err: Error) => console.error(`bench e2e: cleanup: ${err.message}`));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Arrival time of each event's first exception, keyed by the Stripe event id it came from. */
async function collect(exchange: string): Promise<{
  arrivals: Map<string, number>;
  close(): Promise<void>;
}> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '#');
  const arrivals = new Map<string, number>();
  await channel.consume(
    queue,
    (msg) => {
      if (!msg) return;
      const body = JSON.parse(msg.content.toString('utf8')) as { source?: { eventId?: string } };
      const eventId = body.source?.eventId;
      if (eventId && !arrivals.has(eventId)) arrivals.set(eventId, performance.now());
    },
    { noAck: true },
  );
  return { arrivals, close: () => connection.close() };
}

function post(agent: Agent, url: string, body: Buffer): Promise<number> {
  const t = Math.floor(Date.now() / MS_PER_SECOND);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'stripe-signature': sign(body.toString('utf8'), SECRET, t),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

interface Sent {
  sentAt: Map<string, number>;
  retried: number;
}

/** Sends one event until it is accepted (2xx), retrying a refusal as a webhook sender does. */
async function deliver(agent: Agent, url: string, run: string, seq: number, sent: Sent) {
  const body = disputeEvent(run, seq);
  sent.sentAt.set(`evt_${run}_${seq}`, performance.now());
  for (;;) {
    const status = await post(agent, url, body);
    if (status >= 200 && status < 300) return;
    sent.retried++;
    await sleep(RETRY_MS);
  }
}

async function flatOut(target: Target, run: string, sent: Sent): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const lane = async () => {
    while (next < EVENTS) await deliver(agent, target.url, run, next++, sent);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  agent.destroy();
}

async function paced(target: Target, run: string, sent: Sent): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 4 });
  const total = RATE * PACED_SECONDS;
  const perTick = (RATE * PACE_TICK_MS) / MS_PER_SECOND;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let seq = 0; seq < total;) {
    const due = Math.floor(((performance.now() - started) / PACE_TICK_MS + 1) * perTick);
    while (seq < Math.min(due, total)) pending.push(deliver(agent, target.url, run, seq++, sent));
    await sleep(PACE_TICK_MS);
  }
  await Promise.all(pending);
  agent.destroy();
}

async function waitForArrivals(arrivals: Map<string, number>, expected: number): Promise<void> {
  let last = arrivals.size;
  let lastChange = Date.now();
  while (arrivals.size < expected && Date.now() - lastChange < STALL_MS) {
    await sleep(100);
    if (arrivals.size !== last) {
      last = arrivals.size;
      lastChange = Date.now();
    }
  }
}

async function measure(
  variant: EndToEndRun['variant'],
  mode: EndToEndRun['mode'],
  start: (prefix: string) => Promise<Target>,
): Promise<EndToEndRun> {
  const prefix = `bench-e2e-${variant}-${randomBytes(3).toString('hex')}`;
  const target = await start(prefix);
  const sink = await collect(target.exchange);
  try {
    // Warm-up: the first requests pay for JIT, connections and lazily loaded modules.
    const warm: Sent = { sentAt: new Map(), retried: 0 };
    const warmRun = `w${randomBytes(3).toString('hex')}`;
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => deliver(agent, target.url, warmRun, i, warm)),
    );
    agent.destroy();
    await waitForArrivals(sink.arrivals, 50);
    sink.arrivals.clear();

    const run = randomBytes(4).toString('hex');
    const sent: Sent = { sentAt: new Map(), retried: 0 };
    const began = performance.now();
    await (mode === 'flat' ? flatOut(target, run, sent) : paced(target, run, sent));
    await waitForArrivals(sink.arrivals, sent.sentAt.size);
    const latencies: number[] = [];
    let lastArrival = began;
    for (const [eventId, at] of sink.arrivals) {
      const sentAt = sent.sentAt.get(eventId);
      if (sentAt === undefined) continue;
      latencies.push(at - sentAt);
      lastArrival = Math.max(lastArrival, at);
    }
    if (DUMP) {
      const rows = [...sent.sentAt].map(([id, at]) => {
        const arrived = sink.arrivals.get(id);
        return `${(at - began).toFixed(1)} ${arrived === undefined ? 'lost' : (arrived - at).toFixed(1)}`;
      });
      appendFileSync(
        DUMP,
        `# ${variant} ${mode} began ${(performance.timeOrigin + began).toFixed(1)}\n${rows.join('\n')}\n`,
      );
    }
    latencies.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      variant,
      mode,
      events: sent.sentAt.size,
      arrived: latencies.length,
      retried: sent.retried,
      perSecond: Math.round((latencies.length * MS_PER_SECOND) / (lastArrival - began)),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies[latencies.length - 1] ?? Number.NaN),
      peakRssMiB: round(peakRssMiB(target.pid)),
    };
  } finally {
    await sink.close().catch(() => undefined);
    await target.stop();
  }
}

export async function benchEndToEnd(progress: (s: string) => void): Promise<EndToEndResults> {
  const runs: EndToEndRun[] = [];
  for (const mode of ['flat', 'paced'] as const) {
    if (!MODES.includes(mode)) continue;
    for (const [variant, start] of [
      ['reference', startReference],
      ['hub', startShippedHub],
    ] as const) {
      if (!VARIANTS.includes(variant)) continue;
      const r = await measure(variant, mode, start);
      progress(
        `e2e ${mode} ${variant}: ${r.arrived}/${r.events} arrived, ${r.perSecond}/s, ` +
          `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.retried} retried, peak RSS ${r.peakRssMiB} MiB`,
      );
      runs.push(r);
    }
  }
  return { events: EVENTS, concurrency: CONCURRENCY, rate: RATE, runs };
}

if (require.main === module) {
  benchEndToEnd((s) => console.log(s))
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exit(0);
    })
    .catch((err) => {
      console.error(`bench e2e: ${(err as Error).stack ?? err}`);
      process.exit(1);
    });
}
