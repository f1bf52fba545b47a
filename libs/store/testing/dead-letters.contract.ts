/**
 * Part of the store contract (store.contract.ts runs it on every adapter): the dead-letter ledger
 * behind exhub_dlq_oldest_message_age_seconds.
 */
import { describe, expect, it } from '@jest/globals';
import type { ExceptionStore } from '../src/store';

interface Ctx {
  store: ExceptionStore;
}

const T0 = Date.parse('2026-11-02T08:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

export function describeDeadLetterLedger(ctx: () => Ctx): void {
  describe('dead-letter ledger', () => {
    async function fill(store: ExceptionStore, n: number): Promise<void> {
      for (let i = 0; i < n; i++) {
        await store.recordDeadLetter({
          key: `m-${i}`,
          deadAt: at(i),
          connectorId: 'stripe',
          errorClass: 'INVALID_PAYLOAD',
        });
      }
    }

    it('answers the entry time of the oldest message still in the DLQ, given its depth', async () => {
      const { store } = ctx();
      await fill(store, 5); // entered at minutes 0..4
      expect(await store.oldestDeadLetter(5)).toEqual(at(0));
      // Two were replayed from the head: the oldest still there entered at minute 2.
      expect(await store.oldestDeadLetter(3)).toEqual(at(2));
      // The taken ones were pruned: a later larger depth cannot bring them back.
      expect(await store.oldestDeadLetter(5)).toEqual(at(2));
    });

    it('records a message once, however often its ledger copy is delivered', async () => {
      const { store } = ctx();
      await fill(store, 2);
      await store.recordDeadLetter({ key: 'm-0', deadAt: at(50) });
      expect(await store.oldestDeadLetter(2)).toEqual(at(0));
    });

    it('empties the ledger when the DLQ is empty, and knows nothing then', async () => {
      const { store } = ctx();
      await fill(store, 3);
      expect(await store.oldestDeadLetter(0)).toBeUndefined();
      expect(await store.oldestDeadLetter(3)).toBeUndefined();
      await store.recordDeadLetter({ key: 'late', deadAt: at(9) });
      expect(await store.oldestDeadLetter(1)).toEqual(at(9));
    });

    it('answers the oldest it knows when the DLQ holds more than the ledger saw', async () => {
      const { store } = ctx();
      await fill(store, 2);
      expect(await store.oldestDeadLetter(10)).toEqual(at(0));
    });
  });
}
