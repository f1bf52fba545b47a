/**
 * Part of the store contract (store.contract.ts runs it on every adapter): the key index and the
 * one query behind links and re-scoring, findOpenExceptions.
 */
import { describe, expect, it } from '@jest/globals';
import type { CanonicalException } from '@exhub/canonical';
import { MAX_FIND_OPEN } from '../src/constants';
import { linkKeysOf } from '../src/exception-keys';
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

    it('gives the same exceptions as summaries, without their documents (findOpenLinks)', async () => {
      const { store } = ctx();
      await store.upsertException(withRefs('a', ['cus_1'], { payment: 'ch_1' }), actor);
      await store.upsertException(
        withRefs('b', ['cus_1'], { invoice: 'in_9' }, { dueAt: '2026-05-01T00:00:00Z' }),
        actor,
      );
      const c = withRefs('c', ['cus_2'], { payment: 'ch_1' });
      c.priority = { ...c.priority, tier: 'p1', degraded: true };
      await store.upsertException(c, actor);
      await store.upsertException(withRefs('d', ['cus_3'], { subscription: 'sub_1' }), actor);
      const query = {
        keys: [
          { kind: 'party', value: 'cus_1' },
          { kind: 'payment', value: 'ch_1' },
        ],
        excludeId: 'a',
      };
      const full = await store.findOpenExceptions(query);
      const links = await store.findOpenLinks(query);
      expect(links.map((l) => l.id)).toEqual(['b', 'c']);
      const byKey = (k: { kind: string; value: string }[]) =>
        [...k].map((x) => `${x.kind}=${x.value}`).sort();
      // Each summary says what its document says: domain, type, tier and the link keys (no due
      // date, no degraded marker: they link nothing).
      expect(links.map((l) => ({ ...l, keys: byKey(l.keys) }))).toEqual(
        full.map((e) => ({
          id: e.id,
          domain: e.domain,
          type: e.type,
          tier: e.priority.tier,
          keys: byKey(linkKeysOf(e)),
        })),
      );
      expect(links.find((l) => l.id === 'c')?.tier).toBe('p1');
      expect(byKey(links.find((l) => l.id === 'b')?.keys ?? [])).toEqual([
        'invoice=in_9',
        'party=cus_1',
      ]);
      expect(await store.findOpenLinks({ ...query, limit: 1 })).toHaveLength(1);
      expect(await store.findOpenLinks({ keys: [{ kind: 'party', value: 'nobody' }] })).toEqual([]);
      expect(await store.findOpenLinks({ keys: [] })).toEqual([]);
    });

    it('says which exceptions of a batch share a link key with another, in one look', async () => {
      const { store } = ctx();
      const a = withRefs('a', ['cus_1'], { payment: 'ch_1' });
      const b = withRefs('b', ['cus_1'], {});
      const c = withRefs('c', ['cus_2'], { payment: 'ch_9' });
      const d = withRefs('d', ['cus_3'], {});
      const e = withRefs('e', ['cus_3'], {});
      const hot = ['h1', 'h2', 'h3', 'h4', 'h5'].map((id) => withRefs(id, ['cus_hot'], {}));
      const none = withRefs('n', [], {});
      for (const x of [a, b, c, d, e, ...hot, none]) await store.upsertException(x, actor);
      const sharing = async (list: CanonicalException[]) =>
        [...(await store.sharingLinkKeys(list))].sort();
      // a shares cus_1 with b, outside the batch; c shares nothing; n has no link key.
      expect(await sharing([a, c, none])).toEqual(['a']);
      // d and e share cus_3 with each other, inside the batch.
      expect(await sharing([c, d, e])).toEqual(['d', 'e']);
      // Counting stops at one more than the batch's own holders: a key many hold still counts.
      expect(await sharing([hot[0]])).toEqual(['h1']);
      expect(await sharing(hot)).toEqual(['h1', 'h2', 'h3', 'h4', 'h5']);
      expect(await sharing([])).toEqual([]);
      // The same answer findOpenExceptions gives, exception by exception.
      for (const x of [a, c, none, hot[0]]) {
        const related = await store.findOpenExceptions({
          keys: linkKeysOf(x),
          excludeId: x.id,
        });
        expect(related.length > 0).toBe((await sharing([x])).includes(x.id));
      }
    });

    it('answers look-ups made at once each as it would answer it alone', async () => {
      const { store } = ctx();
      // a and b share cus_1; c alone holds ch_3; many hold cus_hot; z is closed.
      await store.upsertException(withRefs('a', ['cus_1'], { payment: 'ch_1' }), actor);
      await store.upsertException(withRefs('b', ['cus_1'], { invoice: 'in_2' }), actor);
      await store.upsertException(withRefs('c', ['cus_2'], { payment: 'ch_3' }), actor);
      for (const id of ['h1', 'h2', 'h3', 'h4']) {
        await store.upsertException(withRefs(id, ['cus_hot'], {}), actor);
      }
      await store.upsertException(withRefs('z', ['cus_z'], {}, { status: 'resolved' }), actor);
      const key = (kind: string, value: string) => ({ kind, value });
      const queries = [
        { keys: [key('party', 'cus_1')], excludeId: 'a' },
        { keys: [key('party', 'cus_1')], excludeId: 'b' },
        { keys: [key('party', 'cus_1')] },
        { keys: [key('party', 'cus_1')], excludeId: 'x' },
        // The only holder of its one key, and of both its keys.
        { keys: [key('payment', 'ch_3')], excludeId: 'c' },
        { keys: [key('party', 'cus_2'), key('payment', 'ch_3')], excludeId: 'c' },
        { keys: [key('party', 'cus_2'), key('payment', 'ch_1')], excludeId: 'c' },
        { keys: [key('payment', 'ch_3')], excludeId: 'a' },
        { keys: [key('party', 'cus_hot')], excludeId: 'h1' },
        { keys: [key('party', 'cus_hot')], excludeId: 'h4', limit: 2 },
        { keys: [key('party', 'cus_z')] },
        { keys: [key('party', 'nobody')], excludeId: 'a' },
        // More distinct keys than one statement takes.
        ...Array.from({ length: 40 }, (_, i) => ({
          keys: [key('party', `cus_${i % 3 ? 'none' + i : 1}`), key('order', `or_${i}`)],
          excludeId: i % 2 ? 'a' : undefined,
        })),
      ];
      const alone: string[][] = [];
      for (const q of queries) alone.push(ids(await store.findOpenExceptions(q)));
      expect(alone.slice(0, 12)).toEqual([
        ['b'],
        ['a'],
        ['a', 'b'],
        ['a', 'b'],
        [],
        [],
        ['a'],
        ['c'],
        ['h2', 'h3', 'h4'],
        ['h1', 'h2'],
        [],
        [],
      ]);
      const together = await Promise.all(queries.map((q) => store.findOpenExceptions(q)));
      expect(together.map(ids)).toEqual(alone);
      const links = await Promise.all(queries.map((q) => store.findOpenLinks(q)));
      expect(links.map((l) => l.map((x) => x.id))).toEqual(alone);
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
