/**
 * Part of the store contract (store.contract.ts runs it on every adapter): the worker's group
 * commit (upsertExceptions) stores a batch in one transaction exactly as one upsertException per
 * exception would, appends the audit entries in the batch's order, and is all or nothing.
 */
import { describe, expect, it } from '@jest/globals';
import type { CanonicalException } from '@exhub/canonical';
import { sampleException } from './sample-exception';
import type { ExceptionStore } from '../src/store';

interface Ctx {
  store: ExceptionStore;
}

const pipeline = { actor: 'pipeline' };

const rescored = (e: CanonicalException, score: number): CanonicalException => ({
  ...e,
  priority: { ...e.priority, score },
});

export function describeGroupCommit(ctx: () => Ctx): void {
  describe('group commit (upsertExceptions: one transaction for a batch)', () => {
    it('stores each exception as upsertException would, results and audit entries in the given order', async () => {
      const { store } = ctx();
      const known = sampleException({ id: 'g-known', score: 10 });
      await store.upsertException(known, pipeline);
      const before = await store.auditTrail();

      const fresh = sampleException({ id: 'g-zz-new', score: 20, parties: ['cus_9'] });
      const same = sampleException({ id: 'g-aa-same', score: 30 });
      await store.upsertException(same, pipeline);
      const headBefore = (await store.auditTrail()).length;
      // Given out of id order, with one id twice (two events about one exception in a batch).
      const results = await store.upsertExceptions([
        { exception: fresh, context: pipeline },
        { exception: rescored(known, 11), context: pipeline },
        { exception: same, context: pipeline },
        { exception: rescored(known, 12), context: pipeline },
      ]);
      expect(
        results.map((r) => [r.exception.id, r.exception.version, r.created, r.changed]),
      ).toEqual([
        ['g-zz-new', 1, true, true],
        ['g-known', 2, false, true],
        ['g-aa-same', 1, false, false],
        ['g-known', 3, false, true],
      ]);
      expect(
        (await store.exceptionHistory('g-known')).map((h) => h.exception.priority.score),
      ).toEqual([10, 11, 12]);
      expect(await store.getException('g-zz-new')).toMatchObject({ version: 1 });
      expect(await store.findOpenExceptions({ keys: [{ kind: 'party', value: 'cus_9' }] })).toEqual(
        [expect.objectContaining({ id: 'g-zz-new' })],
      );

      // One entry per new version (none for the unchanged one), in the batch's order, chained.
      const trail = await store.auditTrail({ afterSeq: headBefore });
      expect(trail.map((a) => [a.exceptionId, a.action, JSON.parse(a.details).version])).toEqual([
        ['g-zz-new', 'exception.created', 1],
        ['g-known', 'exception.updated', 2],
        ['g-known', 'exception.updated', 3],
      ]);
      expect(trail.map((a) => a.seq)).toEqual([headBefore + 1, headBefore + 2, headBefore + 3]);
      expect(before.length).toBe(1);
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: headBefore + 3 });

      // A batch of one is the single path; an empty batch writes nothing.
      expect(await store.upsertExceptions([])).toEqual([]);
      const [one] = await store.upsertExceptions([
        { exception: rescored(known, 13), context: pipeline },
      ]);
      expect(one.exception.version).toBe(4);
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: headBefore + 4 });
    });

    it('writes a batch of new exceptions larger than one multi-row statement as one upsertException each would', async () => {
      const { store } = ctx();
      // 70 new ids: more rows than one statement of the bulk path takes (32), in three chunks.
      const batch = Array.from({ length: 70 }, (_, i) =>
        sampleException({
          id: `g-bulk-${String(i).padStart(3, '0')}`,
          score: i,
          parties: ['cus_shared', `cus_${i}`],
        }),
      ).reverse();
      const results = await store.upsertExceptions(
        batch.map((exception) => ({ exception, context: pipeline })),
      );
      expect(results.map((r) => [r.exception.id, r.created, r.changed, r.reopened])).toEqual(
        batch.map((e) => [e.id, true, true, false]),
      );
      for (const [i, e] of batch.entries()) {
        expect(results[i].exception).toEqual({ ...e, version: 1 });
        expect(await store.getException(e.id)).toEqual({ ...e, version: 1 });
        const history = await store.exceptionHistory(e.id);
        expect(history.map((h) => [h.version, h.exception])).toEqual([[1, { ...e, version: 1 }]]);
      }
      // Parties and keys of every row: found by each, and by the one they all share.
      expect(
        (await store.findOpenExceptions({ keys: [{ kind: 'party', value: 'cus_shared' }] })).map(
          (e) => e.id,
        ),
      ).toEqual(batch.map((e) => e.id).sort());
      expect(
        await store.findOpenExceptions({ keys: [{ kind: 'payment', value: 'ch_g-bulk-041' }] }),
      ).toEqual([expect.objectContaining({ id: 'g-bulk-041' })]);
      expect((await store.worklist({ partyId: 'cus_7' })).items.map((e) => e.id)).toEqual([
        'g-bulk-007',
      ]);
      // One created entry each, in the batch's order, chained.
      const trail = await store.auditTrail();
      expect(trail.map((a) => [a.exceptionId, a.action])).toEqual(
        batch.map((e) => [e.id, 'exception.created']),
      );
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 70 });

      // The same batch again is a redelivery (no new version, no entry); a re-score is version 2.
      const again = await store.upsertExceptions(
        batch.map((exception) => ({ exception, context: pipeline })),
      );
      expect(again.every((r) => !r.created && !r.changed && r.exception.version === 1)).toBe(true);
      const next = await store.upsertExceptions(
        batch.slice(0, 40).map((e) => ({ exception: rescored(e, 99), context: pipeline })),
      );
      expect(next.map((r) => [r.exception.version, r.changed])).toEqual(
        batch.slice(0, 40).map(() => [2, true]),
      );
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 110 });
    });

    it('gives each new version the document it stored: the exception as the pipeline publishes it', async () => {
      const { store } = ctx();
      const known = sampleException({ id: 'd-known', score: 10 });
      const same = sampleException({ id: 'd-same', score: 10 });
      await store.upsertException(known, pipeline);
      await store.upsertException(same, pipeline);
      const fresh = sampleException({ id: 'd-new', score: 20, parties: ['cus_9'] });
      const twice = sampleException({ id: 'd-twice', score: 30 });
      const batch = [fresh, rescored(known, 50), same, twice, rescored(twice, 31)];
      const results = await store.upsertExceptions(
        batch.map((exception) => ({ exception, context: pipeline })),
      );
      const alone = await store.upsertException(rescored(fresh, 60), pipeline);
      const unchanged = await store.upsertException(rescored(fresh, 60), pipeline);
      const all = [...results, alone, unchanged];
      expect(all.map((r) => r.document !== undefined)).toEqual([
        true,
        true,
        false,
        true,
        true,
        true,
        false,
      ]);
      [...batch, rescored(fresh, 60)].forEach((input, i) => {
        const r = all[i];
        if (r.document === undefined) return;
        expect(r.document).toBe(JSON.stringify(r.exception));
        // What the worker publishes: the input with the store's version and status.
        const published = { ...input, version: r.exception.version, status: r.exception.status };
        expect(r.document).toBe(JSON.stringify(published));
      });
      expect(JSON.parse(alone.document ?? '')).toEqual(await store.getException('d-new'));
    });

    it('is all or nothing: a row that cannot be written rolls the whole batch back', async () => {
      const { store } = ctx();
      const ok = sampleException({ id: 'g-ok', score: 10 });
      const known = sampleException({ id: 'g-known', score: 10 });
      await store.upsertException(known, pipeline);
      const broken = {
        ...sampleException({ id: 'g-zz-broken', score: 10 }),
        priority: undefined,
      } as unknown as CanonicalException;
      await expect(
        store.upsertExceptions([
          { exception: ok, context: pipeline },
          { exception: rescored(known, 50), context: pipeline },
          { exception: broken, context: pipeline },
        ]),
      ).rejects.toThrow();
      expect(await store.getException('g-ok')).toBeUndefined();
      expect(await store.getException('g-known')).toMatchObject({ version: 1 });
      expect(await store.exceptionHistory('g-known')).toHaveLength(1);
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 1 });
      // The same rows without the broken one commit (what the worker's per-delivery fallback does).
      await store.upsertExceptions([
        { exception: ok, context: pipeline },
        { exception: rescored(known, 50), context: pipeline },
      ]);
      expect(await store.getException('g-known')).toMatchObject({ version: 2 });
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 3 });
    });

    it('keeps versions and the chain sound with batches and single writes at once', async () => {
      const { store } = ctx();
      const ids = ['g-a', 'g-b', 'g-c', 'g-d'];
      const base = ids.map((id) => sampleException({ id, score: 1 }));
      // Overlapping batches in opposite id orders, and single upserts, all concurrently.
      await Promise.all([
        store.upsertExceptions(base.map((e) => ({ exception: rescored(e, 2), context: pipeline }))),
        store.upsertExceptions(
          [...base].reverse().map((e) => ({ exception: rescored(e, 3), context: pipeline })),
        ),
        ...base.map((e) => store.upsertException(rescored(e, 4), pipeline)),
      ]);
      for (const id of ids) {
        expect((await store.exceptionHistory(id)).map((h) => h.version)).toEqual([1, 2, 3]);
      }
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 12 });
    });
  });
}
