/**
 * Part of the store contract (store.contract.ts runs it on every adapter): the key index and the
 * one query behind links and re-scoring, findOpenExceptions.
 */
import { describe, expect, it } from '@jest/globals';
import type { CanonicalException } from '@exhub/canonical';
import { MAX_FIND_OPEN } from '../src/constants';
import { StoreInputError } from '../src/errors';
import { sampleException } from './sample-exception';
import type { ExceptionStore } from '../src/store';

interface Ctx {
  store: ExceptionStore;
}

const actor = { actor: 'pipeline' };
const ids = (list: CanonicalException[]) => list.map((e) => e.id);

function withRefs(
  id: string,
  parties: string[],
  references: Record<string, string>,
  extra: Partial<CanonicalException> = {},
): CanonicalException {
  return { ...sampleException({ id, score: 30, parties }), references, ...extra };
}

export function describeOpenExceptions(ctx: () => Ctx): void {
  describe('open exceptions by shared key, due date and degraded score', () => {
    it('finds the open exceptions that share a party or a reference, and no others', async () => {
      const { store } = ctx();
      await store.upsertException(withRefs('a', ['cus_1'], { payment: 'ch_1' }), actor);
      await store.upsertException(withRefs('b', ['cus_1'], { invoice: 'in_9' }), actor);
      await store.upsertException(withRefs('c', ['cus_2'], { payment: 'ch_1' }), actor);
      await store.upsertException(withRefs('d', ['cus_3'], { subscription: 'sub_1' }), actor);
      // Same value under another kind is not a shared reference.
      await store.upsertException(withRefs('e', ['cus_4'], { invoice: 'ch_1' }), actor);

      const related = await store.findOpenExceptions({
        keys: [
          { kind: 'party', value: 'cus_1' },
          { kind: 'payment', value: 'ch_1' },
        ],
        excludeId: 'a',
      });
      expect(ids(related)).toEqual(['b', 'c']);
      expect(
        ids(await store.findOpenExceptions({ keys: [{ kind: 'subscription', value: 'sub_1' }] })),
      ).toEqual(['d']);
      expect(await store.findOpenExceptions({ keys: [] })).toEqual([]);
    });

    it('follows changes: new keys replace old ones, closed exceptions drop out', async () => {
      const { store } = ctx();
      await store.upsertException(withRefs('a', ['cus_1'], { payment: 'ch_1' }), actor);
      await store.upsertException(withRefs('b', ['cus_1'], {}), actor);
      const moved = { ...withRefs('a', ['cus_9'], { payment: 'ch_2' }), title: 'moved' };
      await store.upsertException(moved, actor);
      const byOld = await store.findOpenExceptions({ keys: [{ kind: 'payment', value: 'ch_1' }] });
      expect(byOld).toEqual([]);
      expect(
        ids(await store.findOpenExceptions({ keys: [{ kind: 'party', value: 'cus_9' }] })),
      ).toEqual(['a']);

      await store.applyDecision('b', { action: 'resolve', reason: 'paid', actor: 'ana' });
      expect(await store.findOpenExceptions({ keys: [{ kind: 'party', value: 'cus_1' }] })).toEqual(
        [],
      );
    });

    it('finds open exceptions due at or before an instant, and degraded ones', async () => {
      const { store } = ctx();
      await store.upsertException(withRefs('a', [], {}, { dueAt: '2026-05-01T00:00:00Z' }), actor);
      await store.upsertException(withRefs('b', [], {}, { dueAt: '2026-05-03T00:00:00Z' }), actor);
      await store.upsertException(withRefs('c', [], {}), actor);
      const degraded = withRefs('d', [], {});
      degraded.priority = { ...degraded.priority, degraded: true };
      await store.upsertException(degraded, actor);

      expect(ids(await store.findOpenExceptions({ dueBefore: '2026-05-01T00:00:00Z' }))).toEqual([
        'a',
      ]);
      expect(ids(await store.findOpenExceptions({ dueBefore: '2026-06-01T00:00:00Z' }))).toEqual([
        'a',
        'b',
      ]);
      expect(ids(await store.findOpenExceptions({ degraded: true }))).toEqual(['d']);

      // Re-scored with the context: no longer degraded.
      const whole = { ...degraded, priority: { ...degraded.priority, degraded: false } };
      await store.upsertException(whole, actor);
      expect(await store.findOpenExceptions({ degraded: true })).toEqual([]);
    });

    it('pages by id and refuses a limit outside 1..MAX_FIND_OPEN', async () => {
      const { store } = ctx();
      for (const id of ['a', 'b', 'c'])
        await store.upsertException(withRefs(id, ['cus_1'], {}), actor);
      const keys = [{ kind: 'party', value: 'cus_1' }];
      expect(ids(await store.findOpenExceptions({ keys, limit: 2 }))).toEqual(['a', 'b']);
      expect(ids(await store.findOpenExceptions({ keys, limit: 2, afterId: 'b' }))).toEqual(['c']);
      await expect(store.findOpenExceptions({ keys, limit: MAX_FIND_OPEN + 1 })).rejects.toThrow(
        StoreInputError,
      );
    });
  });
}
