/**
 * The contract every connector passes against its simulator. A connector's spec calls
 * `runConnectorContract('sap-s4', factory)`; the factory builds a fresh connector pointed at a
 * fresh simulator, with short retry and breaker timings, for every test.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PolledEvent, PollingConnector } from './connector';
import { HubError } from './errors';

export type SimulatedFailure = '5xx' | '429' | '401' | 'malformed' | 'slow';

/** What the kit needs from a connector's simulator. */
export interface ContractSimulator {
  /** The next `count` requests fail as `kind`. */
  fail(kind: SimulatedFailure, count?: number): void;
  /** Clears queued failures. */
  heal(): void;
  /** Requests the simulator answered (failed ones included). */
  readonly requests: number;
  /** Makes `n` new source items appear, newer than everything already there. */
  addNewItems(n: number): void;
}

export interface ContractSubject {
  connector: PollingConnector;
  simulator: ContractSimulator;
  /** The Retry-After, in seconds, the simulator sends with a 429. */
  retryAfterSeconds: number;
  /** The breaker's open → half-open delay the factory configured. */
  breakerResetMs: number;
  close(): Promise<void>;
}

/** Upper bound of pages read in one drain: a connector that pages forever fails the kit. */
const MAX_PAGES = 100;
/** Scheduling slack allowed when checking a wait. */
const TIMER_SLACK_MS = 15;

/** Polls until the connector says there is no more, as the runner does; the cursor round-trips JSON. */
export async function drain(
  connector: PollingConnector,
  cursor: unknown,
): Promise<{ events: PolledEvent[]; cursor: unknown }> {
  const events: PolledEvent[] = [];
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await connector.poll(cursor);
    events.push(...page.events);
    cursor = JSON.parse(JSON.stringify(page.nextCursor)) as unknown;
    if (!page.hasMore) return { events, cursor };
  }
  throw new Error(`${connector.id}: still hasMore after ${MAX_PAGES} pages`);
}

async function rejection(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  }
  throw new Error('expected the poll to fail, and it succeeded');
}

const ids = (events: PolledEvent[]): string[] =>
  events.map((e) => e.sourceEventId ?? JSON.stringify(e.payload));

export function runConnectorContract(name: string, factory: () => Promise<ContractSubject>): void {
  describe(`connector contract: ${name}`, () => {
    let s: ContractSubject;
    beforeEach(async () => {
      s = await factory();
    });
    afterEach(async () => {
      await s.close();
    });

    it('checks its connection', async () => {
      const check = await s.connector.checkConnection();
      expect(check.ok).toBe(true);
      expect(check.detail).not.toBe('');
    });

    it('polls, then resumes from the saved cursor with only newer items', async () => {
      const first = await drain(s.connector, undefined);
      expect(first.events.length).toBeGreaterThan(0);
      for (const e of first.events) expect(e.objectType).not.toBe('');
      const again = await drain(s.connector, first.cursor);
      expect(ids(again.events)).toEqual([]);
      s.simulator.addNewItems(2);
      const newer = await drain(s.connector, again.cursor);
      expect(newer.events).toHaveLength(2);
      for (const id of ids(newer.events)) expect(ids(first.events)).not.toContain(id);
    });

    it('retries a 5xx and then succeeds', async () => {
      s.simulator.fail('5xx', 2);
      const before = s.simulator.requests;
      const { events } = await drain(s.connector, undefined);
      expect(events.length).toBeGreaterThan(0);
      expect(s.simulator.requests - before).toBeGreaterThanOrEqual(3);
      expect(s.connector.breakerState?.()).toBe('closed');
    });

    it('waits as long as a 429 Retry-After says', async () => {
      s.simulator.fail('429', 1);
      const started = performance.now();
      const { events } = await drain(s.connector, undefined);
      expect(events.length).toBeGreaterThan(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(
        s.retryAfterSeconds * 1000 - TIMER_SLACK_MS,
      );
    });

    it('turns a 401 into an AUTH error and opens the breaker', async () => {
      s.simulator.fail('401', 1);
      const err = await rejection(s.connector.poll(undefined));
      expect(err.errorClass).toBe('AUTH');
      expect(s.connector.breakerState?.()).toBe('open');
      const before = s.simulator.requests;
      await rejection(s.connector.poll(undefined));
      expect(s.simulator.requests).toBe(before); // open: the source is not called
    });

    it('refuses a malformed payload as INVALID_PAYLOAD with a reason (dead letter, no retry)', async () => {
      s.simulator.fail('malformed', 1);
      const before = s.simulator.requests;
      const err = await rejection(s.connector.poll(undefined));
      expect(err.errorClass).toBe('INVALID_PAYLOAD');
      expect(err.issues.length).toBeGreaterThan(0);
      expect(err.issues[0].message).not.toBe('');
      expect(s.simulator.requests - before).toBe(1);
      expect(s.connector.breakerState?.()).toBe('closed');
    });

    it('opens the breaker under repeated failures and closes it after a half-open probe', async () => {
      s.simulator.fail('5xx', 10_000);
      for (let i = 0; i < 20 && s.connector.breakerState?.() !== 'open'; i++) {
        expect((await rejection(s.connector.poll(undefined))).errorClass).toBe('TRANSIENT');
      }
      expect(s.connector.breakerState?.()).toBe('open');
      const before = s.simulator.requests;
      const fast = await rejection(s.connector.poll(undefined));
      expect(fast.errorClass).toBe('TRANSIENT');
      expect(s.simulator.requests).toBe(before);

      s.simulator.heal();
      await new Promise((r) => setTimeout(r, s.breakerResetMs + 50));
      expect(s.connector.breakerState?.()).toBe('half_open');
      const { events } = await drain(s.connector, undefined);
      expect(events.length).toBeGreaterThan(0);
      expect(s.connector.breakerState?.()).toBe('closed');
    });
  });
}
