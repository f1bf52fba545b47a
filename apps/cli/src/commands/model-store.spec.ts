import { join } from 'node:path';
import { loadPolicyFile } from '@exhub/prioritization';
import { DEFAULT_TRAIN, evaluateModel, train } from '@exhub/prioritization';
import { openStore, type ExceptionStore } from '@exhub/store';
import { sampleException } from '../../../../libs/store/testing/sample-exception';
import { outcomeOf, recordsFromStore } from './model-store';

const policy = (() => {
  const loaded = loadPolicyFile(join(__dirname, '../../../../policies/priority.yaml'), {
    withModel: false,
  });
  return { ...loaded, model: undefined, policy: { ...loaded.policy, model: undefined } };
})();
const pipeline = { actor: 'pipeline' };
const DAY = 86_400_000;
const T0 = Date.parse('2026-09-01T09:00:00Z');
const at = (days: number) => new Date(T0 + days * DAY);

describe('training records from the store (exhub model train --from-store)', () => {
  let store: ExceptionStore;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  /** An exception detected `day` days after T0, due a day later, with an amount. */
  async function detected(id: string, day: number, amount: string) {
    const e = sampleException({ id, score: 30 });
    e.detectedAt = at(day).toISOString();
    e.dueAt = at(day + 1).toISOString();
    e.amount = { value: amount, currency: 'USD' };
    await store.upsertException(e, { ...pipeline, at: at(day) });
  }

  it('reads decisions, workflow outcomes and source resolutions, each exception as first detected', async () => {
    await detected('x-person', 0, '120000.00');
    await store.applyDecision('x-person', {
      action: 'override',
      actor: 'ana',
      reason: 'customer is about to churn',
      tier: 'p1',
      at: at(0.5),
    });
    await detected('x-workflow', 1, '50.00');
    await store.applyOutcome({
      exceptionId: 'x-workflow',
      kind: 'escalated',
      actor: 'jira',
      at: at(1.2),
    });
    await detected('x-source', 2, '80.00');
    await store.applySourceTransition({
      exceptionId: 'x-source',
      resolution: {
        by: 'source',
        status: 'resolved',
        reason: 'Dispute closed by Stripe: won',
        at: at(2.2).toISOString(),
        eventId: 'evt_closed',
        mapping: 'stripe.dispute-closed@abc',
      },
      actor: 'source:stripe-main',
      at: at(2.2),
    });
    await detected('x-open', 3, '10.00'); // no outcome yet: nothing to learn from

    const r = await recordsFromStore(store);
    expect(r.byResolvedBy).toEqual({ person: 1, workflow: 1, source: 1 });
    expect(r.records.map((x) => x.exception.detectedAt)).toEqual([
      at(0).toISOString(),
      at(1).toISOString(),
      at(2).toISOString(),
    ]);
    expect(r.records.map((x) => x.outcome)).toEqual([
      { priorityOverridden: { from: 'p3', to: 'p1' } },
      { escalated: true },
      { timeToResolveHours: expect.closeTo(0.2 * 24, 6), slaBreached: false },
    ]);
    // The exception as first detected, as the policy scored it then.
    expect(r.records[0].exception).toMatchObject({
      domain: 'finance',
      type: 'chargeback_dispute',
      amount: { value: '120000.00', currency: 'USD' },
    });
  });

  it('labels an exception resolved after its due date as an SLA breach', () => {
    const resolved = [
      {
        id: 'o',
        exceptionId: 'x',
        version: 1,
        kind: 'resolved' as const,
        actor: 'a',
        reason: null,
        at: '2026-09-03T10:00:00Z',
        tierBefore: 'p3',
        tierAfter: 'p3',
        resolvedBy: 'workflow' as const,
      },
    ];
    expect(outcomeOf(resolved, '2026-09-01T10:00:00Z', '2026-09-02T10:00:00Z')).toEqual({
      timeToResolveHours: 48,
      slaBreached: true,
    });
  });

  it('trains on the older outcomes and evaluates on the newer ones, reporting agreement with the policy alone', async () => {
    // 60 exceptions over 60 days: large amounts get escalated, small ones resolved in time.
    for (let i = 0; i < 60; i++) {
      const big = i % 3 === 0;
      await detected(`h-${i}`, i, big ? `${40000 + i * 100}.00` : `${100 + i}.00`);
      if (big)
        await store.applyOutcome({
          exceptionId: `h-${i}`,
          kind: 'escalated',
          actor: 'jira',
          at: at(i + 0.1),
        });
      else
        await store.applyOutcome({
          exceptionId: `h-${i}`,
          kind: 'resolved',
          actor: 'jira',
          at: at(i + 0.5),
        });
    }
    const { records } = await recordsFromStore(store);
    expect(records).toHaveLength(60);
    const { model, evaluation } = train(records, policy, {
      ...DEFAULT_TRAIN,
      version: 'test',
      split: 'time',
      now: at(61),
    });
    expect(model.training.split).toBe('time');
    // Trained on the oldest 70 % only: the window ends before the held-out part begins.
    expect(model.trainingWindow.records).toBe(42);
    expect(model.trainingWindow.to).toBe(at(41).toISOString());
    expect(evaluation.records).toBe(18);
    expect(evaluation.positives).toBe(6);
    expect(evaluation.model.auc).toBeGreaterThan(0.9);
    const tiers = Object.values(evaluation.agreement.byPolicyTier);
    expect(tiers.reduce((s, t) => s + t.records, 0)).toBe(18);
    expect(evaluation.agreement.sameTier).toBe(tiers.reduce((s, t) => s + t.sameTier, 0));
    expect(evaluation.agreement.rate).toBeCloseTo(evaluation.agreement.sameTier / 18, 9);
    // evaluate reads the split from the model file: the same held-out part.
    expect(evaluateModel(model, records, policy).records).toBe(18);
  });
});
