/**
 * Part of the store contract (store.contract.ts runs it on every adapter): the source ending or
 * re-opening an exception it raised (applySourceTransition).
 */
import { describe, expect, it } from '@jest/globals';
import type { CanonicalException } from '@exhub/canonical';
import { sampleException } from './sample-exception';
import type { ExceptionStore } from '../src/store';

interface Ctx {
  store: ExceptionStore;
}

const pipeline = { actor: 'pipeline' };
const actor = 'source:stripe-main';
const won = {
  by: 'source' as const,
  status: 'resolved' as const,
  reason: 'Dispute closed by Stripe: won',
  at: '2026-03-20T10:00:00Z',
  eventId: 'evt_closed',
  mapping: 'stripe.dispute-closed@abc',
};
const reopened = { ...won, status: 'open' as const, reason: 'Ticket re-opened', eventId: 'evt_re' };

export function describeSourceTransitions(ctx: () => Ctx): void {
  describe('source transitions (the source ends or re-opens what it raised)', () => {
    it('resolves with a new version, a history row, an audit entry and a source outcome', async () => {
      const { store } = ctx();
      await store.upsertException(sampleException({ id: 's-1', score: 40, tier: 'p2' }), pipeline);
      const result = await store.applySourceTransition({
        exceptionId: 's-1',
        resolution: won,
        actor,
        at: new Date('2026-03-20T10:00:05Z'),
      });
      expect(result).toMatchObject({ kind: 'changed', statusBefore: 'open' });
      const stored = await store.getException('s-1');
      expect(stored).toMatchObject({ version: 2, status: 'resolved', resolution: won });
      expect((await store.exceptionHistory('s-1')).map((v) => v.exception.status)).toEqual([
        'open',
        'resolved',
      ]);
      expect(await store.listOutcomes('s-1')).toEqual([
        expect.objectContaining({
          kind: 'resolved',
          actor,
          reason: won.reason,
          version: 2,
          at: '2026-03-20T10:00:00Z',
          tierBefore: 'p2',
          tierAfter: 'p2',
          resolvedBy: 'source',
        }),
      ]);
      const audit = await store.auditTrail({ exceptionId: 's-1' });
      expect(audit.map((a) => [a.action, a.actor])).toEqual([
        ['exception.created', 'pipeline'],
        ['outcome.resolved', actor],
      ]);
      expect(JSON.parse(audit[1].details)).toMatchObject({
        resolvedBy: 'source',
        reason: won.reason,
        statusBefore: 'open',
        status: 'resolved',
        version: 2,
        sourceEventId: 'evt_closed',
      });
      expect((await store.verifyAudit()).ok).toBe(true);
    });

    it('counts a resolved exception time to resolve like any other outcome', async () => {
      const { store } = ctx();
      await store.upsertException(sampleException({ id: 's-2', score: 40 }), pipeline);
      await store.applySourceTransition({ exceptionId: 's-2', resolution: won, actor });
      const { transitions } = await store.statusTransitions();
      expect(transitions.filter((t) => t.exceptionId === 's-2')).toEqual([
        expect.objectContaining({ from: 'open', to: 'resolved' }),
      ]);
    });

    it('is a no-op for an unknown exception, a redelivery, or a dismissed exception', async () => {
      const { store } = ctx();
      expect(
        await store.applySourceTransition({ exceptionId: 'never', resolution: won, actor }),
      ).toEqual({ kind: 'unknown' });
      await store.upsertException(sampleException({ id: 's-3', score: 40 }), pipeline);
      await store.applySourceTransition({ exceptionId: 's-3', resolution: won, actor });
      const again = await store.applySourceTransition({
        exceptionId: 's-3',
        resolution: won,
        actor,
      });
      expect(again.kind).toBe('unchanged');
      expect((await store.getException('s-3'))?.version).toBe(2);

      await store.upsertException(sampleException({ id: 's-4', score: 40 }), pipeline);
      await store.applyDecision('s-4', { action: 'dismiss', actor: 'ana', reason: 'duplicate' });
      const ended = await store.applySourceTransition({
        exceptionId: 's-4',
        resolution: won,
        actor,
      });
      expect(ended).toMatchObject({ kind: 'unchanged', exception: { status: 'dismissed' } });
      // An open signal for an open exception changes nothing either.
      await store.upsertException(sampleException({ id: 's-5', score: 40 }), pipeline);
      const open = await store.applySourceTransition({
        exceptionId: 's-5',
        resolution: reopened,
        actor,
      });
      expect(open.kind).toBe('unchanged');
      expect((await store.listOutcomes('s-4')).map((o) => o.resolvedBy)).toEqual(['person']);
    });

    it('re-opens on the source saying so; a redelivery of the opening event does not', async () => {
      const { store } = ctx();
      const opened: CanonicalException = sampleException({ id: 's-6', score: 40 });
      await store.upsertException(opened, pipeline);
      await store.applySourceTransition({ exceptionId: 's-6', resolution: won, actor });
      // The opening event again (same content): the exception stays resolved.
      const again = await store.upsertException({ ...opened }, pipeline);
      expect(again).toMatchObject({ changed: false, exception: { status: 'resolved' } });

      const result = await store.applySourceTransition({
        exceptionId: 's-6',
        resolution: reopened,
        actor,
      });
      expect(result).toMatchObject({ kind: 'changed', statusBefore: 'resolved' });
      expect(await store.getException('s-6')).toMatchObject({
        version: 3,
        status: 'open',
        resolution: reopened,
      });
      const audit = await store.auditTrail({ exceptionId: 's-6' });
      expect(audit.map((a) => a.action)).toEqual([
        'exception.created',
        'outcome.resolved',
        'exception.reopened',
      ]);
      // A re-opening is not an outcome: only the end is.
      expect((await store.listOutcomes('s-6')).map((o) => o.kind)).toEqual(['resolved']);
    });
  });
}
