/**
 * Scale-out on PostgreSQL (issue 17): does a second hub process drain a backlog faster than one?
 *
 *   npm run bench:scaleout      (SCALEOUT_BACKLOG=10000 SCALEOUT_HUBS=1,2 SCALEOUT_PG_URL=postgres://…/test)
 *
 * Each pass: a fresh database (`exhub_bench_scaleout`, dropped and created again, migrated before
 * any hub starts) and a fresh topology; SCALEOUT_BACKLOG distinct Stripe dispute events published
 * to `exhub.ingress` with confirms; then N built hubs (`EXHUB_ROLES=pipeline`, the store on that
 * database) are started side by side and drain the work queue they share. The drain rate is
 * counted on a queue bound to `exhub.exceptions` (first → last arrival, as the pipeline backlog
 * pass counts it). Over the drain (from the first hub ready to the last arrival) it reads from
 * /proc the CPU seconds of each hub, of RabbitMQ (beam.smp), of PostgreSQL (the whole server, and
 * the backends of the bench's database) and of the whole machine, samples what the database's
 * backends were doing (pg_stat_activity) and afterwards checks the result: one exception per
 * event in the database and an audit chain that verifies. Nothing here asserts a time.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import {
  ConfirmPublisher,
  buildTopology,
  declareTopology,
  deleteTopology,
  sourceEventPublishOptions,
} from '@exhub/messaging';
import { openStore } from '@exhub/store';
import { ROOT, scrape, startHub, type HubProcess } from '../hub-process';
import { SOCKET_OPTIONS } from '../pipeline/run';
import { correlationFor, disputeEvent, percentile, sleep } from '../pipeline/common';
import { machineCpu, processCpu, serverCpuBetween, serverSnapshot } from './proc';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
/** Where to create the bench's database (any existing database to connect to first). */
const PG_ADMIN_URL = process.env.SCALEOUT_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DATABASE = 'exhub_bench_scaleout';
export const SCALEOUT_BACKLOG = Number(process.env.SCALEOUT_BACKLOG ?? 10_000);
const BACKLOG = SCALEOUT_BACKLOG;
const HUBS = (process.env.SCALEOUT_HUBS ?? '1,2').split(',').map(Number);
/**
 * Builds to compare in one run (an A/B), e.g. `dist-a,dist`: each hub count is run with each
 * build in turn. Default: the one the hubs start from (HUB_DIST, else dist).
 */
const BUILDS = (process.env.SCALEOUT_BUILDS ?? process.env.HUB_DIST ?? 'dist').split(',');
const WINDOW = 256;
const SAMPLE_MS = 250;
const DRAIN_TIMEOUT_MS = Number(process.env.SCALEOUT_TIMEOUT_MS ?? 300_000);

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

export interface ScaleoutPass {
  hubs: number;
  /** The build the hubs ran (SCALEOUT_BUILDS; dist unless an A/B; absent = dist). */
  build?: string;
  events: number;
  received: number;
  /** First → last arrival. */
  seconds: number;
  perSecond: number;
  /** Between the 10th and the 90th percentile arrival: leaves out the hubs' staggered start and the tail. */
  middlePerSecond: number;
  /** Last hub ready − first hub ready, and how many events had arrived by then. */
  readySkewMs: number;
  arrivedBeforeAllReady: number;
  /** CPU seconds over the drain (first hub ready → last arrival), from /proc. */
  cpu: {
    hubs: number[];
    broker: number;
    postgres: number;
    postgresBench: number;
    /** This load tool (consuming the arrivals, sampling the database). */
    bench: number;
    /** Whole machine: busy CPU seconds, and the CPU seconds there were (cores × wall time). */
    machineBusy: number;
    machineTotal: number;
  };
  /** Exceptions each hub published (its exhub_exceptions_published_total). */
  published: number[];
  /** Each hub's exhub_stage_failures_total (a store error or a serialisation failure shows here). */
  stageFailures: number[];
  /** Each hub's group commits (deliveries per commit on average) and fallbacks to one at a time. */
  batches: { commits: number; meanDeliveries: number; fallbacks: number }[];
  /** Mean number of the database's client backends in each state over the drain (pg_stat_activity). */
  pgActivity: Record<string, number>;
  /** pg_stat_database of the bench's database over the drain. */
  pg: { commits: number; rollbacks: number; deadlocks: number };
  /** After the drain: exception rows in the database and whether the audit chain verifies. */
  check: { exceptions: number; auditOk: boolean; auditEntries: number };
  loadavg: { start: number[]; end: number[] };
}

export interface ScaleoutRun {
  at: string;
  passes: ScaleoutPass[];
}

const load = () => loadavg().map((l) => round(l, 2));

function databaseUrl(): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function freshDatabase(): Promise<void> {
  await admin(async (c) => {
    await c.query(`drop database if exists ${DATABASE} with (force)`);
    await c.query(`create database ${DATABASE}`);
  });
  // Migrated here, so neither hub's start-up (nor their migration lock) is part of the drain.
  const store = await openStore(databaseUrl());
  await store.close();
}

async function dropDatabase(): Promise<void> {
  await admin((c) => c.query(`drop database if exists ${DATABASE} with (force)`)).catch(
    () => undefined,
  );
}

/** Samples pg_stat_activity for the bench's database until stopped. */
function activitySampler(): { stop(): Promise<Record<string, number>> } {
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const done = (async () => {
    const c = new Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      while (running) {
        const { rows } = await c.query<{
          state: string | null;
          wait_event_type: string | null;
          wait_event: string | null;
        }>(
          `select state, wait_event_type, wait_event from pg_stat_activity
            where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()`,
          [DATABASE],
        );
        samples++;
        for (const r of rows) {
          const key =
            r.state === 'active'
              ? r.wait_event_type
                ? `active, waiting on ${r.wait_event_type}:${r.wait_event}`
                : 'active, running'
              : (r.state ?? 'unknown');
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        await sleep(SAMPLE_MS);
      }
    } finally {
      await c.end();
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      const out: Record<string, number> = {};
      for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1])) {
        out[k] = round(n / Math.max(1, samples), 2);
      }
      return out;
    },
  };
}

async function pgDatabaseStats(): Promise<{
  commits: number;
  rollbacks: number;
  deadlocks: number;
}> {
  return admin(async (c) => {
    const { rows } = await c.query<{
      xact_commit: string;
      xact_rollback: string;
      deadlocks: string;
    }>('select xact_commit, xact_rollback, deadlocks from pg_stat_database where datname = $1', [
      DATABASE,
    ]);
    const r = rows[0];
    return {
      commits: Number(r?.xact_commit ?? 0),
      rollbacks: Number(r?.xact_rollback ?? 0),
      deadlocks: Number(r?.deadlocks ?? 0),
    };
  });
}

const sum = (m: Map<string, number>, prefix: string) =>
  [...m].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);

async function runPass(
  hubCount: number,
  build: string,
  progress: (s: string) => void,
): Promise<ScaleoutPass> {
  const run = `so${hubCount}${randomBytes(3).toString('hex')}`;
  await freshDatabase();
  const topology = buildTopology({ prefix: `bench-${run}` });
  const connection = await amqp.connect(AMQP_URL, SOCKET_OPTIONS);
  const channel = await connection.createChannel();
  await declareTopology(channel, topology);
  const downstream = await connection.createChannel();
  const { queue } = await downstream.assertQueue('', { exclusive: true });
  await downstream.bindQueue(queue, topology.names.exceptions, '#');
  const publisher = await ConfirmPublisher.create(connection, { maxInFlight: WINDOW });

  const expected = new Set<string>();
  const arrivals: number[] = [];
  let allArrived: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (allArrived = r));
  await downstream.consume(
    queue,
    (m) => {
      const id = m?.properties.correlationId as string | undefined;
      if (!id || !expected.delete(id)) return;
      arrivals.push(performance.now());
      if (expected.size === 0) allArrived();
    },
    { noAck: true },
  );

  // The backlog, queued on exhub.work before any hub exists.
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < BACKLOG; i++) {
    const id = correlationFor(run, i);
    expected.add(id);
    const p = publisher
      .publish(
        topology.names.ingress,
        '',
        disputeEvent(run, i),
        sourceEventPublishOptions({
          eventId: `${run}-${i}`,
          correlationId: id,
          connectorId: 'stripe',
          system: 'stripe',
          objectType: 'event',
          sourceEventId: `evt_${run}_${i}`,
          receivedAt: new Date().toISOString(),
          contentType: 'application/json',
        }),
      )
      .finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= WINDOW) await Promise.race(pending);
  }
  await Promise.all(pending);

  const hubs: HubProcess[] = [];
  const hubCpuAtReady = new Map<number, number>();
  const readyAt: number[] = [];
  let server0: ReturnType<typeof serverSnapshot> | undefined;
  let machine0: ReturnType<typeof machineCpu> | undefined;
  let bench0: NodeJS.CpuUsage | undefined;
  let pg0: Awaited<ReturnType<typeof pgDatabaseStats>> | undefined;
  let sampler: ReturnType<typeof activitySampler> | undefined;
  const loadStart = load();
  try {
    // Started side by side, as replicas are; the drain is measured from the first one ready.
    await Promise.all(
      Array.from({ length: hubCount }, () =>
        startHub({
          roles: 'pipeline',
          prefix: topology.names.prefix,
          amqpUrl: AMQP_URL,
          dist: build,
          env: { EXHUB_STORE_URL: databaseUrl() },
        }).then((hub) => {
          hubs.push(hub);
          readyAt.push(performance.now());
          hubCpuAtReady.set(hub.pid, processCpu(hub.pid) ?? Number.NaN);
          if (!server0) {
            server0 = serverSnapshot(DATABASE);
            machine0 = machineCpu();
            bench0 = process.cpuUsage();
            sampler = activitySampler();
          }
        }),
      ),
    );
    pg0 = await pgDatabaseStats();
    const arrivedBeforeAllReady = arrivals.length;
    const timedOut = await Promise.race([
      arrived.then(() => false),
      sleep(DRAIN_TIMEOUT_MS).then(() => true),
    ]);
    const server1 = serverSnapshot(DATABASE);
    const machine1 = machineCpu();
    const bench1 = process.cpuUsage(bench0);
    const hubCpu = hubs.map(
      (h) => (processCpu(h.pid) ?? Number.NaN) - (hubCpuAtReady.get(h.pid) ?? 0),
    );
    const pgActivity = (await sampler?.stop()) ?? {};
    sampler = undefined;
    const pg1 = await pgDatabaseStats();
    if (timedOut)
      progress(`scale-out ${hubCount} hub(s): only ${arrivals.length}/${BACKLOG} arrived in time`);

    const metrics = await Promise.all(hubs.map((h) => scrape(h.port, 'exhub_')));
    const server = serverCpuBetween(server0 as ReturnType<typeof serverSnapshot>, server1);
    const first = arrivals[0] ?? Number.NaN;
    const last = arrivals[arrivals.length - 1] ?? Number.NaN;
    const seconds = (last - first) / 1000;
    const lo = percentile(arrivals, 10);
    const hi = percentile(arrivals, 90);
    const middle = arrivals.filter((t) => t > lo && t <= hi).length;
    const result: Omit<ScaleoutPass, 'check'> = {
      hubs: hubCount,
      build,
      events: BACKLOG,
      received: arrivals.length,
      seconds: round(seconds, 3),
      perSecond: Math.round(arrivals.length / seconds),
      middlePerSecond: Math.round(middle / ((hi - lo) / 1000)),
      readySkewMs: Math.round(Math.max(...readyAt) - Math.min(...readyAt)),
      arrivedBeforeAllReady,
      cpu: {
        hubs: hubCpu.map((x) => round(x, 2)),
        broker: round(server.broker, 2),
        postgres: round(server.postgres, 2),
        postgresBench: round(server.postgresBench, 2),
        bench: round((bench1.user + bench1.system) / 1e6, 2),
        machineBusy: round(machine1.busy - (machine0?.busy ?? 0), 2),
        machineTotal: round(machine1.total - (machine0?.total ?? 0), 2),
      },
      published: metrics.map((m) => sum(m, 'exhub_exceptions_published_total')),
      stageFailures: metrics.map((m) => sum(m, 'exhub_stage_failures_total')),
      batches: metrics.map((m) => {
        const commits = m.get('exhub_worker_batch_deliveries_count') ?? 0;
        return {
          commits,
          meanDeliveries: commits
            ? round((m.get('exhub_worker_batch_deliveries_sum') ?? 0) / commits, 1)
            : 0,
          fallbacks: m.get('exhub_worker_batch_fallbacks_total') ?? 0,
        };
      }),
      pgActivity,
      pg: {
        commits: pg1.commits - (pg0?.commits ?? 0),
        rollbacks: pg1.rollbacks - (pg0?.rollbacks ?? 0),
        deadlocks: pg1.deadlocks - (pg0?.deadlocks ?? 0),
      },
      loadavg: { start: loadStart, end: load() },
    };
    for (const hub of hubs) await hub.stop();

    // What they left: one exception per event, and an audit chain that verifies.
    const store = await openStore(databaseUrl());
    let check: ScaleoutPass['check'];
    try {
      const audit = await store.verifyAudit();
      const c = new Client({ connectionString: databaseUrl() });
      await c.connect();
      const exceptions = await c
        .query<{ n: string }>('select count(*) as n from exceptions')
        .then((r) => Number(r.rows[0].n))
        .finally(() => c.end());
      check = { exceptions, auditOk: audit.ok, auditEntries: audit.entries };
    } finally {
      await store.close();
    }
    const pass: ScaleoutPass = { ...result, check };
    progress(describe(pass));
    return pass;
  } finally {
    await sampler?.stop().catch(() => undefined);
    for (const hub of hubs) await hub.stop();
    await publisher.close().catch(() => undefined);
    await deleteTopology(channel, topology).catch(() => undefined);
    await connection.close().catch(() => undefined);
    await dropDatabase();
  }
}

export function describe(p: ScaleoutPass): string {
  const c = p.cpu;
  const hubsCpu = c.hubs.reduce((s, x) => s + x, 0);
  return [
    `scale-out ${p.hubs} hub(s)${p.build === 'dist' ? '' : ` of ${p.build}`}: ${p.received}/${p.events} in ${p.seconds}s, ${p.perSecond}/s ` +
      `(10th–90th percentile arrival: ${p.middlePerSecond}/s); hubs ready ${p.readySkewMs} ms apart`,
    `  CPU s over the drain: hubs ${c.hubs.join(' + ')}, RabbitMQ ${c.broker}, PostgreSQL ${c.postgres} ` +
      `(the bench database's backends ${c.postgresBench}), bench ${c.bench}; ` +
      `machine busy ${c.machineBusy} of ${c.machineTotal} (${Math.round((100 * c.machineBusy) / c.machineTotal)} %), ` +
      `other processes ${round(c.machineBusy - hubsCpu - c.broker - c.postgres - c.bench, 2)}`,
    `  published per hub ${p.published.join(' / ')}; stage failures ${p.stageFailures.join(' / ')}; ` +
      `group commits ${p.batches.map((b) => `${b.commits} × ${b.meanDeliveries}`).join(' / ')}, ` +
      `fallbacks ${p.batches.map((b) => b.fallbacks).join(' / ')}`,
    `  PostgreSQL: ${p.pg.commits} commits, ${p.pg.rollbacks} rollbacks, ${p.pg.deadlocks} deadlocks; ` +
      `backends on average: ${JSON.stringify(p.pgActivity)}`,
    `  after: ${p.check.exceptions} exceptions stored, audit chain ${p.check.auditOk ? 'verifies' : 'BROKEN'} ` +
      `(${p.check.auditEntries} entries); load average ${p.loadavg.start.join(' ')} → ${p.loadavg.end.join(' ')}`,
  ].join('\n');
}

/**
 * One run: a pass per hub count in SCALEOUT_HUBS (default 1 then 2) and build in SCALEOUT_BUILDS;
 * `reverse` runs them the other way round, so repeats can alternate the order and a drift of the
 * shared machine's load does not always favour the same one.
 */
export async function benchScaleout(
  progress: (s: string) => void = (s) => console.log(s),
  reverse = false,
): Promise<ScaleoutRun> {
  const passes: ScaleoutPass[] = [];
  for (const n of reverse ? [...HUBS].reverse() : HUBS) {
    for (const build of reverse ? [...BUILDS].reverse() : BUILDS) {
      passes.push(await runPass(n, build, progress));
    }
  }
  passes.sort((a, b) => a.hubs - b.hubs);
  for (const build of BUILDS) {
    const one = passes.find((p) => p.hubs === 1 && p.build === build);
    const two = passes.find((p) => p.hubs === 2 && p.build === build);
    if (one && two) {
      progress(
        `scale-out${build === 'dist' ? '' : ` (${build})`}: two ÷ one = ${(two.perSecond / one.perSecond).toFixed(2)} ` +
          `(10th–90th percentile: ${(two.middlePerSecond / one.middlePerSecond).toFixed(2)})`,
      );
    }
  }
  return { at: new Date().toISOString(), passes };
}

if (require.main === module) {
  const repeats = Math.max(1, Number(process.env.BENCH_REPEATS ?? 1));
  (async () => {
    const runs: ScaleoutRun[] = [];
    for (let i = 0; i < repeats; i++) runs.push(await benchScaleout(undefined, i % 2 === 1));
    const out = join(ROOT, 'bench/results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'scaleout.json'),
      `${JSON.stringify({ at: new Date().toISOString(), backlog: BACKLOG, runs }, null, 2)}\n`,
    );
  })()
    .then(() => process.exit(0))
    .catch((err) => {
      console.error(`bench: ${(err as Error).stack ?? err}`);
      process.exit(1);
    });
}
