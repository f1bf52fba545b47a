import { DriftMonitor, RollingWindow } from './drift';
import type { PriorityModel } from './model';
import { DRIFT_PSI, STABLE_PSI, histogram } from './psi';

const spread = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const trainingPolicy = spread(1000, (i) => (i % 80) + 0.5); // 0-80, flat
const trainingModel = spread(1000, (i) => (i % 50) + 0.5); // 0-50, flat
const model = {
  name: 'priority-lr',
  version: '2026.11.2',
  trainingScores: { bins: 10, policy: histogram(trainingPolicy), model: histogram(trainingModel) },
} as PriorityModel;
const explanation = (policyScore: number, p: number, version = model.version) => ({
  policyScore,
  modelProbability: p,
  model: { name: model.name, version, mode: 'shadow' as const },
});

describe('RollingWindow', () => {
  it('keeps the last values only', () => {
    const w = new RollingWindow(3);
    [1, 2, 3, 4, 5].forEach((x) => w.add(x));
    expect(w.size).toBe(3);
    expect([...w.snapshot()].sort()).toEqual([3, 4, 5]);
    expect(() => new RollingWindow(0)).toThrow(RangeError);
  });
});

describe('DriftMonitor', () => {
  it('reads nothing until enough live scores of that model version arrived', () => {
    const m = new DriftMonitor(1000, 100);
    for (let i = 0; i < 99; i++) m.record(explanation(i % 80, (i % 50) / 100));
    expect(m.reading(model)).toBeUndefined();
    m.record(explanation(10, 0.1, 'other-version'));
    m.record({ policyScore: 10 }); // a score with the model off: not counted
    expect(m.reading(model)).toBeUndefined();
    m.record(explanation(5, 0.05));
    expect(m.reading(model)?.samples).toBe(100);
  });

  it('is stable for live scores like the training window and flags a shift', () => {
    const m = new DriftMonitor(1000, 100);
    for (let i = 0; i < 1000; i++) m.record(explanation((i % 80) + 0.5, ((i % 50) + 0.5) / 100));
    const same = m.reading(model);
    expect(same?.policy).toBeLessThan(STABLE_PSI);
    expect(same?.model).toBeLessThan(STABLE_PSI);
    // The window rolls: 1,000 high scores push the old ones out.
    for (let i = 0; i < 1000; i++) m.record(explanation(60 + (i % 40), 0.9));
    const moved = m.reading(model);
    expect(moved?.policy).toBeGreaterThan(DRIFT_PSI);
    expect(moved?.model).toBeGreaterThan(DRIFT_PSI);
  });

  it('gives no reading for a model file without a training distribution, and forgets old versions', () => {
    const m = new DriftMonitor(1000, 1);
    m.record(explanation(10, 0.1));
    expect(m.reading({ ...model, trainingScores: undefined })).toBeUndefined();
    m.retain({ ...model, version: 'next' });
    expect(m.reading(model)).toBeUndefined();
  });
});
