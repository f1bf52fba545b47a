/**
 * The store contract: every adapter must pass this suite against a real database. A unit spec runs
 * it on SQLite (a temp file), test/e2e/store/postgres.e2e-spec.ts on the PostgreSQL server.
 */
// Imported, not global: test code says so (and the build scan, test/support/build-scan.ts, looks for it).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { CanonicalException } from '@exhub/canonical';
import { MAX_PAGE_SIZE } from '../src/constants';
import { StoreConflictError, StoreInputError, StoreNotFoundError } from '../src/errors';
import { MIGRATIONS } from '../src/migrations';
import { describeOpenExceptions } from './open-exceptions.contract';
import { describeDeadLetterLedger } from './dead-letters.contract';
import { describeProcessInsights } from './insights.contract';
import { describeSourceTransitions } from './source-transitions.contract';
import { describeGroupCommit } from './group-commit.contract';
import { sampleException, type SampleSpec as Spec } from './sample-exception';
import { storeCursors } from '../src/cursor-store.adapter';
import { storeReadiness } from '../src/readiness';
import type { ExceptionStore } from '../src/store';

/** One isolated database (temp file, random schema) for one test. */
export interface StoreHarness {
  /** Opens a store on this database (again: migrations must be idempotent). */
  open(): Promise<ExceptionStore>;
  /** Runs SQL behind the store's back, as someone editing a row by hand would. */
  raw(sqlText: string): Promise<Record<string, unknown>[]>;
  /** Closes what open() and raw() opened and removes the database. */
  cleanup(): Promise<void>;
}

export type StoreHarnessFactory = () => Promise<StoreHarness>;

export { sampleException };

/** The same fact delivered again: only per-delivery fields differ. */
function redelivered(e: CanonicalException): CanonicalException {
  const again = sampleException({ id: e.id, score: 0 });
  return {
    ...e,
    correlationId: again.correlationId,
    causationId: again.causationId,
    detectedAt: again.detectedAt,
    source: { ...e.source, receivedAt: again.source.receivedAt, eventId: again.source.eventId },
    priority: { ...e.priority, scoredAt: again.priority.scoredAt },
  };
}

export function runStoreContract(name: string, factory: StoreHarnessFactory): void {
  describe(`ExceptionStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: ExceptionStore;
    const actor = { actor: 'pipeline' };

    beforeEach(async () => {
      harness = await factory();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it('runs its migrations once: opening the same database again keeps the data', async () => {
      await store.upsertException(sampleException({ id: 'x-1', score: 10 }), actor);
      await store.close();
      store = await harness.open();
      const again = await harness.open();
      expect((await again.getException('x-1'))?.version).toBe(1);
      await again.close();
      const migrations = await harness.raw('select name from kysely_migration');
      expect(migrations.map((r) => r.name).sort()).toEqual(Object.keys(MIGRATIONS).sort());
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describeOpenExceptions(() => ({ store }));
    describeProcessInsights(() => ({ store }));
    describeSourceTransitions(() => ({ store }));
    describeDeadLetterLedger(() => ({ store }));
    describeGroupCommit(() => ({ store }));

    describe('exceptions', () => {
      it('stores version 1, keeps it for an identical redelivery and bumps it for new content', async () => {
        const first = sampleException({ id: 'e-1', score: 40, tier: 'p3', parties: ['cus_1'] });
        const created = await store.upsertException(first, actor);
        expect(created).toMatchObject({ created: true, changed: true, reopened: false });
        expect(created.exception.version).toBe(1);

        const same = await store.upsertException(redelivered(first), actor);
        expect(same).toMatchObject({ created: false, changed: false });
        expect(same.exception.version).toBe(1);
        // The stored document is the first delivery's, not the redelivery's.
        expect(same.exception.correlationId).toBe(first.correlationId);

        const rescored = {
          ...first,
          priority: { ...first.priority, score: 81, tier: 'p1' as const },
        };
        const updated = await store.upsertException(rescored, actor);
        expect(updated).toMatchObject({ created: false, changed: true });
        expect(updated.exception.version).toBe(2);
        expect(await store.getException('e-1')).toMatchObject({
          version: 2,
          priority: { score: 81, tier: 'p1' },
        });

        const history = await store.exceptionHistory('e-1');
        expect(history.map((h) => [h.version, h.exception.priority.score])).toEqual([
          [1, 40],
          [2, 81],
        ]);
        expect(history[0].contentHash).not.toBe(history[1].contentHash);
        const trail = await store.auditTrail({ exceptionId: 'e-1' });
        expect(trail.map((a) => a.action)).toEqual(['exception.created', 'exception.updated']);
        expect(await store.getException('nope')).toBeUndefined();
      });

      it('stores a replayed exception as a new version that records the replay; the same replay again is a redelivery', async () => {
        const first = sampleException({ id: 'r-1', score: 40, tier: 'p3', parties: ['cus_1'] });
        await store.upsertException(first, actor);
        const replay = (causationId: string): CanonicalException => ({
          ...redelivered(first),
          causationId,
          lineage: { ...first.lineage, replayOf: 'evt-original' },
        });
        const replayed = await store.upsertException(replay('evt-replay-1'), actor);
        expect(replayed).toMatchObject({ changed: true, exception: { version: 2 } });
        expect((await store.getException('r-1'))?.lineage.replayOf).toBe('evt-original');
        const again = await store.upsertException(replay('evt-replay-2'), actor);
        expect(again).toMatchObject({ changed: false, exception: { version: 2 } });
        expect(
          (await store.exceptionHistory('r-1')).map((h) => h.exception.lineage.replayOf),
        ).toEqual([undefined, 'evt-original']);
      });

      it('gives concurrent deliveries of one new exception one version', async () => {
        const e = sampleException({ id: 'race-1', score: 12 });
        const results = await Promise.all(
          Array.from({ length: 8 }, () => store.upsertException(redelivered(e), actor)),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.exception.version))).toEqual(new Set([1]));
        expect(await store.exceptionHistory('race-1')).toHaveLength(1);
      });

      it('numbers concurrent different contents 1…n without gaps or duplicates', async () => {
        const base = sampleException({ id: 'race-2', score: 1 });
        const results = await Promise.all(
          [10, 20, 30, 40, 50].map((score) =>
            store.upsertException({ ...base, priority: { ...base.priority, score } }, actor),
          ),
        );
        expect(results.map((r) => r.exception.version).sort()).toEqual([1, 2, 3, 4, 5]);
        expect((await store.exceptionHistory('race-2')).map((h) => h.version)).toEqual([
          1, 2, 3, 4, 5,
        ]);
      });

      it('re-opens a resolved exception when its source reports it again with new content', async () => {
        const e = sampleException({ id: 'r-1', score: 50 });
        await store.upsertException(e, actor);
        await store.applyDecision('r-1', { action: 'resolve', actor: 'ana', reason: 'refunded' });
        expect((await store.getException('r-1'))?.status).toBe('resolved');

        // An identical redelivery does not re-open.
        const same = await store.upsertException(redelivered(e), actor);
        expect(same.exception.status).toBe('resolved');

        const again = await store.upsertException(
          { ...e, title: 'Dispute updated: evidence due' },
          actor,
        );
        expect(again).toMatchObject({ reopened: true, exception: { status: 'open', version: 2 } });
        const trail = await store.auditTrail({ exceptionId: 'r-1' });
        expect(trail.map((a) => a.action)).toEqual([
          'exception.created',
          'decision.resolve',
          'exception.reopened',
        ]);
      });
    });

    describe('backlog stats', () => {
      it('counts open exceptions per domain and tier, the oldest age, and those past dueAt', async () => {
        const t0 = new Date('2026-05-01T10:00:00.000Z');
        const at = (s: number) => new Date(t0.getTime() + s * 1000);
        const due = (e: CanonicalException, dueAt?: string) => ({ ...e, dueAt });
        const p1 = (id: string) => sampleException({ id, score: 90, tier: 'p1' });
        await store.upsertException(due(p1('b-1'), '2026-05-01T10:30:00Z'), {
          ...actor,
          at: at(0),
        });
        await store.upsertException(due(p1('b-2'), '2026-05-01T12:00:00+01:00'), {
          ...actor,
          at: at(60),
        });
        await store.upsertException(due(p1('b-3'), '2026-05-01T09:00:00Z'), {
          ...actor,
          at: at(120),
        });
        await store.upsertException(
          sampleException({ id: 'b-4', score: 20, tier: 'p4', domain: 'support' }),
          {
            ...actor,
            at: at(300),
          },
        );
        // Re-versioned later: still first seen at t0 + 0 (b-1 keeps the oldest age).
        const changed = { ...due(p1('b-1'), '2026-05-01T10:30:00Z'), title: 'changed' };
        await store.upsertException(changed, { ...actor, at: at(500) });
        // Reviewed stays open; resolved leaves the backlog even when past due.
        await store.applyDecision('b-2', {
          action: 'approve',
          actor: 'ana',
          reason: 'ok',
          at: at(600),
        });
        await store.applyDecision('b-3', {
          action: 'resolve',
          actor: 'ana',
          reason: 'done',
          at: at(601),
        });

        const stats = await store.backlogStats(at(3600));
        const groups = [...stats.groups].sort((a, b) => a.tier.localeCompare(b.tier));
        expect(groups).toEqual([
          { domain: 'finance', tier: 'p1', open: 2, oldestAgeSeconds: 3600 },
          { domain: 'support', tier: 'p4', open: 1, oldestAgeSeconds: 3300 },
        ]);
        // b-1 due 10:30Z (past at 11:00Z); b-2 due 11:00Z (+01:00), exactly now: past; b-3 resolved.
        expect(stats.pastDueByTier).toEqual({ p1: 2 });
        expect(stats.pastDue.map((p) => p.id).sort()).toEqual(['b-1', 'b-2']);

        const earlier = await store.backlogStats(at(1799));
        expect(earlier.pastDueByTier).toEqual({});
        expect(earlier.pastDue).toEqual([]);
      });

      it('is empty on an empty store', async () => {
        expect(await store.backlogStats()).toEqual({ groups: [], pastDueByTier: {}, pastDue: [] });
      });
    });

    describe('lifecycle', () => {
      beforeEach(async () => {
        await store.upsertException(sampleException({ id: 'l-1', score: 30, tier: 'p3' }), actor);
      });

      it('moves open → in_review → dismissed with the actor in the audit trail', async () => {
        const reviewed = await store.applyDecision('l-1', {
          action: 'approve',
          actor: 'ana@example.com',
          reason: 'looking into it',
        });
        expect(reviewed.status).toBe('in_review');
        const dismissed = await store.applyDecision('l-1', {
          action: 'dismiss',
          actor: 'ana@example.com',
          reason: 'duplicate of l-0',
        });
        expect(dismissed.status).toBe('dismissed');
        expect((await store.getException('l-1'))?.status).toBe('dismissed');
        const trail = await store.auditTrail({ exceptionId: 'l-1' });
        expect(trail.slice(1).map((a) => [a.action, a.actor])).toEqual([
          ['decision.approve', 'ana@example.com'],
          ['decision.dismiss', 'ana@example.com'],
        ]);
        expect(JSON.parse(trail[2].details)).toMatchObject({
          reason: 'duplicate of l-0',
          statusBefore: 'in_review',
          status: 'dismissed',
        });
        // A decision on a closed exception is refused and changes nothing.
        await expect(
          store.applyDecision('l-1', { action: 'resolve', actor: 'bob', reason: 'x' }),
        ).rejects.toThrow(StoreConflictError);
        expect(await store.auditTrail({ exceptionId: 'l-1' })).toHaveLength(3);
      });

      it('records an override as an outcome for training and changes the tier', async () => {
        await expect(
          store.applyDecision('l-1', { action: 'override', actor: 'ana', reason: 'vip' }),
        ).rejects.toThrow(StoreInputError);
        const overridden = await store.applyDecision('l-1', {
          action: 'override',
          actor: 'ana',
          reason: 'strategic account',
          tier: 'p1',
        });
        expect(overridden).toMatchObject({ status: 'in_review', priority: { tier: 'p1' } });
        const page = await store.worklist({ tier: 'p1' });
        expect(page.items.map((i) => i.id)).toEqual(['l-1']);
        expect(await store.listOutcomes('l-1')).toEqual([
          expect.objectContaining({
            kind: 'overridden',
            actor: 'ana',
            reason: 'strategic account',
            version: 1,
            tierBefore: 'p3',
            tierAfter: 'p1',
          }),
        ]);
      });

      it('applies outcomes from workflow tools', async () => {
        expect(
          (
            await store.applyOutcome({
              exceptionId: 'l-1',
              kind: 'escalated',
              actor: 'case-tool',
              at: new Date('2026-03-10T10:00:00Z'),
            })
          ).status,
        ).toBe('in_review');
        const resolved = await store.applyOutcome({
          exceptionId: 'l-1',
          kind: 'resolved',
          actor: 'case-tool',
          reason: 'refund issued',
          at: new Date('2026-03-11T10:00:00Z'),
        });
        expect(resolved.status).toBe('resolved');
        const outcomes = await store.listOutcomes('l-1');
        expect(outcomes.map((o) => o.kind)).toEqual(['escalated', 'resolved']);
        expect(outcomes[1]).toMatchObject({
          reason: 'refund issued',
          at: '2026-03-11T10:00:00.000Z',
        });
        await expect(
          store.applyOutcome({ exceptionId: 'missing', kind: 'resolved', actor: 'x' }),
        ).rejects.toThrow(StoreNotFoundError);
      });
    });

    describe('worklist', () => {
      const rows: Spec[] = [
        {
          id: 'w-a',
          score: 90,
          tier: 'p1',
          domain: 'finance',
          type: 'chargeback_dispute',
          parties: ['cus_1'],
        },
        {
          id: 'w-b',
          score: 75.5,
          tier: 'p2',
          domain: 'support',
          type: 'sla_breach_risk',
          parties: ['acc_9'],
        },
        {
          id: 'w-c',
          score: 75.5,
          tier: 'p2',
          domain: 'finance',
          type: 'payment_failure',
          parties: ['cus_1', 'acc_9'],
        },
        { id: 'w-d', score: 75.5, tier: 'p2', domain: 'finance', type: 'chargeback_dispute' },
        {
          id: 'w-e',
          score: 40,
          tier: 'p3',
          domain: 'support',
          type: 'escalation',
          parties: ['cus_2'],
        },
        { id: 'w-f', score: 12.25, tier: 'p4', domain: 'finance', type: 'refund_outside_policy' },
        { id: 'w-g', score: 0, tier: 'p4', domain: 'support', type: 'escalation' },
      ];
      const ids = (items: CanonicalException[]) => items.map((i) => i.id);

      beforeEach(async () => {
        for (const r of rows) await store.upsertException(sampleException(r), actor);
      });

      it('sorts by score, highest first, then by id', async () => {
        const page = await store.worklist({});
        expect(ids(page.items)).toEqual(['w-a', 'w-b', 'w-c', 'w-d', 'w-e', 'w-f', 'w-g']);
        expect(page.nextCursor).toBeUndefined();
      });

      it('filters by domain, type, tier, status and party', async () => {
        expect(ids((await store.worklist({ domain: 'support' })).items)).toEqual([
          'w-b',
          'w-e',
          'w-g',
        ]);
        expect(ids((await store.worklist({ type: 'chargeback_dispute' })).items)).toEqual([
          'w-a',
          'w-d',
        ]);
        expect(ids((await store.worklist({ tier: 'p2', domain: 'finance' })).items)).toEqual([
          'w-c',
          'w-d',
        ]);
        expect(ids((await store.worklist({ partyId: 'cus_1' })).items)).toEqual(['w-a', 'w-c']);
        expect(ids((await store.worklist({ partyId: 'acc_9', domain: 'support' })).items)).toEqual([
          'w-b',
        ]);
        await store.applyDecision('w-e', { action: 'resolve', actor: 'ana', reason: 'done' });
        expect(ids((await store.worklist({ status: 'resolved' })).items)).toEqual(['w-e']);
        expect(ids((await store.worklist({ status: 'open', domain: 'support' })).items)).toEqual([
          'w-b',
          'w-g',
        ]);
      });

      it('pages with an opaque cursor, across ties, without overlap or gaps', async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.worklist({ limit: 2, cursor });
          seen.push(...ids(page.items));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor && pages < 10);
        expect(pages).toBe(4);
        expect(seen).toEqual(['w-a', 'w-b', 'w-c', 'w-d', 'w-e', 'w-f', 'w-g']);

        // A page boundary is a position, not an offset: an insert before it does not shift it.
        const first = await store.worklist({ limit: 3 });
        await store.upsertException(sampleException({ id: 'w-0', score: 99 }), actor);
        const second = await store.worklist({ limit: 3, cursor: first.nextCursor });
        expect(ids(second.items)).toEqual(['w-d', 'w-e', 'w-f']);
      });

      it('refuses oversized pages and cursors it did not issue', async () => {
        await expect(store.worklist({ limit: MAX_PAGE_SIZE + 1 })).rejects.toThrow(StoreInputError);
        await expect(store.worklist({ limit: 0 })).rejects.toThrow(/limit/);
        await expect(store.worklist({ cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
        await expect(
          store.worklist({ cursor: Buffer.from('{"score":1}').toString('base64url') }),
        ).rejects.toThrow(StoreInputError);
        expect((await store.worklist({ limit: MAX_PAGE_SIZE })).items).toHaveLength(rows.length);
      });

      it('treats injection-shaped filter values as plain values', async () => {
        const hostile = [
          "finance' OR '1'='1",
          "x'; DROP TABLE exceptions; --",
          '" OR ""="',
          '%',
          '*',
          "') OR 1=1 --",
          '1; DELETE FROM audit_log',
        ];
        for (const value of hostile) {
          for (const field of ['domain', 'type', 'tier', 'status', 'partyId'] as const) {
            expect((await store.worklist({ [field]: value })).items).toEqual([]);
          }
        }
        const forged = Buffer.from(JSON.stringify([1e9, "' OR 1=1 --"])).toString('base64url');
        expect(ids((await store.worklist({ cursor: forged })).items)).toHaveLength(rows.length);
        expect((await store.worklist({})).items).toHaveLength(rows.length);
        expect((await store.verifyAudit()).ok).toBe(true);
      });
    });

    describe('audit trail', () => {
      async function seed(): Promise<void> {
        await store.upsertException(sampleException({ id: 'a-1', score: 10 }), actor);
        await store.appendAudit({
          actor: 'ana',
          action: 'key.created',
          details: { role: 'viewer', n: 1 },
        });
        await store.applyDecision('a-1', { action: 'approve', actor: 'bob', reason: 'mine' });
        await store.appendAudit({
          actor: 'ops',
          action: 'replay.started',
          details: { window: '1h' },
        });
      }

      it('chains every entry to the one before and verifies clean', async () => {
        expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 0 });
        await seed();
        const trail = await store.auditTrail();
        expect(trail.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect(trail[0].prevHash).toBe('0'.repeat(64));
        for (let i = 1; i < trail.length; i++) expect(trail[i].prevHash).toBe(trail[i - 1].hash);
        expect(await store.verifyAudit()).toEqual({
          ok: true,
          entries: 4,
          headHash: trail[3].hash,
        });
      });

      it('keeps the chain linear under concurrent appends', async () => {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.appendAudit({ actor: `w${i}`, action: 'test' }),
          ),
        );
        const trail = await store.auditTrail();
        expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect((await store.verifyAudit()).ok).toBe(true);
      });

      it('reports the first entry edited by hand', async () => {
        await seed();
        const before = (await store.auditTrail())[1];
        await harness.raw(`update audit_log set actor = 'mallory' where seq = 2`);
        const result = await store.verifyAudit();
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.entries).toBe(1);
        expect(result.broken).toMatchObject({ seq: 2, field: 'hash', found: before.hash });
        expect(result.broken.expected).not.toBe(before.hash);
        expect(result.broken.reason).toMatch(/changed after it was written/);
      });

      it('reports a rewritten hash at the next link, and a removed tail at the head', async () => {
        await seed();
        await harness.raw(
          `update audit_log set details = '{}', hash = '${'f'.repeat(64)}' where seq = 3`,
        );
        const rewritten = await store.verifyAudit();
        expect(rewritten).toMatchObject({ ok: false, broken: { seq: 3, field: 'hash' } });

        const fresh = await factory();
        const other = await fresh.open();
        try {
          await other.appendAudit({ actor: 'a', action: 'one' });
          await other.appendAudit({ actor: 'a', action: 'two' });
          await fresh.raw('delete from audit_log where seq = 2');
          expect(await other.verifyAudit()).toMatchObject({
            ok: false,
            broken: { seq: 2, field: 'head' },
          });
        } finally {
          await other.close();
          await fresh.cleanup();
        }
      });
    });

    it('keeps connector cursors by connector id', async () => {
      expect(await store.getCursor('sap')).toBeUndefined();
      await store.putCursor('sap', '2026-03-10T06:00:00Z', new Date('2026-03-10T06:00:01Z'));
      await store.putCursor('zendesk', 'page-7');
      await store.putCursor('sap', '2026-03-10T07:00:00Z', new Date('2026-03-10T07:00:01Z'));
      expect(await store.getCursor('sap')).toEqual({
        connectorId: 'sap',
        cursor: '2026-03-10T07:00:00Z',
        updatedAt: '2026-03-10T07:00:01.000Z',
      });
      expect((await store.getCursor('zendesk'))?.cursor).toBe('page-7');
    });

    describe('webhook event dedupe', () => {
      const ttl = 60_000;
      const t0 = new Date('2026-03-10T06:00:00Z');
      const event = (n: number) => ({
        connectorId: 'stripe',
        sourceEventId: 'evt_1',
        eventId: `hub-${n}`,
        correlationId: `corr-${n}`,
      });

      it('answers the first acceptance to every later one within the TTL, once confirmed', async () => {
        expect(await store.rememberWebhookEvent(event(1), ttl, t0)).toEqual({
          isNew: true,
          eventId: 'hub-1',
          correlationId: 'corr-1',
          state: 'pending',
        });
        expect(await store.confirmWebhookEvent(event(1))).toBe(true);
        expect(
          await store.rememberWebhookEvent(event(2), ttl, new Date(t0.getTime() + 1000)),
        ).toEqual({
          isNew: false,
          eventId: 'hub-1',
          correlationId: 'corr-1',
          state: 'confirmed',
        });
        // Confirmed is final: no takeover however old, within the TTL.
        expect(
          await store.rememberWebhookEvent(event(5), ttl, new Date(t0.getTime() + ttl - 1), 1),
        ).toMatchObject({ isNew: false, state: 'confirmed', eventId: 'hub-1' });
        // Another connector's event with the same source id is a different event.
        expect(
          (await store.rememberWebhookEvent({ ...event(3), connectorId: 'zendesk' }, ttl, t0))
            .isNew,
        ).toBe(true);
        // After the TTL the id is free again.
        const later = new Date(t0.getTime() + ttl + 1);
        expect(await store.rememberWebhookEvent(event(4), ttl, later)).toMatchObject({
          isNew: true,
          eventId: 'hub-4',
        });
      });

      it('never answers a pending claim as done: in progress while young, taken over when stale', async () => {
        const pendingTimeout = 5000;
        await store.rememberWebhookEvent(event(1), ttl, t0, pendingTimeout);
        // The owner has not confirmed (its broker stalled, or it died): not a duplicate.
        expect(
          await store.rememberWebhookEvent(
            event(2),
            ttl,
            new Date(t0.getTime() + 1000),
            pendingTimeout,
          ),
        ).toEqual({
          isNew: false,
          eventId: 'hub-1',
          correlationId: 'corr-1',
          state: 'pending',
          retryAfterMs: 4000,
        });
        // Stale: of many concurrent retries exactly one takes it over, with the first ids.
        const stale = new Date(t0.getTime() + pendingTimeout);
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, n) =>
            store.rememberWebhookEvent(event(10 + n), ttl, stale, pendingTimeout),
          ),
        );
        const owners = claims.filter((c) => c.isNew);
        expect(owners).toEqual([
          {
            isNew: true,
            eventId: 'hub-1',
            correlationId: 'corr-1',
            state: 'pending',
            takenOver: true,
          },
        ]);
        expect(claims.filter((c) => !c.isNew).every((c) => c.state === 'pending')).toBe(true);
        // The takeover restarted the clock: the next retry is told to wait again.
        expect(
          await store.rememberWebhookEvent(
            event(20),
            ttl,
            new Date(stale.getTime() + 1),
            pendingTimeout,
          ),
        ).toMatchObject({ isNew: false, state: 'pending', retryAfterMs: pendingTimeout - 1 });
        // Only the claim's ids confirm it.
        expect(await store.confirmWebhookEvent({ ...event(1), eventId: 'hub-9' })).toBe(false);
        expect(await store.confirmWebhookEvent(event(1))).toBe(true);
        expect(
          await store.rememberWebhookEvent(event(21), ttl, new Date(stale.getTime() + 2)),
        ).toMatchObject({ isNew: false, state: 'confirmed', eventId: 'hub-1' });
      });

      it('refuses a NUL in an id the same way on every store, naming the field', async () => {
        const withNul = { ...event(1), sourceEventId: 'evt_a\u0000b' };
        await expect(store.rememberWebhookEvent(withNul, ttl, t0)).rejects.toMatchObject({
          name: 'StoreInputError',
          field: 'sourceEventId',
          message: expect.stringContaining('"evt_a\\u0000b" contains a NUL character'),
        });
        // The id without it is a different, storable id.
        expect(
          (await store.rememberWebhookEvent({ ...withNul, sourceEventId: 'evt_ab' }, ttl, t0))
            .isNew,
        ).toBe(true);
      });

      it('answers every claim and confirm of one batch as it would alone (multi-row statements)', async () => {
        const id = (n: number) => ({
          connectorId: 'stripe',
          sourceEventId: `evt_b${n}`,
          eventId: `hub-b${n}`,
          correlationId: `corr-b${n}`,
        });
        const at = (ms: number) => new Date(t0.getTime() + ms);
        // Before the batch: b1 confirmed, b2 pending, b3 expired (its TTL 1 s), b4 pending.
        for (const n of [1, 2, 4]) await store.rememberWebhookEvent(id(n), ttl, t0);
        await store.rememberWebhookEvent(id(3), 1000, t0);
        await store.confirmWebhookEvent(id(1));
        const batcher = (store as { webhookWrites?: { stats: { fallbacks: number } } })
          .webhookWrites;
        const fallbacks = batcher?.stats.fallbacks ?? 0;
        // 40 new ids: more than one statement's 32 rows.
        const fresh = Array.from({ length: 40 }, (_, n) => id(100 + n));
        const answers = await Promise.all([
          store.rememberWebhookEvent({ ...id(1), eventId: 'retry-1' }, ttl, at(10)),
          store.rememberWebhookEvent({ ...id(2), eventId: 'retry-2' }, ttl, at(10)),
          // Expired at this request's time: free again, claimed anew with this request's ids.
          store.rememberWebhookEvent({ ...id(3), eventId: 'again-3' }, ttl, at(1000)),
          store.confirmWebhookEvent(id(4)),
          store.confirmWebhookEvent({ ...id(2), eventId: 'not-the-owner' }),
          store.confirmWebhookEvent(id(99)),
          ...fresh.map((f) => store.rememberWebhookEvent(f, ttl, at(10))),
          // The same new id twice in the batch: the first claims it, the second finds it pending.
          store.rememberWebhookEvent({ ...id(100), eventId: 'second' }, ttl, at(10)),
        ]);
        expect(answers.slice(0, 6)).toEqual([
          { isNew: false, eventId: 'hub-b1', correlationId: 'corr-b1', state: 'confirmed' },
          {
            isNew: false,
            eventId: 'hub-b2',
            correlationId: 'corr-b2',
            state: 'pending',
            retryAfterMs: expect.any(Number),
          },
          { isNew: true, eventId: 'again-3', correlationId: 'corr-b3', state: 'pending' },
          true,
          false,
          false,
        ]);
        expect(answers.slice(6, 46)).toEqual(
          fresh.map((f) => ({
            isNew: true,
            eventId: f.eventId,
            correlationId: f.correlationId,
            state: 'pending',
          })),
        );
        expect(answers[46]).toMatchObject({ isNew: false, eventId: 'hub-b100', state: 'pending' });
        // Nothing fell back to one transaction per write.
        expect(batcher?.stats.fallbacks ?? 0).toBe(fallbacks);
        // What was stored agrees: b4 and the fresh ids confirm as their owners', b3 is the new claim's.
        expect(await store.confirmWebhookEvent({ ...id(3), eventId: 'again-3' })).toBe(true);
        expect(
          await store.rememberWebhookEvent({ ...id(4), eventId: 'retry-4' }, ttl, at(20)),
        ).toMatchObject({ isNew: false, state: 'confirmed', eventId: 'hub-b4' });
        expect(await store.confirmWebhookEvent(fresh[39])).toBe(true);
      });

      it('lets exactly one of many concurrent inserts of the same id win', async () => {
        const claims = await Promise.all(
          Array.from({ length: 12 }, (_, n) => store.rememberWebhookEvent(event(n), ttl, t0)),
        );
        const winners = claims.filter((c) => c.isNew);
        expect(winners).toHaveLength(1);
        expect(new Set(claims.map((c) => c.eventId))).toEqual(new Set([winners[0].eventId]));
      });

      it('purges expired ids and releases a failed acceptance', async () => {
        await store.rememberWebhookEvent(event(1), ttl, t0);
        await store.rememberWebhookEvent({ ...event(2), sourceEventId: 'evt_2' }, ttl * 10, t0);
        expect(await store.purgeWebhookEvents(new Date(t0.getTime() + ttl))).toBe(1);
        // Only the claim's owner releases it.
        await store.forgetWebhookEvent({
          connectorId: 'stripe',
          sourceEventId: 'evt_2',
          eventId: 'someone-else',
        });
        expect(
          (await store.rememberWebhookEvent({ ...event(3), sourceEventId: 'evt_2' }, ttl, t0))
            .isNew,
        ).toBe(false);
        await store.forgetWebhookEvent({
          connectorId: 'stripe',
          sourceEventId: 'evt_2',
          eventId: 'hub-2',
        });
        expect(
          (await store.rememberWebhookEvent({ ...event(3), sourceEventId: 'evt_2' }, ttl, t0))
            .isNew,
        ).toBe(true);
      });
    });

    it('keeps context facts with their source', async () => {
      await store.putContextFact({
        key: 'account:acc_9:tier',
        value: 'strategic',
        source: 'salesforce',
        fetchedAt: '2026-03-10T06:00:00Z',
      });
      await store.putContextFact({
        key: 'account:acc_9:tier',
        value: { tier: 'gold', arr: 120000 },
        source: 'crm',
        fetchedAt: '2026-03-11T06:00:00Z',
      });
      expect(await store.getContextFact('account:acc_9:tier')).toEqual({
        key: 'account:acc_9:tier',
        value: { tier: 'gold', arr: 120000 },
        source: 'crm',
        fetchedAt: '2026-03-11T06:00:00Z',
      });
      expect(await store.getContextFact('missing')).toBeUndefined();
    });

    describe('API keys', () => {
      it('stores only a salted hash and finds a key by its plaintext', async () => {
        const created = await store.createApiKey('steward', 'mapping team');
        expect(created.key).toMatch(/^exhub_[0-9a-f]+\.[A-Za-z0-9_-]{40,}$/);
        expect(await store.findApiKey(created.key)).toEqual({
          id: created.id,
          role: 'steward',
          name: 'mapping team',
          createdAt: created.createdAt,
        });

        const secret = created.key.split('.')[1];
        const table = JSON.stringify(await harness.raw('select * from api_keys'));
        expect(table).toContain(created.id);
        expect(table).not.toContain(secret);
        expect(table).not.toContain(created.key);

        const second = await store.createApiKey('admin', 'sre');
        expect(await store.findApiKey(`${created.key.slice(0, -1)}x`)).toBeUndefined();
        // A valid secret under another key's id is no key at all.
        expect(
          await store.findApiKey(`exhub_${created.id}.${second.key.split('.')[1]}`),
        ).toBeUndefined();
        expect(await store.findApiKey('not a key')).toBeUndefined();
        expect(await store.findApiKey('')).toBeUndefined();

        const listed = await store.listApiKeys();
        expect(listed.map((k) => k.role).sort()).toEqual(['admin', 'steward']);
        expect(JSON.stringify(listed)).not.toContain(secret);
        expect(await store.revokeApiKey(created.id)).toBe(true);
        expect(await store.findApiKey(created.key)).toBeUndefined();
      });

      it('refuses an unknown role', async () => {
        await expect(store.createApiKey('root', 'x')).rejects.toThrow(
          /viewer, steward, operator, admin/,
        );
        expect(await store.listApiKeys()).toEqual([]);
      });
    });

    it('serves polling connectors their JSON cursors and answers readiness', async () => {
      const cursors = storeCursors(store);
      expect(await cursors.get('sap')).toBeUndefined();
      await cursors.put('sap', { since: '2026-03-10T06:00:00Z', page: 2 });
      expect(await cursors.get('sap')).toEqual({ since: '2026-03-10T06:00:00Z', page: 2 });
      expect(await storeReadiness(store)).toEqual({
        ok: true,
        detail: `${store.kind} store ${store.location} answers`,
      });
      await store.close();
      expect((await storeReadiness(store)).ok).toBe(false);
      store = await harness.open();
    });

    it('runs fn under the poll lock and returns its value', async () => {
      expect(await store.withPollLock('sap', async () => 42)).toEqual({ ran: true, value: 42 });
      // Released afterwards: the next poll runs too.
      expect(await store.withPollLock('sap', async () => 'again')).toEqual({
        ran: true,
        value: 'again',
      });
    });
  });
}
