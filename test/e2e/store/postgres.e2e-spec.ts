import { jest } from '@jest/globals';
import { Client } from 'pg';
import type { ExceptionStore } from '@exhub/store';
import { runStoreContract, sampleException } from '../../../libs/store/testing';
import { pgHarness } from './pg-harness';

// The same contract the SQLite adapter passes, against the real server, one schema per test.
runStoreContract('PostgreSQL', pgHarness);

describe('PostgreSQL across processes (two connection pools on one schema)', () => {
  let harness: Awaited<ReturnType<typeof pgHarness>>;
  let a: ExceptionStore;
  let b: ExceptionStore;

  beforeEach(async () => {
    harness = await pgHarness();
    // Opened side by side, as two hub processes would start: the migration lock serialises them.
    [a, b] = await Promise.all([harness.open(), harness.open()]);
  });
  afterEach(() => harness.cleanup());

  it('lets one process poll a connector while the other skips it', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = a.withPollLock('sap', async () => {
      entered();
      await held;
      return 'polled by a';
    });
    await inside;
    let ranInB = false;
    expect(
      await b.withPollLock('sap', async () => {
        ranInB = true;
      }),
    ).toEqual({ ran: false });
    expect(ranInB).toBe(false);
    // Another connector is not blocked.
    expect(await b.withPollLock('zendesk', async () => 'z')).toEqual({ ran: true, value: 'z' });
    release();
    expect(await first).toEqual({ ran: true, value: 'polled by a' });
    // Released: now b gets it.
    expect(await b.withPollLock('sap', async () => 'polled by b')).toEqual({
      ran: true,
      value: 'polled by b',
    });
  });

  it('releases the lock when fn throws', async () => {
    await expect(
      a.withPollLock('sap', async () => {
        throw new Error('source down');
      }),
    ).rejects.toThrow('source down');
    expect(await b.withPollLock('sap', async () => 1)).toEqual({ ran: true, value: 1 });
  });

  it('lets exactly one of two processes accept the same webhook event', async () => {
    const now = new Date();
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        (n % 2 ? a : b).rememberWebhookEvent(
          {
            connectorId: 'stripe',
            sourceEventId: 'evt_x',
            eventId: `e${n}`,
            correlationId: `c${n}`,
          },
          60_000,
          now,
        ),
      ),
    );
    expect(claims.filter((c) => c.isNew)).toHaveLength(1);
    expect(new Set(claims.map((c) => c.eventId)).size).toBe(1);
  });

  it('numbers versions without gaps when two processes store the same exception at once', async () => {
    const base = sampleException({ id: 'race-pg', score: 1 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        (n % 2 ? a : b).upsertException(
          { ...base, priority: { ...base.priority, score: 10 + n } },
          { actor: `p${n % 2}` },
        ),
      ),
    );
    expect(results.map((r) => r.exception.version).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await b.verifyAudit()).toMatchObject({ ok: true, entries: 12 });
  });

  it('keeps one audit chain when two processes append at once', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        (n % 2 ? a : b).appendAudit({ actor: `p${n % 2}`, action: 'test' }),
      ),
    );
    expect(await a.verifyAudit()).toMatchObject({ ok: true, entries: 30 });
  });
});

describe('PostgreSQL audit appends: the head row stays locked for as few round trips as it can', () => {
  let harness: Awaited<ReturnType<typeof pgHarness>>;
  let store: ExceptionStore;
  let statements: string[];

  beforeEach(async () => {
    harness = await pgHarness();
    store = await harness.open();
    statements = [];
    // Every statement any pooled connection of this test process sends, in order.
    const query = Client.prototype.query as (...args: unknown[]) => unknown;
    jest.spyOn(Client.prototype, 'query').mockImplementation(function (
      this: Client,
      ...args: unknown[]
    ) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      if (text) statements.push(text.replace(/\s+/g, ' ').trim());
      return query.apply(this, args) as never;
    } as never);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await harness.cleanup();
  });

  /**
   * The statements each transaction sends after it bumped the audit head (which takes the head's
   * row lock, held to the commit: every writer of every process waits for it meanwhile).
   */
  function afterTheBump(): string[][] {
    const out: string[][] = [];
    let current: string[] | undefined;
    for (const s of statements) {
      if (/^update "audit_head" set "seq" = "seq" \+/.test(s)) current = [];
      else if (current && /^(commit|rollback)$/i.test(s)) {
        out.push(current);
        current = undefined;
      } else current?.push(s);
    }
    return out;
  }

  it('sends one statement between the bump and the commit: the entries and the head hash together', async () => {
    await store.appendAudit({ actor: 'a', action: 'test' });
    await store.upsertException(sampleException({ id: 'lock-1', score: 1 }), { actor: 'pipeline' });
    // 40 exceptions, two audit inserts (32 + 8 rows): the head is set with the last one.
    await store.upsertExceptions(
      Array.from({ length: 40 }, (_, i) => ({
        exception: sampleException({ id: `lock-batch-${i}`, score: 1 }),
        context: { actor: 'pipeline' },
      })),
    );
    const tails = afterTheBump();
    expect(tails).toHaveLength(3);
    for (const tail of tails.slice(0, 2)) {
      expect(tail).toHaveLength(1);
      expect(tail[0]).toMatch(
        /^with "head" as \(update "audit_head" set "hash" = .*insert into "audit_log"/,
      );
    }
    expect(tails[2]).toHaveLength(2);
    expect(tails[2][0]).toMatch(/^insert into "audit_log"/);
    expect(tails[2][1]).toMatch(/^with "head" as \(update "audit_head"/);
    jest.restoreAllMocks();
    const audit = await store.verifyAudit();
    expect(audit).toMatchObject({ ok: true, entries: 42 });
    expect(audit.ok && audit.headHash).toBe((await store.auditTrail({ afterSeq: 41 }))[0].hash);
  });
});
