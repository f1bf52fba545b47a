import { join } from 'node:path';
import { generateHistory, inHiddenSegment } from './history';
import { auc, brier, reliability, seededRandom } from './metrics';
import { parseModel, predict } from './model';
import { loadPolicyFile } from './policy';
import { DRIFT_PSI, STABLE_PSI, histogram, psiOfCounts } from './psi';
import { PolicyScorer, pointTotals } from './scorer';
import { evaluateModel, labelOf, parseOutcomes, scoreRecords, split, train } from './train';

const policy = loadPolicyFile(join(__dirname, '../../../policies/priority.yaml'));

describe('evaluation metrics', () => {
  it('computes AUC by ranks, ties counted half', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([1, 2, 3], [0, 1, 1])).toBe(1);
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(auc([0.5, 0.6], [1, 1])).toBeNaN();
  });
  it('computes the Brier score and a reliability table', () => {
    expect(brier([1, 0, 0.5], [1, 0, 1])).toBeCloseTo(0.25 / 3, 12);
    const table = reliability([0.05, 0.07, 0.95], [0, 1, 1]);
    expect(table).toHaveLength(10);
    expect(table[0]).toEqual({
      from: 0,
      to: 0.1,
      count: 2,
      meanPredicted: expect.closeTo(0.06, 12),
      observedRate: 0.5,
    });
    expect(table[9]).toMatchObject({ count: 1, observedRate: 1 });
  });
  it('splits deterministically for a seed', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    expect(split(xs, 7, 0.3)).toEqual(split(xs, 7, 0.3));
    expect(split(xs, 7, 0.3).test).toHaveLength(30);
    expect(split(xs, 8, 0.3).test).not.toEqual(split(xs, 7, 0.3).test);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });
});

describe('outcome records', () => {
  it('labels escalation, SLA breach and an upward override as positive', () => {
    expect(labelOf({ escalated: true })).toBe(1);
    expect(labelOf({ slaBreached: true })).toBe(1);
    expect(labelOf({ priorityOverridden: { from: 'p3', to: 'p1' } })).toBe(1);
    expect(labelOf({ priorityOverridden: { from: 'p1', to: 'p3' } })).toBe(0);
    expect(labelOf({ timeToResolveHours: 3 })).toBe(0);
  });
  it('names the line of a bad record', () => {
    const good = JSON.stringify({
      exception: { domain: 'finance', type: 'x', detectedAt: '2026-01-01T00:00:00Z' },
      outcome: {},
    });
    expect(parseOutcomes(`${good}\n\n${good}\n`, 'h.jsonl')).toHaveLength(2);
    expect(() => parseOutcomes(`${good}\n{"exception":{}}`, 'h.jsonl')).toThrow(
      /^h\.jsonl:2: expected \{"exception"/,
    );
    expect(() => parseOutcomes('nope', 'h.jsonl')).toThrow(/^h\.jsonl:1: not JSON/);
  });
});

describe('learned model on a synthetic history with a hidden risk process', () => {
  // Small and fast: 2,000 records, 100 gradient steps (about a second on an idle core).
  const records = generateHistory(2000, 1, policy);
  const result = train(records, policy, {
    seed: 1,
    testShare: 0.3,
    steps: 100,
    learningRate: 1,
    version: 'test',
  });
  const { heldOut } = result.model.metrics;

  it('is deterministic for a seed and contains the hidden segment', () => {
    expect(generateHistory(50, 1, policy)).toEqual(generateHistory(50, 1, policy));
    const rows = scoreRecords(records, policy);
    const hidden = rows.filter((r) => inHiddenSegment(r.input, r.features.exposure.multiple));
    expect(hidden.length).toBeGreaterThan(20);
    const rate = (rs: typeof rows) =>
      rs.filter((r) => labelOf(records[rows.indexOf(r)].outcome)).length / rs.length;
    expect(rate(hidden)).toBeGreaterThan(2 * rate(rows));
  });

  it('beats the policy-only score on held-out AUC and Brier score', () => {
    expect(heldOut.records).toBe(600);
    expect(heldOut.model.auc).toBeGreaterThan(heldOut.policy.auc + 0.02);
    expect(heldOut.model.brier).toBeLessThan(heldOut.policy.brier);
  });

  it('learns the hidden card brand and writes a model file that loads and predicts the same', () => {
    const m = result.model;
    const amex = m.coefficients[m.features.indexOf('signal:cardBrand=amex')];
    expect(amex).toBeGreaterThan(0.2);
    const reloaded = parseModel(JSON.stringify(m), 'm.json');
    const row = scoreRecords(records.slice(0, 1), policy)[0];
    expect(predict(reloaded, row)).toBe(predict(m, row));
    expect(m.trainingWindow.records).toBe(1400);
    expect(m.trainingWindow.from <= m.trainingWindow.to).toBe(true);
  });

  it('stores the training window score distribution, which live scores like it match (PSI ~ 0)', () => {
    const ts = result.model.trainingScores;
    expect(ts?.bins).toBe(10);
    expect(ts?.policy.reduce((a, b) => a + b, 0)).toBe(1400);
    expect(ts?.model.reduce((a, b) => a + b, 0)).toBe(1400);
    // The same history scored again is the same population; a high-value slice is not.
    const rows = scoreRecords(records, policy);
    expect(psiOfCounts(ts!.policy, histogram(rows.map((r) => r.policyScore)))).toBeLessThan(
      STABLE_PSI,
    );
    const top = rows.filter((r) => r.policyScore >= 50).map((r) => r.policyScore);
    expect(psiOfCounts(ts!.policy, histogram(top))).toBeGreaterThan(DRIFT_PSI);
    expect(() =>
      parseModel(
        JSON.stringify({ ...result.model, trainingScores: { bins: 10, policy: [1], model: [] } }),
        'm.json',
      ),
    ).toThrow(/m\.json \/trainingScores: expected/);
  });

  it('evaluates a saved model on the same held-out split', () => {
    const again = evaluateModel(result.model, records, policy);
    expect(again.model.auc).toBeCloseTo(heldOut.model.auc, 4);
    expect(again.policy.auc).toBeCloseTo(heldOut.policy.auc, 4);
  });

  it('scores the history with the model active, the points adding up exactly every time', () => {
    const s = new PolicyScorer({
      ...policy,
      model: result.model,
      policy: { ...policy.policy, model: { mode: 'active', file: 'x', blend: 0.3 } },
    });
    for (const r of records.slice(0, 300)) {
      const t = pointTotals(s.score(r.exception, new Date(r.exception.detectedAt)));
      expect(t.factors).toBe(t.score);
    }
  });
});
