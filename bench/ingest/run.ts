/**
 * Webhook ingest benchmark (issue 10): the built hub in its own process, on its own topology
 * prefix, driven by autocannon from a second process (load.ts) on loopback. Every request is a
 * distinct Stripe event with its own valid signature, so the hub verifies, parses, dedupes and
 * publishes each one with a broker confirm before answering 202.
 *
 *   1. EXHUB_ROLES=ingress — ingest alone;
 *   2. EXHUB_ROLES=all     — ingest while the pipeline worker drains the same events (in its
 *                            worker thread; EXHUB_WORKER_THREAD=off here puts it on the HTTP loop);
 *   3. outage              — steady load, the broker's memory alarm raised for a few seconds
 *                            (RSS before / during / after, the 503 count).
 *
 * Env: INGEST_SECONDS [10], INGEST_CONNECTIONS [50], OUTAGE_RATE [500], OUTAGE_HOLD_MS [1000],
 * INGEST_ONLY=ingress,all,outage, INGEST_STORE_URL (default: a fresh SQLite file per hub).
 * Nothing here asserts a time.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { buildTopology, deleteTopology } from '@exhub/messaging';
import { ROOT, scrape, startHub, type HubProcess } from '../hub-process';
import { cpuSeconds, peakRssMiB, rssMiB, sleep } from '../pipeline/common';
import { withMemoryAlarm } from './broker-alarm';
import type { LoadOptions, LoadResult } from './load';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const SECONDS = Number(process.env.INGEST_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.INGEST_CONNECTIONS ?? 50);
const OUTAGE_RATE = Number(process.env.OUTAGE_RATE ?? 500);
/** Pause between the alarm being set and the restore starting; each rabbitmqctl call adds ~2 s. */
const OUTAGE_HOLD_MS = Number(process.env.OUTAGE_HOLD_MS ?? 1000);
const OUTAGE_STEADY_MS = 4000;
const STORE_URL = process.env.INGEST_STORE_URL;
const RSS_SAMPLE_MS = 100;
const SECRET = `whsec_bench_${randomBytes(8).toString('hex')}`;

export interface IngestRun {
  roles: string;
  connections: number;
  load: LoadResult;
  hubPeakRssMiB: number;
  /**
   * The hub process's CPU (user + system, all its threads) over the measured load ÷ its 2xx
   * answers, in ms: steadier than the rate on a shared machine. With roles=all it includes the
   * pipeline's work on the events it drained meanwhile.
   */
  hubCpuMsPerRequest?: number;
  /** Events the pipeline published while the load ran (roles=all). */
  pipelinePublished?: number;
}

export interface OutageRun {
  rate: number;
  previousWatermark: string;
  alarmWindowMs: number;
  rssMiB: { before: number; duringMax: number; afterMax: number; afterEnd: number };
  hubPeakRssMiB: number;
  load: LoadResult;
  status: Record<string, number>;
  /** 503s between first and last, ms since the load started. */
  first503Ms?: number;
  last503Ms?: number;
  blockedSeenByHub: boolean;
}

export interface IngestResults {
  runs: IngestRun[];
  outage?: OutageRun;
}

function load(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'load.js'), [JSON.stringify(options)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load tool exited with ${code}`));
    });
  });
}

async function withHub<T>(
  roles: string,
  fn: (hub: HubProcess) => Promise<T>,
  watch?: RegExp,
): Promise<T> {
  const prefix = `bench-ingest-${roles}-${randomBytes(3).toString('hex')}`;
  const hub = await startHub({
    roles,
    prefix,
    amqpUrl: AMQP_URL,
    env: {
      STRIPE_WEBHOOK_SECRET: SECRET,
      // The embedded store by default (the hub as shipped); INGEST_STORE_URL=postgres://… measures
      // the dedupe writes on PostgreSQL instead (a database of its own: the hub migrates it).
      ...(STORE_URL ? { EXHUB_STORE_URL: STORE_URL } : {}),
    },
    watch,
  });
  try {
    return await fn(hub);
  } finally {
    await hub.stop();
    try {
      const connection = await amqp.connect(AMQP_URL);
      const channel = await connection.createChannel();
      await deleteTopology(channel, buildTopology({ prefix })).catch(() => undefined);
      await connection.close().catch(() => undefined);
    } catch (err) {
      console.error(`bench: could not delete topology ${prefix}: ${(err as Error).message}`);
    }
  }
}

async function published(port: number): Promise<number> {
  const metrics = await scrape(port, 'exhub_exceptions_published_total');
  return [...metrics.values()].reduce((a, b) => a + b, 0);
}

async function ingestRun(roles: string, progress: (s: string) => void): Promise<IngestRun> {
  return withHub(roles, async (hub) => {
    const url = `http://127.0.0.1:${hub.port}/v1/ingest/stripe`;
    const result = await load({
      url,
      secret: SECRET,
      run: `w${randomBytes(3).toString('hex')}`,
      durationSeconds: 1,
      connections: 5,
    }); // warm-up
    if (result.non2xx > 0) progress(`ingest ${roles}: warm-up had ${result.non2xx} non-2xx`);
    const before = roles === 'ingress' ? 0 : await published(hub.port);
    const cpuBefore = cpuSeconds(hub.pid);
    const run = await load({
      url,
      secret: SECRET,
      run: randomBytes(4).toString('hex'),
      durationSeconds: SECONDS,
      connections: CONNECTIONS,
    });
    const cpu = cpuSeconds(hub.pid) - cpuBefore;
    const after = roles === 'ingress' ? undefined : (await published(hub.port)) - before;
    const accepted = run.requests - run.non2xx;
    const out: IngestRun = {
      roles,
      connections: CONNECTIONS,
      load: { ...run, non2xxAtMs: run.non2xxAtMs.slice(0, 20) },
      hubPeakRssMiB: Math.round(peakRssMiB(hub.pid) * 10) / 10,
      hubCpuMsPerRequest:
        accepted > 0 ? Math.round((cpu * 1000 * 1000) / accepted) / 1000 : undefined,
      pipelinePublished: after,
    };
    progress(
      `ingest roles=${roles}: ${run.perSecond} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
        `non-2xx ${run.non2xx} ${JSON.stringify(run.statusCodes)}, errors ${run.errors}, ` +
        `hub peak RSS ${out.hubPeakRssMiB} MiB, hub CPU ${out.hubCpuMsPerRequest} ms per 2xx` +
        (after !== undefined ? `, pipeline published ${after} meanwhile` : ''),
    );
    return out;
  });
}

async function outageRun(progress: (s: string) => void): Promise<OutageRun> {
  return withHub(
    'ingress',
    async (hub) => {
      const url = `http://127.0.0.1:${hub.port}/v1/ingest/stripe`;
      const samples: { atMs: number; rss: number; phase: 'before' | 'during' | 'after' }[] = [];
      let phase: 'before' | 'during' | 'after' = 'before';
      const t0 = Date.now();
      const sampler = setInterval(
        () => samples.push({ atMs: Date.now() - t0, rss: rssMiB(hub.pid), phase }),
        RSS_SAMPLE_MS,
      );
      const totalSeconds = Math.ceil((OUTAGE_STEADY_MS * 2 + OUTAGE_HOLD_MS + 6000) / 1000);
      const loading = load({
        url,
        secret: SECRET,
        run: randomBytes(4).toString('hex'),
        durationSeconds: totalSeconds,
        connections: CONNECTIONS,
        overallRate: OUTAGE_RATE,
      });
      await sleep(OUTAGE_STEADY_MS);
      const alarmAtMs = Date.now() - t0;
      let alarm: { previous: string; windowMs: number };
      try {
        const r = await withMemoryAlarm(async () => {
          phase = 'during';
          await sleep(OUTAGE_HOLD_MS);
        });
        alarm = { previous: r.previous, windowMs: r.windowMs };
      } finally {
        phase = 'after';
      }
      const result = await loading;
      clearInterval(sampler);
      const max = (p: string) =>
        Math.max(...samples.filter((s) => s.phase === p).map((s) => s.rss));
      const before = samples.filter((s) => s.phase === 'before');
      const status = result.statusCodes;
      const out: OutageRun = {
        rate: OUTAGE_RATE,
        previousWatermark: alarm.previous,
        alarmWindowMs: alarm.windowMs,
        rssMiB: {
          before: Math.round(before[before.length - 1].rss),
          duringMax: Math.round(max('during')),
          afterMax: Math.round(max('after')),
          afterEnd: Math.round(samples[samples.length - 1].rss),
        },
        hubPeakRssMiB: Math.round(peakRssMiB(hub.pid) * 10) / 10,
        load: { ...result, non2xxAtMs: [] },
        status,
        first503Ms: result.non2xxAtMs[0],
        last503Ms: result.non2xxAtMs[result.non2xxAtMs.length - 1],
        blockedSeenByHub: hub.seen.length > 0,
      };
      progress(
        `outage: alarm from ${alarmAtMs} ms for ${alarm.windowMs} ms (set → restored to ${alarm.previous}); ` +
          `status ${JSON.stringify(status)}; 503s from ${out.first503Ms} to ${out.last503Ms} ms; ` +
          `hub RSS before ${out.rssMiB.before} MiB, during max ${out.rssMiB.duringMax}, after max ${out.rssMiB.afterMax}, ` +
          `end ${out.rssMiB.afterEnd}; p99 ${result.p99Ms} ms; hub saw blocked: ${out.blockedSeenByHub}`,
      );
      return out;
    },
    /broker blocked the connection/,
  );
}

export async function benchIngest(
  progress: (s: string) => void = (s) => console.log(s),
): Promise<IngestResults> {
  const only = process.env.INGEST_ONLY?.split(',');
  const runs: IngestRun[] = [];
  for (const roles of ['ingress', 'all']) {
    if (!only || only.includes(roles)) runs.push(await ingestRun(roles, progress));
  }
  let outage: OutageRun | undefined;
  if (!only || only.includes('outage')) {
    outage = await outageRun(progress).catch((err: Error) => {
      progress(`outage: SKIPPED — ${err.message}`);
      return undefined;
    });
  }
  return { runs, outage };
}

if (require.main === module) {
  benchIngest()
    .then((results) => {
      const out = join(ROOT, 'bench/results');
      mkdirSync(out, { recursive: true });
      writeFileSync(
        join(out, 'ingest.json'),
        JSON.stringify({ at: new Date().toISOString(), runs: [results] }, null, 2),
      );
      process.exit(0);
    })
    .catch((err) => {
      console.error(`bench: ${(err as Error).stack ?? err}`);
      process.exit(1);
    });
}
