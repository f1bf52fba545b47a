/**
 * Runs a scenario against a hub: events at a steady rate for a duration, each delivered by its
 * connector's driver, at most `concurrency` in flight, with counts for the progress line and the
 * summary. Stops early, with the reason, when the first deliveries are all refused (a wrong
 * secret or connector id would otherwise fail the same way thousands of times).
 */
import { DEFAULT_CONCURRENCY, DEFAULT_REQUEST_TIMEOUT_MS } from './constants';
import { SIM_DRIVERS } from './drivers';
import { checkHub } from './hub-client';
import { EventGenerator, planScenario, type PlannedEvent, type ScenarioPlan } from './plan';
import {
  type Delivery,
  type DeliveryOutcome,
  type DriverSession,
  type ReferenceData,
  type Scenario,
  type SimDriver,
} from './types';
import { MS_PER_SECOND } from '@exhub/core';

/** After this many answers with nothing accepted, the run stops with the first refusal. */
const FAIL_FAST_AFTER = 10;

export type Counts = Record<'sent' | DeliveryOutcome, number>;

export interface SimulationStats extends Counts {
  planned: number;
  /** Deliveries answered (any outcome). */
  done: number;
  byDriver: Record<string, Counts>;
  byKind: Record<string, number>;
  /** "<driver> <status>: <detail>" → count. */
  refusals: Record<string, number>;
  startedAt: number;
  elapsedMs: number;
}

export interface SimulationOptions {
  scenario: Scenario;
  refs: ReferenceData;
  seed: number;
  /** Events per second. */
  rate: number;
  durationMs: number;
  hubUrl: string;
  env: Record<string, string | undefined>;
  /** Only these drivers (default: every driver the scenario names that is registered). */
  connectors?: string[];
  drivers?: Readonly<Record<string, SimDriver>>;
  concurrency?: number;
  timeoutMs?: number;
  closeDate?: Date;
  signal?: AbortSignal;
  /** Called once the plan is known and every driver connected. */
  onStart?(
    plan: ScenarioPlan,
    sessions: Record<string, DriverSession>,
    stats: SimulationStats,
  ): void;
  onProgress?(stats: SimulationStats): void;
  /** Every delivery, with what was sent (tests, logs). */
  onDelivery?(event: PlannedEvent, delivery: Delivery): void;
}

export interface SimulationResult {
  stats: SimulationStats;
  plan: ScenarioPlan;
  runId: string;
  /** Set when the run stopped before sending everything: why. */
  stopped?: string;
}

const zero = (): Counts => ({ sent: 0, accepted: 0, duplicate: 0, rejected: 0, failed: 0 });

/** `30s`, `2m`, `1h`, `90` (seconds) → ms; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] as number;
  const ms = Number(m[1]) * unit;
  return ms > 0 ? ms : undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export async function runSimulation(o: SimulationOptions): Promise<SimulationResult> {
  const drivers = o.drivers ?? SIM_DRIVERS;
  const timeoutMs = o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const plan = planScenario(o.scenario, drivers, o.connectors);
  await checkHub(o.hubUrl, timeoutMs);
  const sessions: Record<string, DriverSession> = {};
  for (const id of plan.drivers) {
    sessions[id] = await drivers[id].connect({
      hubUrl: o.hubUrl,
      env: o.env,
      timeoutMs,
      refs: o.refs,
    });
  }
  const generator = new EventGenerator(plan, drivers, o.refs, o.seed, o.closeDate);
  const planned = Math.max(1, Math.round((o.rate * o.durationMs) / MS_PER_SECOND));
  const stats: SimulationStats = {
    ...zero(),
    planned,
    done: 0,
    byDriver: Object.fromEntries(plan.drivers.map((d) => [d, zero()])),
    byKind: {},
    refusals: {},
    startedAt: Date.now(),
    elapsedMs: 0,
  };
  o.onStart?.(plan, sessions, stats);

  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const inFlight = new Set<Promise<void>>();
  let stopped: string | undefined;
  const interval = MS_PER_SECOND / o.rate;

  const deliver = async (event: PlannedEvent) => {
    const delivery = await sessions[event.driver].deliver(event);
    stats[delivery.outcome]++;
    stats.byDriver[event.driver][delivery.outcome]++;
    stats.done++;
    if (delivery.outcome === 'rejected' || delivery.outcome === 'failed') {
      const key = `${event.driver} ${delivery.status ?? 'no answer'}: ${delivery.detail ?? ''}`;
      stats.refusals[key] = (stats.refusals[key] ?? 0) + 1;
    }
    if (!stopped && stats.done >= FAIL_FAST_AFTER && stats.accepted + stats.duplicate === 0) {
      const [first] = Object.entries(stats.refusals).sort((a, b) => b[1] - a[1]);
      stopped = `the first ${stats.done} events were all refused (${first?.[0] ?? 'unknown'})`;
    }
    stats.elapsedMs = Date.now() - stats.startedAt;
    o.onDelivery?.(event, delivery);
    o.onProgress?.(stats);
  };

  for (let i = 0; i < planned && !stopped && !o.signal?.aborted; i++) {
    await sleep(stats.startedAt + i * interval - Date.now(), o.signal);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (stopped || o.signal?.aborted) break;
    const event = generator.next(new Date());
    stats.sent++;
    stats.byDriver[event.driver].sent++;
    stats.byKind[`${event.driver}/${event.kind}`] =
      (stats.byKind[`${event.driver}/${event.kind}`] ?? 0) + 1;
    const p: Promise<void> = deliver(event).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  stats.elapsedMs = Date.now() - stats.startedAt;
  if (!stopped && o.signal?.aborted) stopped = 'interrupted';
  return { stats, plan, runId: generator.runId, ...(stopped && { stopped }) };
}
