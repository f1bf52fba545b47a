/**
 * End-to-end pipeline benchmark on the local RabbitMQ (issue 10): the same events, sizes and
 * counts through
 *   1. bare    — a bare amqplib pipe doing the hub's hops, nothing else (the limit);
 *   2. hub     — the hub's pipeline worker (map → validate → score → publish, confirm, ack);
 *   3. nest    — the same flow built with stock @nestjs/microservices (ClientProxy.emit + @EventPattern).
 * Each worker runs in its own process so its peak RSS can be read. Reported as ratios measured in
 * this run; nothing here asserts a time.
 *
 *   npm run bench:pipeline            (EVENTS=5000 RATE=1000 RATE_SECONDS=5 to change the load)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
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
} from '../../libs/messaging/src';
import { correlationFor, disputeEvent, peakRssMiB, percentile, sleep } from './common';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const EVENTS = Number(process.env.EVENTS ?? 5000);
const RATE = Number(process.env.RATE ?? 1000);
const RATE_SECONDS = Number(process.env.RATE_SECONDS ?? 5);
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
  throughput: RunStats;
  atRate: RunStats & { rate: number };
  peakRssMiB: number;
  messageBytes: number;
}

/** Sends events, collects arrivals by id, and turns them into throughput and latency. */
class Probe {
  private readonly sentAt = new Map<string, number>();
  private readonly latencies: number[] = [];
  private first = 0;
  private last = 0;
  private waiter?: () => void;

  constructor(private readonly expected: number) {}

  sent(id: string): void {
    const now = performance.now();
    if (this.sentAt.size === 0) this.first = now;
    this.sentAt.set(id, now);
  }

  arrived(id: string | undefined): void {
    const t0 = id === undefined ? undefined : this.sentAt.get(id);
    if (t0 === undefined) return;
    this.sentAt.delete(id as string);
    const now = performance.now();
    this.latencies.push(now - t0);
    this.last = now;
    if (this.latencies.length >= this.expected) this.waiter?.();
  }

  async done(): Promise<RunStats> {
    if (this.latencies.length < this.expected) {
      await Promise.race([new Promise<void>((r) => (this.waiter = r)), sleep(DRAIN_TIMEOUT_MS)]);
    }
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const seconds = (this.last - this.first) / 1000;
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

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not print ${pattern} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      if (pattern.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
    child.once('exit', (code) =>
      reject(new Error(`worker exited with ${code} before it was ready`)),
    );
  });
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

/** bare and hub share the hub's topology and producer: SourceEvents published to ingress with confirm. */
async function runOnTopology(
  name: 'bare' | 'hub',
  progress: (s: string) => void,
): Promise<VariantResult> {
  const run = `${name}${randomBytes(3).toString('hex')}`;
  const topology = buildTopology({ prefix: `bench-${run}` });
  const connection = await amqp.connect(AMQP_URL);
  const admin = await connection.createChannel();
  await declareTopology(admin, topology);
  const downstream = await connection.createChannel();
  const { queue } = await downstream.assertQueue('', { exclusive: true });
  await downstream.bindQueue(queue, topology.names.exceptions, '#');
  const publisher = await ConfirmPublisher.create(connection, { maxInFlight: WINDOW });

  const worker =
    name === 'bare'
      ? fork(
          join(__dirname, 'bare-worker.js'),
          [AMQP_URL, topology.names.work, topology.names.exceptions],
          { stdio: 'pipe' },
        )
      : spawn(
          process.execPath,
          [
            ...(process.env.HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
            join(ROOT, 'dist/apps/hub/src/main.js'),
          ],
          {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: {
              ...process.env,
              AMQP_URL,
              EXHUB_TOPOLOGY_PREFIX: topology.names.prefix,
              EXHUB_ROLES: 'pipeline',
              PORT: '0',
              LOG_LEVEL: 'info',
            },
          },
        );
  await (name === 'bare' ? waitForReady(worker) : waitForLine(worker, /pipeline worker consuming/));
  if (name === 'hub') worker.stdout?.resume();

  let probe!: Probe;
  await downstream.consume(queue, (m) => m && probe.arrived(m.properties.correlationId), {
    noAck: true,
  });
  const messageBytes = disputeEvent(run, 0).length;

  const pass = async (label: string, count: number, rate?: number): Promise<RunStats> => {
    probe = new Probe(count);
    await drive(count, rate, async (i) => {
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
    });
    const stats = await probe.done();
    if (stats.received < count) {
      const depth = async (q: string) => `${q}=${(await admin.checkQueue(q)).messageCount}`;
      const queues = [
        topology.names.work,
        topology.names.dlq,
        ...topology.retryTiers.map((t) => t.queue),
      ];
      progress(
        `${name} ${label}: MISSING ${count - stats.received}; queue depths: ${(await Promise.all(queues.map(depth))).join(' ')}`,
      );
      const dead = await admin.get(topology.names.dlq, { noAck: true });
      if (dead) progress(`first dead letter: ${JSON.stringify(dead.properties.headers)}`);
    }
    progress(
      `${name} ${label}: ${stats.received}/${count} in ${stats.seconds}s, ${stats.perSecond}/s, p50 ${stats.p50Ms} ms, p99 ${stats.p99Ms} ms`,
    );
    return stats;
  };

  try {
    const throughput = await pass('t', EVENTS);
    const atRate = { ...(await pass('r', RATE * RATE_SECONDS, RATE)), rate: RATE };
    const rss = peakRssMiB(worker.pid as number);
    return { name, throughput, atRate, peakRssMiB: round(rss, 1), messageBytes };
  } finally {
    await stop(worker);
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
  const worker = fork(join(__dirname, 'nest-worker.js'), [AMQP_URL, inQueue, outQueue], {
    stdio: 'pipe',
  });
  await waitForReady(worker);
  const client: ClientProxy = ClientProxyFactory.create({
    transport: Transport.RMQ,
    options: { urls: [AMQP_URL], queue: inQueue, queueOptions: { durable: true } },
  });
  await client.connect();

  let probe!: Probe;
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

  const pass = async (label: string, count: number, rate?: number): Promise<RunStats> => {
    probe = new Probe(count);
    await drive(count, rate, async (i) => {
      const id = correlationFor(`${run}${label}`, i);
      probe.sent(id);
      await lastValueFrom(
        client.emit('source-event', {
          id,
          body: JSON.parse(disputeEvent(`${run}${label}`, i).toString('utf8')),
        }),
      );
    });
    const stats = await probe.done();
    progress(
      `nest ${label}: ${stats.received}/${count} in ${stats.seconds}s, ${stats.perSecond}/s, p50 ${stats.p50Ms} ms, p99 ${stats.p99Ms} ms`,
    );
    return stats;
  };

  try {
    const throughput = await pass('t', EVENTS);
    const atRate = { ...(await pass('r', RATE * RATE_SECONDS, RATE)), rate: RATE };
    const rss = peakRssMiB(worker.pid as number);
    return { name: 'nest', throughput, atRate, peakRssMiB: round(rss, 1), messageBytes };
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
          { at: new Date().toISOString(), events: EVENTS, rate: RATE, results },
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
