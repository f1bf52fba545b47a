import type { PriorityModel } from './model';
import { histogram, psiOfCounts } from './psi';
import type { Explanation } from './scorer';

/** Live scores kept per model version: about a day of a busy hub, a week of a quiet one. */
export const DEFAULT_DRIFT_WINDOW = 5_000;
/** Fewer live scores than this give no PSI: a handful of exceptions says nothing about drift. */
export const MIN_DRIFT_SAMPLES = 200;

/** The last `capacity` values, oldest overwritten first. */
export class RollingWindow {
  private readonly values: number[] = [];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0))
      throw new RangeError(`a rolling window needs a positive capacity, got ${capacity}`);
  }

  add(x: number): void {
    if (this.values.length < this.capacity) this.values.push(x);
    else this.values[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
  }

  get size(): number {
    return this.values.length;
  }

  snapshot(): readonly number[] {
    return [...this.values];
  }
}

/**
 * Compares the scores the hub gives now with the ones the model's training window got: the rules
 * score and the model's probability (times 100), each over the bins stored in the model file
 * (`trainingScores`). Only exceptions scored with a model in `shadow` or `active` mode count, per
 * model version, so a new model starts a fresh window.
 */
export class DriftMonitor {
  private readonly windows = new Map<
    string,
    { model: string; version: string; policy: RollingWindow; prob: RollingWindow }
  >();

  constructor(
    private readonly capacity = DEFAULT_DRIFT_WINDOW,
    private readonly minSamples = MIN_DRIFT_SAMPLES,
  ) {}

  /** Records one score (a ScoreListener). */
  record(e: Pick<Explanation, 'model' | 'policyScore' | 'modelProbability'>): void {
    if (!e.model || e.modelProbability === undefined) return;
    const id = `${e.model.name}@${e.model.version}`;
    let w = this.windows.get(id);
    if (!w) {
      w = {
        model: e.model.name,
        version: e.model.version,
        policy: new RollingWindow(this.capacity),
        prob: new RollingWindow(this.capacity),
      };
      this.windows.set(id, w);
    }
    w.policy.add(e.policyScore);
    w.prob.add(100 * e.modelProbability);
  }

  /**
   * PSI for the given model's version, or undefined while there are too few live scores or the
   * model file holds no training distribution (files written before `trainingScores` existed).
   */
  reading(model: PriorityModel): { samples: number; policy: number; model: number } | undefined {
    const w = this.windows.get(`${model.name}@${model.version}`);
    const ts = model.trainingScores;
    if (!w || !ts || w.policy.size < this.minSamples) return undefined;
    return {
      samples: w.policy.size,
      policy: psiOfCounts(ts.policy, histogram(w.policy.snapshot(), ts.bins)),
      model: psiOfCounts(ts.model, histogram(w.prob.snapshot(), ts.bins)),
    };
  }

  /** Forgets the windows of every model version but `keep` (after a reload swapped models). */
  retain(keep: PriorityModel | undefined): void {
    for (const id of this.windows.keys()) {
      if (!keep || id !== `${keep.name}@${keep.version}`) this.windows.delete(id);
    }
  }
}
