/**
 * The scenario engine's contracts. A scenario is data (scenarios.ts): a weighted mix of event
 * kinds, each naming a connector driver and one of its kinds, with how amounts, due dates and
 * parties are drawn. A driver (drivers/<connector>.driver.ts) knows one source system: how each
 * of its event kinds looks on the wire, and how to deliver it the way the real source does.
 */
import type { ExceptionType } from '@exhub/canonical';
import type { Rng } from './prng';

/** A supplier or customer the simulation uses: listed ones come from the lookup tables. */
export interface SimParty {
  id: string;
  name: string;
  /** Criticality (suppliers) or tier (customers) as the lookup table gives it; absent when unlisted. */
  tier?: string;
}

export interface ReferenceData {
  /** Suppliers of supplier-criticality.csv, with their criticality. */
  listedSuppliers: SimParty[];
  /** Customers of customer-tiers.csv, with their tier. */
  listedCustomers: SimParty[];
  /** Suppliers and customers no table lists (the long tail). */
  tailSuppliers: SimParty[];
  tailCustomers: SimParty[];
}

export interface Money {
  /** Decimal string with two decimals, e.g. "12500.00". */
  value: string;
  /** ISO 4217, upper case. */
  currency: string;
  /** The amount in minor units (cents), as Stripe sends it. */
  minor: number;
}

/** How one mix entry draws its amounts: log-normal around `median`, in one of `currencies`. */
export interface AmountSpec {
  median: number;
  /** Spread of the logarithm: 0.5 narrow, 1.2 wide. */
  sigma: number;
  /** Currency → weight; two-decimal currencies only. */
  currencies: Record<string, number>;
  min?: number;
  max?: number;
}

/**
 * Due date in whole days, uniform in [from, to], counted from the period-end (close) date or
 * from the moment the event is sent.
 */
export interface DueSpec {
  relativeTo: 'close' | 'now';
  from: number;
  to: number;
}

/** Which party the event concerns, and how often it is one the lookup tables list. */
export interface PartySpec {
  role: 'supplier' | 'customer';
  /** Share of events whose party is listed (tier / criticality known), 0–1. */
  listedShare: number;
}

export interface MixEntry {
  /** A driver id (drivers/index.ts), e.g. `sap-s4`. */
  driver: string;
  /** One of that driver's event kinds. */
  kind: string;
  weight: number;
  amount: AmountSpec;
  due: DueSpec;
  party: PartySpec;
}

export interface Scenario {
  name: string;
  description: string;
  mix: MixEntry[];
}

/** What a driver's kind is given to build one event. */
export interface GenContext {
  rng: Rng;
  /** When the event is sent (planned). */
  now: Date;
  /** The period end the scenario is about (month-end close: the last day of the month). */
  closeDate: Date;
  /** 1-based number of the event in the run. */
  seq: number;
  /** Short id derived from the seed: keeps object ids of different seeds apart. */
  runId: string;
  amount: Money;
  dueAt: Date;
  party: SimParty;
}

/** One event as the source would send it. */
export interface SimPayload {
  /** The driver (and default connector instance) id. */
  driver: string;
  kind: string;
  /** What the hub's mappings select on: source system and object type. */
  system: string;
  objectType: string;
  contentType: string;
  /** The exact bytes to deliver. */
  body: string;
}

export interface EventKind {
  description: string;
  /** Canonical exception types the shipped mappings make of this kind (checked by the tests). */
  produces: readonly ExceptionType[];
  /**
   * The source payload carries no amount (a ticket, a case, an incident): the drawn amount only
   * appears in its text, and the canonical exception has none.
   */
  withoutAmount?: boolean;
  generate(ctx: GenContext): { objectType: string; body: string };
}

export type DeliveryOutcome = 'accepted' | 'duplicate' | 'rejected' | 'failed';

export interface Delivery {
  outcome: DeliveryOutcome;
  /** HTTP status when there was an answer. */
  status?: number;
  /** Why it was rejected or failed, in one line. */
  detail?: string;
}

export interface DriverOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:3000. */
  hubUrl: string;
  /** Secrets and targets (STRIPE_WEBHOOK_SECRET, SAP_S4_SIM_URL, …): process.env by default. */
  env: Record<string, string | undefined>;
  timeoutMs: number;
  /** The scenario's suppliers and customers (a driver may register them with its simulator). */
  refs?: ReferenceData;
}

/** A connected driver: deliver() sends one event the way the real source does. */
export interface DriverSession {
  /** Where events go, for messages (never contains a secret). */
  target: string;
  deliver(payload: SimPayload): Promise<Delivery>;
}

export interface SimDriver {
  /** The connector type; also the instance id events are sent to. */
  id: string;
  /** The source system the mappings know (`source.system`). */
  system: string;
  contentType: string;
  /** One line for `exhub simulate --list`: how it delivers and what it needs. */
  describe: string;
  kinds: Readonly<Record<string, EventKind>>;
  /**
   * Checks what the driver needs (secret set, target answering) and returns a session. Throws
   * SimulateError naming the variable or the URL and the fix.
   */
  connect(options: DriverOptions): Promise<DriverSession>;
}

/** A user-facing error of `exhub simulate` / `exhub worklist`: one line, says what to do. */
export class SimulateError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'SimulateError';
  }
}
