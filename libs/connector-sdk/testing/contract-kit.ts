/**
 * The contract every connector passes against its simulator. A connector's spec calls
 * `runConnectorContract('sap-s4', factory)`; the factory builds a fresh connector pointed at a
 * fresh simulator, with short retry and breaker timings, for every test. A webhook connector's spec
 * calls `runWebhookContract` (below) instead: a pushed source has no poll.
 */
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PolledEvent, PollingConnector, RejectedRecord } from '../src/connector';
import { HubError } from '@exhub/core';
import type { WebhookConnector, WebhookRequest } from '../src/webhook';
import { MS_PER_SECOND } from '@exhub/core';

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
  /**
   * Makes one new item appear, newer than everything there, that the connector must set aside
   * (e.g. a placeholder id): its ordering fields are good, its content is not.
   */
  addPoisonItem(): void;
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
): Promise<{ events: PolledEvent[]; rejected: RejectedRecord[]; cursor: unknown }> {
  const events: PolledEvent[] = [];
  const rejected: RejectedRecord[] = [];
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await connector.poll(cursor);
    events.push(...page.events);
    rejected.push(...(page.rejected ?? []));
    cursor = JSON.parse(JSON.stringify(page.nextCursor)) as unknown;
    if (!page.hasMore) return { events, rejected, cursor };
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

    it('sets one bad record aside alone: the rest of the page is read and the cursor moves on', async () => {
      const first = await drain(s.connector, undefined);
      expect(first.rejected).toEqual([]);
      s.simulator.addNewItems(1);
      s.simulator.addPoisonItem();
      s.simulator.addNewItems(1);
      const next = await drain(s.connector, first.cursor);
      expect(next.events).toHaveLength(2);
      expect(next.rejected).toHaveLength(1);
      const [poison] = next.rejected;
      expect(poison.record).toBeDefined();
      expect(poison.objectType).not.toBe('');
      expect(poison.pointer).toMatch(/^\/./);
      expect(poison.issues.length).toBeGreaterThan(0);
      for (const issue of poison.issues) {
        expect(typeof issue.pointer).toBe('string');
        expect(issue.message).not.toBe('');
      }
      const again = await drain(s.connector, next.cursor);
      expect(again.events).toEqual([]);
      expect(again.rejected).toEqual([]);
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

// ── Webhook connectors ──────────────────────────────────────────────────────────────────────

/**
 * What the webhook contract needs: a connector holding two secrets (a rotation) and a tolerance,
 * a delivery the source really sends, and how the source signs one. Nothing is mocked: the kit
 * signs real bytes and hands them to `verify` and `parse` as the ingress does.
 */
export interface WebhookContractSubject {
  connector: WebhookConnector;
  /** The secrets the connector was built with: the current one and the next (or previous). */
  secrets: readonly [string, string];
  /** The tolerance the connector was built with, in seconds. */
  toleranceSeconds: number;
  /** A delivery body as the source sends it (usually a fixture), unsigned. */
  validBody: Buffer;
  /** The headers the source sends with `rawBody` signed with `secret` at `now` (ms since epoch). */
  sign(rawBody: Buffer, secret: string, now: number): Record<string, string>;
  /** The signature header's name, lower case; the "missing header" case removes it. */
  signatureHeader: string;
  /** What `parse(validBody)` must say; without it, any non-empty objectType and sourceEventId. */
  expected?: { objectType: string; sourceEventId: string };
  /** A body that is not well-formed in the source's format; default: broken JSON. */
  malformedBody?: Buffer;
  /** A well-formed body that is not a valid delivery, and the JSON pointer the refusal names. */
  invalidBody: { body: Buffer; pointer: string };
}

/** A fixed clock for the webhook contract (any instant works; a fixed one keeps failures readable). */
const WEBHOOK_NOW = Date.UTC(2026, 2, 2, 15, 40, 12);
const DEFAULT_MALFORMED_JSON = Buffer.from('{"id": "evt_1", oops}');

function thrown(fn: () => unknown): HubError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  }
  throw new Error('expected a refusal, and the request was accepted');
}

/**
 * The contract every webhook connector passes: a delivery signed with either configured secret
 * is verified and parsed into an event with an objectType and the source's event id; a wrong
 * secret, a changed body, a stale or future timestamp and a missing signature header are AUTH
 * errors (→ 401) that say what is wrong without printing a secret; a malformed body is
 * INVALID_PAYLOAD (→ 400) with a JSON pointer. A connector's spec calls
 * `runWebhookContract('stripe', factory)`.
 */
export function runWebhookContract(
  name: string,
  factory: () => WebhookContractSubject | Promise<WebhookContractSubject>,
): void {
  describe(`webhook contract: ${name}`, () => {
    let s: WebhookContractSubject;
    beforeEach(async () => {
      s = await factory();
    });

    const request = (rawBody: Buffer, headers: Record<string, string>): WebhookRequest => ({
      rawBody,
      headers,
      now: WEBHOOK_NOW,
    });
    const signed = (rawBody: Buffer, secret = s.secrets[0], at = WEBHOOK_NOW): WebhookRequest =>
      request(rawBody, s.sign(rawBody, secret, at));
    const refusal = (req: WebhookRequest): HubError => {
      const err = thrown(() => s.connector.verify(req));
      expect(err.errorClass).toBe('AUTH');
      expect(err.message).not.toBe('');
      for (const secret of s.secrets) expect(err.message).not.toContain(secret);
      return err;
    };

    it('verifies a signed delivery and parses it into an event with objectType and sourceEventId', () => {
      const req = signed(s.validBody);
      expect(() => s.connector.verify(req)).not.toThrow();
      const parsed = s.connector.parse(req);
      expect(typeof parsed.objectType).toBe('string');
      expect(parsed.objectType).not.toBe('');
      expect(typeof parsed.sourceEventId).toBe('string');
      expect(parsed.sourceEventId).not.toBe('');
      if (s.expected) {
        expect({ objectType: parsed.objectType, sourceEventId: parsed.sourceEventId }).toEqual(
          s.expected,
        );
      }
      expect(parsed.payload).toBeDefined();
    });

    it('accepts either configured secret (rotation)', () => {
      for (const secret of s.secrets) {
        expect(() => s.connector.verify(signed(s.validBody, secret))).not.toThrow();
      }
    });

    it('refuses a delivery signed with a secret it does not hold, as AUTH', () => {
      const err = refusal(signed(s.validBody, `${s.secrets[0]}-not-ours`));
      expect(err.message).toMatch(/signature|secret/i);
    });

    it('refuses a body changed after signing (verified on the raw bytes)', () => {
      const req = signed(s.validBody);
      refusal({ ...req, rawBody: Buffer.concat([s.validBody, Buffer.from(' ')]) });
    });

    it('refuses a stale timestamp, naming the tolerance; accepts one just inside it', () => {
      const inside = WEBHOOK_NOW - (s.toleranceSeconds - 1) * MS_PER_SECOND;
      expect(() => s.connector.verify(signed(s.validBody, s.secrets[0], inside))).not.toThrow();
      const stale = WEBHOOK_NOW - (s.toleranceSeconds + 60) * MS_PER_SECOND;
      const err = refusal(signed(s.validBody, s.secrets[0], stale));
      expect(err.message).toMatch(/timestamp/i);
      expect(err.message).toContain(String(s.toleranceSeconds));
    });

    it('refuses a timestamp too far in the future', () => {
      const ahead = WEBHOOK_NOW + (s.toleranceSeconds + 60) * MS_PER_SECOND;
      expect(refusal(signed(s.validBody, s.secrets[0], ahead)).message).toMatch(/timestamp/i);
    });

    it('refuses a delivery without the signature header, naming the header', () => {
      const { headers } = signed(s.validBody);
      const without = Object.fromEntries(
        Object.entries(headers as Record<string, string>).filter(
          ([k]) => k.toLowerCase() !== s.signatureHeader,
        ),
      );
      expect(Object.keys(without).length).toBeLessThan(Object.keys(headers).length);
      expect(refusal(request(s.validBody, without)).message.toLowerCase()).toContain(
        s.signatureHeader,
      );
    });

    it('refuses a malformed body as INVALID_PAYLOAD with a pointer', () => {
      const body = s.malformedBody ?? DEFAULT_MALFORMED_JSON;
      const req = signed(body);
      expect(() => s.connector.verify(req)).not.toThrow(); // authentic, just broken
      const err = thrown(() => s.connector.parse(req));
      expect(err.errorClass).toBe('INVALID_PAYLOAD');
      expect(err.issues.length).toBeGreaterThan(0);
      expect(typeof err.issues[0].pointer).toBe('string');
      expect(err.issues[0].message).not.toBe('');
    });

    it('refuses a well-formed body that is not a delivery, naming the field', () => {
      const err = thrown(() => s.connector.parse(signed(s.invalidBody.body)));
      expect(err.errorClass).toBe('INVALID_PAYLOAD');
      expect(err.issues.map((i) => i.pointer)).toContain(s.invalidBody.pointer);
    });

    it('does not show its secrets when printed or serialised', () => {
      const shown = [
        inspect(s.connector, { showHidden: true, depth: null }),
        JSON.stringify(s.connector) ?? '',
      ];
      for (const text of shown) for (const secret of s.secrets) expect(text).not.toContain(secret);
    });
  });
}
