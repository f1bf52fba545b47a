/**
 * Part of the store contract (store.contract.ts runs it on every adapter): the process-intelligence
 * queries — status changes from the audit trail, root-cause counts and group members.
 */
import { describe, expect, it } from '@jest/globals';
import type { CanonicalException } from '@exhub/canonical';
import { StoreInputError } from '../src/errors';
import { MAX_TRANSITIONS_PAGE } from '../src/insights.repo';
import { sampleException } from './sample-exception';
import type { ExceptionStore } from '../src/store';

interface Ctx {
  store: ExceptionStore;
}

const T0 = Date.parse('2026-11-02T08:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const pipeline = (minutes: number) => ({ actor: 'pipeline', at: at(minutes) });

function grouped(
  id: string,
  key: string,
  role: 'child' | 'parent' = 'child',
  type: CanonicalException['type'] = 'invoice_mismatch',
): CanonicalException {
  return { ...sampleException({ id, score: 30, type }), group: { key, role } };
}

export function describeProcessInsights(ctx: () => Ctx): void {
  describe('process intelligence', () => {
    it('lists status changes from the audit trail with the time the exception became open', async () => {
      const { store } = ctx();
      const first = sampleException({ id: 'pi-1', score: 50, tier: 'p2', type: 'payment_failure' });
      await store.upsertException(first, pipeline(0));
      // A re-score changes content, not status: not a transition.
      await store.upsertException({ ...first, title: 'Payment failed again' }, pipeline(5));
      await store.applyDecision('pi-1', {
        action: 'approve',
        actor: 'ana',
        reason: 'looked at it',
        at: at(30),
      });
      await store.applyDecision('pi-1', {
        action: 'resolve',
        actor: 'ana',
        reason: 'paid',
        at: at(90),
      });
      await store.upsertException(sampleException({ id: 'pi-2', score: 10 }), pipeline(10));
      await store.applyOutcome({
        exceptionId: 'pi-2',
        kind: 'dismissed',
        actor: 'bot',
        at: at(20),
      });

      const page = await store.statusTransitions();
      const moves = page.transitions.map((t) => [t.exceptionId, t.from, t.to, t.at, t.openedAt]);
      expect(moves).toEqual([
        // In the order they were recorded (audit sequence).
        ['pi-1', 'open', 'in_review', at(30).toISOString(), at(0).toISOString()],
        ['pi-1', 'in_review', 'resolved', at(90).toISOString(), at(0).toISOString()],
        ['pi-2', 'open', 'dismissed', at(20).toISOString(), at(10).toISOString()],
      ]);
      expect(page.transitions[0]).toMatchObject({
        domain: 'finance',
        type: 'payment_failure',
        tier: 'p2',
      });
      // Continuing from lastSeq gives nothing until something moves again.
      expect((await store.statusTransitions({ afterSeq: page.lastSeq })).transitions).toEqual([]);
      const since = await store.statusTransitions({ since: at(60) });
      expect(since.transitions.map((t) => t.to)).toEqual(['resolved']);
    });

    it('measures from the latest re-opening, and pages by limit without losing a change', async () => {
      const { store } = ctx();
      const e = sampleException({ id: 'pi-3', score: 20 });
      await store.upsertException(e, pipeline(0));
      await store.upsertException({ ...e, title: 'Re-scored' }, pipeline(1));
      await store.applyDecision('pi-3', { action: 'resolve', actor: 'a', reason: 'x', at: at(10) });
      // New content with status open from the source re-opens it.
      await store.upsertException({ ...e, title: 'It is back', status: 'open' }, pipeline(100));
      await store.applyDecision('pi-3', {
        action: 'dismiss',
        actor: 'a',
        reason: 'y',
        at: at(130),
      });

      // A re-score is read but is no status change: a page may hold no change and still be full.
      const first = await store.statusTransitions({ limit: 1 });
      expect(first).toMatchObject({ transitions: [], more: true });
      const one = await store.statusTransitions({ afterSeq: first.lastSeq, limit: 1 });
      expect(one.transitions.map((t) => t.to)).toEqual(['resolved']);
      const rest = await store.statusTransitions({ afterSeq: one.lastSeq });
      expect(rest.more).toBe(false);
      expect(rest.transitions.map((t) => [t.from, t.to, t.openedAt])).toEqual([
        ['resolved', 'open', at(100).toISOString()],
        ['open', 'dismissed', at(100).toISOString()],
      ]);
      await expect(store.statusTransitions({ limit: MAX_TRANSITIONS_PAGE + 1 })).rejects.toThrow(
        StoreInputError,
      );
    });

    it('counts open exceptions per root-cause key and type, parents and closed ones left out', async () => {
      const { store } = ctx();
      for (const id of ['rc-1', 'rc-2', 'rc-3'])
        await store.upsertException(grouped(id, 'supplier-master:SUP-1|TAX'), pipeline(0));
      await store.upsertException(
        grouped('rc-4', 'supplier-master:SUP-1|TAX', 'child', 'tax_validation_failure'),
        pipeline(0),
      );
      await store.upsertException(grouped('rc-5', 'supplier-master:SUP-2|TAX'), pipeline(0));
      await store.upsertException(
        grouped('rc-p', 'supplier-master:SUP-1|TAX', 'parent'),
        pipeline(0),
      );
      await store.upsertException(sampleException({ id: 'rc-none', score: 1 }), pipeline(0));
      await store.applyDecision('rc-3', { action: 'resolve', actor: 'a', reason: 'x', at: at(5) });

      expect(await store.rootCauseStats()).toEqual([
        { key: 'supplier-master:SUP-1|TAX', type: 'invoice_mismatch', open: 2 },
        { key: 'supplier-master:SUP-1|TAX', type: 'tax_validation_failure', open: 1 },
        { key: 'supplier-master:SUP-2|TAX', type: 'invoice_mismatch', open: 1 },
      ]);
      expect(await store.openGroupMembers('supplier-master:SUP-1|TAX')).toEqual({
        open: 3,
        ids: ['rc-1', 'rc-2', 'rc-4'],
      });
      expect(await store.openGroupMembers('no-such-key')).toEqual({ open: 0, ids: [] });
      expect(await store.openGroupMembers('supplier-master:SUP-1|TAX', 'rc-2')).toEqual({
        open: 2,
        ids: ['rc-1', 'rc-4'],
      });
    });
  });
}
