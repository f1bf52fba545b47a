/**
 * End-to-end pipeline benchmark on the local RabbitMQ (issue 10): the same events, sizes and
 * counts through
 *   1. bare    — a bare amqplib pipe doing the hub's hops, nothing else (the limit);
 *   2. hub     — the hub's pipeline worker (map → validate → score → publish, confirm, ack);
 *   3. nest    — the same flow built with stock @nestjs/microservices (ClientProxy.emit + @EventPattern).
 * Each worker runs in its own process so its peak RSS can be read. Reported as ratios measured in
 * this run; nothing here asserts a time.
 *
 *   npm run bench:pipeline            (EVENTS=5000 RATE=1000 RATE_SECONDS=5 BACKLOG=10000 to change the load)
 *
 * Passes, per variant:
 *   backlog    — BACKLOG events queued BEFORE the worker starts, then drained: the worker's own
 *                rate (first → last arrival) and its peak RSS with that many in flight;
 *   throughput — EVENTS published flat out (window of 256 unconfirmed), measured end to end;
 *   rate       — RATE events/s for RATE_SECONDS: latency ingest → downstream queue at that load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as amqp from 'amqplib';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  ConfirmPublisher,
  buildTopology,
  declareTopology,
  deleteTopology,
  sourceEventPublishOptions,
} from '@exhub/messaging';
import { scrape, startHub, type HubProcess } from '../hub-process';
import { correlationFor, cpuSeconds, disputeEvent, peakRssMiB, percentile, sleep } from './common';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
/**
 * Nagle's algorithm is off on the benchmark's own AMQP sockets (producer and bare worker), as it is
 * on the hub's since the profile showed small frames waiting ~40 ms for the peer's delayed ACK:
 * the bare pipe stays the limit. AMQP_NODELAY=0 measures what a default amqplib client gets.
 * Stock Nest is left as a Nest user gets it.
 */
export const SOCKET_OPTIONS = process.env.AMQP_NODELAY === '0' ? {} : { noDelay: true };
const EVENTS = Number(process.env.EVENTS ?? 5000);
const RATE = Number(process.env.RATE ?? 1000);
const RATE_SECONDS = Number(process.env.RATE_SECONDS ?? 5);
const BACKLOG = Number(process.env.BACKLOG ?? 10_000);
/** A second, lower offered rate (0 = skip): latency where every variant keeps up. */
const LOW_RATE = Number(process.env.LOW_RATE ?? 200);
const WINDOW = 256;
const DRAIN_TIMEOUT_MS = 120_000;
const ROOT = join(__dirname, '../../..');

export interface RunStats {
  events: number;
  received: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}
export interface VariantResult {
  name: 'bare' | 'hub' | 'nest';
  /** BACKLOG queued before the worker started; perSecond = first → last arrival. */
  backlog?: RunStats & {
    peakRssMiB: number;
    /** Confirmed publishes/s while queueing the backlog (nothing consuming): the producer side's limit. */
    publishPerSecond: number;
  };
  throughput: RunStats;
  atRate: RunStats & { rate: number };
  atLowRate?: RunStats & { rate: number };
  peakRssMiB: number;
  messageBytes: number;
  /**
   * CPU the worker process used per event over the backlog, flat-out and paced passes (user +
   * system, from /proc; bare and hub): comparable across loads where the rates are not.
   */
  cpuMsPerEvent?: number;
  /** Hub only: mean time per pipeline stage (exhub_stage_duration_seconds sum ÷ count), ms. */
  stageMeanMs?: Record<string, number>;
}

/** Sends events, collects arrivals by id, and turns them into throughput and latency. */
class Probe {
  private readonly sentAt = new Map<string, number>();
  private readonly latencies: number[] = [];
  private first = 0;
  private started = false;
  private firstArrival = 0;
  private last = 0;
  private waiter?: () => void;

  constructor(private readonly expected: number) {}

  sent(id: string): void {
    const now = performance.now();
    if (!this.started) {
      this.started = true;
      this.first = now;
    }
    this.sentAt.set(id, now);
  }

  arrived(id: string | undefined): void {
    const t0 = id === undefined ? undefined : this.sentAt.get(id);
    if (t0 === undefined) return;
    this.sentAt.delete(id as string);
    const now = performance.now();
    if (this.latencies.length === 0) this.firstArrival = now;
    this.latencies.push(now - t0);
    this.last = now;
    if (this.latencies.length >= this.expected) this.waiter?.();
  }

  /** `fromFirstArrival`: rate over first → last arrival (the drain rate of a queued backlog). */
  async done(fromFirstArrival = false): Promise<RunStats> {
    if (this.latencies.length < this.expected) {
      await Promise.race([new Promise<void>((r) => (this.waiter = r)), sleep(DRAIN_TIMEOUT_MS)]);
    }
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const seconds = (this.last - (fromFirstArrival ? this.firstArrival : this.first)) / 1000;
    return {
      events: this.expected,
      received: sorted.length,
      seconds: round(seconds, 3),
      perSecond: Math.round(sorted.length / seconds),
      p50Ms: round(percentile(sorted, 50), 2),
      p99Ms: round(percentile(sorted, 99), 2),
    };
  }
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs `send(i)` for i < count, either flat out with a bounded window or paced at `rate`/s. */
async function drive(
  count: number,
  rate: number | undefined,
  send: (i: number) => Promise<void>,
): Promise<void> {
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (rate) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    const p = send(i).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= WINDOW) await Promise.race(pending);
  }
  await Promise.all(pending);
}

function waitForReady(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited with ${code} before it was ready`)),
    );
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

/** Mean ms per stage from the hub's exhub_stage_duration_seconds histogram. */
async function stageMeans(port: number): Promise<Record<string, number>> {
  const m = await scrape(port, 'exhub_stage_duration_seconds_');
  const out: Record<string, number> = {};
  for (const [key, sum] of m) {
    const stage = /^exhub_stage_duration_seconds_sum\{stage="([^"]+)"\}$/.exec(key)?.[1];
    const count = stage && m.get(`exhub_stage_duration_seconds_count{stage="${stage}"}`);
    if (stage && count) out[stage] = round((sum / count) * 1000, 3);
  }
  return out;
}

function report(progress: (s: string) => void, name: string, label: string, stats: RunStats) {
  progress(
    `${name} ${label}: ${stats.received}/${stats.events} in ${stats.seconds}s, ${stats.perSecond}/s, p50 ${stats.p50Ms} ms, p99 ${stats.p99Ms} ms`,
  );
}

/** bare and hub share the hub's topology and producer: SourceEvents published to ingress with confirm. */
async function runOnTopology(
  name: 'bare' | 'hub',
  progress: (s: string) => void,
): Promise<VariantResult> {
  const run = `${name}${randomBytes(3).toString('hex')}`;
  const topology = buildTopology({ prefix: `bench-${run}` });
  const connection = await amqp.connect(AMQP_URL, SOCKET_OPTIONS);
  const admin = await connection.createChannel();
  await declareTopology(admin, topology);
  const downstream = await connection.createChannel();
  const { queue } = await downstream.assertQueue('', { exclusive: true });
  await downstream.bindQueue(queue, topology.names.exceptions, '#');
  const publisher = await ConfirmPublisher.create(connection, { maxInFlight: WINDOW });

  let probe = new Probe(BACKLOG);
  await downstream.consume(queue, (m) => m && probe.arrived(m.properties.correlationId), {
    noAck: true,
  });
  const messageBytes = disputeEvent(run, 0).length;
  const publishOne = async (label: string, i: number): Promise<void> => {
    const id = correlationFor(`${run}${label}`, i);
    const body = disputeEvent(`${run}${label}`, i);
    probe.sent(id);
    await publisher.publish(
      topology.names.ingress,
      '',
      body,
      sourceEventPublishOptions({
        eventId: `${run}${label}-${i}`,
        correlationId: id,
        connectorId: 'stripe',
        system: 'stripe',
        objectType: 'event',
        sourceEventId: `evt_${run}${label}_${i}`,
        receivedAt: new Date().toISOString(),
        contentType: 'application/json',
      }),
    );
  };

  const missing = async (label: string, stats: RunStats) => {
    if (stats.received >= stats.events) return;
    const depth = async (q: string) => `${q}=${(await admin.checkQueue(q)).messageCount}`;
    const queues = [
      topology.names.work,
      topology.names.dlq,
      ...topology.retryTiers.map((t) => t.queue),
    ];
    progress(
      `${name} ${label}: MISSING ${stats.events - stats.received}; queue depths: ${(await Promise.all(queues.map(depth))).join(' ')}`,
    );
    const dead = await admin.get(topology.names.dlq, { noAck: true });
    if (dead) progress(`first dead letter: ${JSON.stringify(dead.properties.headers)}`);
  };

  // The backlog is queued on exhub.work before the worker exists.
  const publishStart = performance.now();
  if (BACKLOG > 0) await drive(BACKLOG, undefined, (i) => publishOne('b', i));
  const publishPerSecond = Math.round(BACKLOG / ((performance.now() - publishStart) / 1000));

  let worker: ChildProcess | undefined;
  let hub: HubProcess | undefined;
  try {
    if (name === 'bare') {
      worker = fork(
        join(__dirname, 'bare-worker.js'),
        [AMQP_URL, topology.names.work, topology.names.exceptions],
        { stdio: 'pipe' },
      );
      await waitForReady(worker);
    } else {
      hub = await startHub({ roles: 'pipeline', prefix: topology.names.prefix, amqpUrl: AMQP_URL });
    }
    const pid = (hub?.pid ?? worker?.pid) as number;
    // Once the worker is ready: its start-up is not part of the per-event figure.
    const cpuAtStart = cpuSeconds(pid);
    let events = 0;

    let backlog: VariantResult['backlog'];
    if (BACKLOG > 0) {
      const stats = await probe.done(true);
      await missing('backlog', stats);
      backlog = { ...stats, peakRssMiB: round(peakRssMiB(pid), 1), publishPerSecond };
      events += stats.received;
      report(progress, name, `backlog ${BACKLOG} (drain rate)`, stats);
      progress(`${name} backlog: queued with confirms at ${publishPerSecond}/s (producer side)`);
    }

    const pass = async (label: string, count: number, rate?: number): Promise<RunStats> => {
      probe = new Probe(count);
      await drive(count, rate, (i) => publishOne(label, i));
      const stats = await probe.done();
      events += stats.received;
      await missing(label, stats);
      report(progress, name, label === 't' ? 'throughput' : `at ${rate}/s`, stats);
      return stats;
    };

    const throughput = await pass('t', EVENTS);
    const atRate = { ...(await pass('r', RATE * RATE_SECONDS, RATE)), rate: RATE };
    const atLowRate = LOW_RATE
      ? { ...(await pass('l', LOW_RATE * RATE_SECONDS, LOW_RATE)), rate: LOW_RATE }
      : undefined;
    const rss = peakRssMiB(pid);
    const cpuMsPerEvent = events ? round(((cpuSeconds(pid) - cpuAtStart) * 1000) / events, 3) : 0;
    progress(`${name} CPU: ${cpuMsPerEvent} ms per event (${events} events, user + system)`);
    const stageMeanMs = hub ? await stageMeans(hub.port) : undefined;
    if (stageMeanMs) progress(`hub mean ms per stage: ${JSON.stringify(stageMeanMs)}`);
    if (hub) {
      // The worker's group commits (EXHUB_WORKER_BATCH_MAX): how many deliveries each stored.
      const b = await scrape(hub.port, 'exhub_worker_batch_');
      const commits = b.get('exhub_worker_batch_deliveries_count') ?? 0;
      const deliveries = b.get('exhub_worker_batch_deliveries_sum') ?? 0;
      progress(
        `hub group commits: ${commits}, ${commits ? round(deliveries / commits, 1) : 0} deliveries each on average, ` +
          `${b.get('exhub_worker_batch_fallbacks_total') ?? 0} fallbacks`,
      );
    }
    return {
      name,
      backlog,
      throughput,
      atRate,
      atLowRate,
      peakRssMiB: round(rss, 1),
      messageBytes,
      cpuMsPerEvent,
      stageMeanMs,
    };
  } finally {
    if (worker) await stop(worker);
    await hub?.stop();
    await publisher.close().catch(() => undefined);
    await deleteTopology(admin, topology).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

/** Stock NestJS: ClientProxy.emit into the worker's queue, the worker emits to the out queue. */
async function runNest(progress: (s: string) => void): Promise<VariantResult> {
  const run = `nest${randomBytes(3).toString('hex')}`;
  const inQueue = `bench-${run}.in`;
  const outQueue = `bench-${run}.out`;
  const connection = await amqp.connect(AMQP_URL);
  const admin = await connection.createChannel();
  await admin.assertQueue(inQueue, { durable: true });
  await admin.assertQueue(outQueue, { durable: true });
  const client: ClientProxy = ClientProxyFactory.create({
    transport: Transport.RMQ,
    options: { urls: [AMQP_URL], queue: inQueue, queueOptions: { durable: true } },
  });
  await client.connect();

  let probe = new Probe(BACKLOG);
  const downstream = await connection.createChannel();
  await downstream.consume(
    outQueue,
    (m) => {
      if (!m) return;
      const { data } = JSON.parse(m.content.toString('utf8')) as { data: { id: string } };
      probe.arrived(data.id);
    },
    { noAck: true },
  );
  const messageBytes = disputeEvent(run, 0).length;
  const emitOne = async (label: string, i: number): Promise<void> => {
    const id = correlationFor(`${run}${label}`, i);
    probe.sent(id);
    await lastValueFrom(
      client.emit('source-event', {
        id,
        body: JSON.parse(disputeEvent(`${run}${label}`, i).toString('utf8')),
      }),
    );
  };

  const publishStart = performance.now();
  if (BACKLOG > 0) await drive(BACKLOG, undefined, (i) => emitOne('b', i));
  const publishPerSecond = Math.round(BACKLOG / ((performance.now() - publishStart) / 1000));
  const worker = fork(join(__dirname, 'nest-worker.js'), [AMQP_URL, inQueue, outQueue], {
    stdio: 'pipe',
  });
  try {
    await waitForReady(worker);
    let backlog: VariantResult['backlog'];
    if (BACKLOG > 0) {
      const stats = await probe.done(true);
      backlog = {
        ...stats,
        peakRssMiB: round(peakRssMiB(worker.pid as number), 1),
        publishPerSecond,
      };
      report(progress, 'nest', `backlog ${BACKLOG} (drain rate)`, stats);
    }
    const pass = async (label: string, count: number, rate?: number): Promise<RunStats> => {
      probe = new Probe(count);
      await drive(count, rate, (i) => emitOne(label, i));
      const stats = await probe.done();
      report(progress, 'nest', label === 't' ? 'throughput' : `at ${rate}/s`, stats);
      return stats;
    };
    const throughput = await pass('t', EVENTS);
    const atRate = { ...(await pass('r', RATE * RATE_SECONDS, RATE)), rate: RATE };
    const atLowRate = LOW_RATE
      ? { ...(await pass('l', LOW_RATE * RATE_SECONDS, LOW_RATE)), rate: LOW_RATE }
      : undefined;
    const rss = peakRssMiB(worker.pid as number);
    return {
      name: 'nest',
      backlog,
      throughput,
      atRate,
      atLowRate,
      peakRssMiB: round(rss, 1),
      messageBytes,
    };
  } finally {
    await stop(worker);
    await client.close();
    await admin.deleteQueue(inQueue).catch(() => undefined);
    await admin.deleteQueue(outQueue).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

export async function benchPipeline(
  progress: (s: string) => void = (s) => console.log(s),
): Promise<VariantResult[]> {
  const only = process.env.ONLY?.split(',');
  const results: VariantResult[] = [];
  if (!only || only.includes('bare')) results.push(await runOnTopology('bare', progress));
  if (!only || only.includes('hub')) results.push(await runOnTopology('hub', progress));
  if (!only || only.includes('nest')) results.push(await runNest(progress));
  return results;
}

if (require.main === module) {
  benchPipeline()
    .then((results) => {
      const out = join(ROOT, 'bench/results');
      mkdirSync(out, { recursive: true });
      writeFileSync(
        join(out, 'pipeline.json'),
        JSON.stringify(
          {
            at: new Date().toISOString(),
            events: EVENTS,
            rate: RATE,
            rateSeconds: RATE_SECONDS,
            backlog: BACKLOG,
            runs: [results],
          },
          null,
          2,
        ),
      );
      const by = Object.fromEntries(results.map((r) => [r.name, r]));
      if (by.hub && by.bare)
        console.log(
          `hub ÷ bare throughput: ${(by.hub.throughput.perSecond / by.bare.throughput.perSecond).toFixed(2)}`,
        );
      if (by.hub && by.nest)
        console.log(
          `hub ÷ stock Nest throughput: ${(by.hub.throughput.perSecond / by.nest.throughput.perSecond).toFixed(2)}`,
        );
      process.exit(0);
    })
    .catch((err) => {
      console.error(`bench: ${(err as Error).stack ?? err}`);
      process.exit(1);
    });
}
