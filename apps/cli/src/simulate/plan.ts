/**
 * Turns a scenario and a seed into events: which mix entry, which party, what amount and due
 * date, then the driver's kind shapes the payload. The same seed gives the same events in the
 * same order (only wall-clock timestamps differ between runs).
 */
import { Rng } from './prng';
import {
  SimulateError,
  type AmountSpec,
  type GenContext,
  type MixEntry,
  type Money,
  type PartySpec,
  type ReferenceData,
  type Scenario,
  type SimDriver,
  type SimParty,
  type SimPayload,
} from './types';
import { MS_PER_DAY } from '@exhub/core';

const CENTS = 100;
/** Mixes the run id's generator away from the event generator of the same seed. */
const RUN_ID_SALT = 0x5eed;

export interface PlannedEvent extends SimPayload {
  seq: number;
  amount: Money;
  party: SimParty;
  dueAt: Date;
}

/** The last day of `now`'s month, 00:00 UTC: the period end a month-end close is about. */
export function closeDateFor(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0));
}

export function drawAmount(rng: Rng, spec: AmountSpec): Money {
  const currencies = Object.entries(spec.currencies);
  const [currency] = rng.weighted(currencies, ([, w]) => w);
  const raw = rng.logNormal(spec.median, spec.sigma);
  const clamped = Math.min(spec.max ?? Infinity, Math.max(spec.min ?? 1, raw));
  const minor = Math.round(clamped * CENTS);
  return { value: (minor / CENTS).toFixed(2), currency, minor };
}

export function drawParty(rng: Rng, refs: ReferenceData, spec: PartySpec): SimParty {
  const [listed, tail] =
    spec.role === 'supplier'
      ? [refs.listedSuppliers, refs.tailSuppliers]
      : [refs.listedCustomers, refs.tailCustomers];
  const useListed = rng.chance(spec.listedShare) && listed.length > 0;
  return rng.pick(useListed || tail.length === 0 ? listed : tail);
}

export interface ScenarioPlan {
  /** Entries that will run, and the drivers they use. */
  entries: MixEntry[];
  drivers: string[];
  /** Entries left out because their driver is not registered (yet). */
  skipped: MixEntry[];
}

/** Which entries of `scenario` can run with `drivers`, restricted to `only` when given. */
export function planScenario(
  scenario: Scenario,
  drivers: Readonly<Record<string, SimDriver>>,
  only?: readonly string[],
): ScenarioPlan {
  for (const name of only ?? []) {
    if (!drivers[name]) {
      throw new SimulateError(
        `--connectors: no simulation driver "${name}"; known: ${Object.keys(drivers).join(', ')}`,
        2,
      );
    }
  }
  const entries: MixEntry[] = [];
  const skipped: MixEntry[] = [];
  for (const entry of scenario.mix) {
    const driver = drivers[entry.driver];
    if (driver && !driver.kinds[entry.kind]) {
      throw new SimulateError(
        `scenario ${scenario.name}: driver ${entry.driver} has no event kind "${entry.kind}"; it has ${Object.keys(driver.kinds).join(', ')}`,
      );
    }
    if (!driver || (only && !only.includes(entry.driver))) skipped.push(entry);
    else entries.push(entry);
  }
  if (entries.length === 0) {
    throw new SimulateError(
      `scenario ${scenario.name} has nothing to send with the drivers selected (${(only ?? Object.keys(drivers)).join(', ')}): its events come from ${[...new Set(scenario.mix.map((e) => e.driver))].join(', ')}`,
      2,
    );
  }
  return { entries, drivers: [...new Set(entries.map((e) => e.driver))], skipped };
}

/** Draws events from a plan, one per next(). */
export class EventGenerator {
  readonly runId: string;
  private readonly rng: Rng;
  private seq = 0;

  constructor(
    private readonly plan: ScenarioPlan,
    private readonly drivers: Readonly<Record<string, SimDriver>>,
    private readonly refs: ReferenceData,
    seed: number,
    private readonly closeDate?: Date,
  ) {
    this.rng = new Rng(seed);
    this.runId = new Rng(seed ^ RUN_ID_SALT).alnum(6).toUpperCase();
  }

  next(now: Date): PlannedEvent {
    const rng = this.rng;
    const seq = ++this.seq;
    const entry = rng.weighted(this.plan.entries, (e) => e.weight);
    const driver = this.drivers[entry.driver];
    const closeDate = this.closeDate ?? closeDateFor(now);
    const party = drawParty(rng, this.refs, entry.party);
    const amount = drawAmount(rng, entry.amount);
    const base = entry.due.relativeTo === 'close' ? closeDate : now;
    const dueAt = new Date(base.getTime() + rng.int(entry.due.from, entry.due.to) * MS_PER_DAY);
    const ctx: GenContext = { rng, now, closeDate, seq, runId: this.runId, amount, dueAt, party };
    const { objectType, body } = driver.kinds[entry.kind].generate(ctx);
    return {
      seq,
      driver: driver.id,
      kind: entry.kind,
      system: driver.system,
      objectType,
      contentType: driver.contentType,
      body,
      amount,
      party,
      dueAt,
    };
  }
}
