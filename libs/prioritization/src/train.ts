import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import type { ScoringInput } from './input';
import { auc, brier, reliability, seededRandom, type ReliabilityBin } from './metrics';
import {
  MATERIALITY_BANDS,
  featureValue,
  featureVector,
  predictVector,
  type ModelInput,
  type ModelMetrics,
  type PriorityModel,
  type SplitKind,
} from './model';
import { SCORE_BINS, histogram } from './psi';
import { DIMENSIONS, TIER_ORDER, type LoadedPolicy, type Tier } from './policy';
import { PolicyScorer } from './scorer';

/** What a workflow tool reported about one exception (exhub.outcomes), as the trainer reads it. */
export interface Outcome {
  escalated?: boolean;
  slaBreached?: boolean;
  /** `true`, or the tiers a person moved it between. */
  priorityOverridden?: boolean | { from: Tier; to: Tier };
  timeToResolveHours?: number;
}

export interface OutcomeRecord {
  /** The exception as it was scored; `detectedAt` is the moment it is re-scored at. */
  exception: ScoringInput & { detectedAt: string };
  outcome: Outcome;
}

export const LABEL =
  'escalated, SLA breached, or priority overridden upwards by a person (any of the three)';

/** 1 when the exception turned out to need more attention than it got. */
export function labelOf(o: Outcome): 0 | 1 {
  const ov = o.priorityOverridden;
  const overriddenUp = ov === true || (typeof ov === 'object' && ov.to < ov.from);
  return o.escalated || o.slaBreached || overriddenUp ? 1 : 0;
}

/** Parses JSONL outcome records; an error names the line. */
export function parseOutcomes(text: string, file: string): OutcomeRecord[] {
  const out: OutcomeRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let rec: OutcomeRecord;
    try {
      rec = JSON.parse(line) as OutcomeRecord;
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not JSON (${(err as Error).message})`, {
        cause: err,
      });
    }
    if (
      typeof rec?.exception?.type !== 'string' ||
      typeof rec.exception.domain !== 'string' ||
      typeof rec.exception.detectedAt !== 'string' ||
      typeof rec.outcome !== 'object'
    )
      throw new Error(
        `${file}:${i + 1}: expected {"exception": {domain, type, detectedAt, …}, "outcome": {escalated, slaBreached, priorityOverridden, timeToResolveHours}}`,
      );
    out.push(rec);
  });
  return out;
}

export interface Split<T> {
  train: T[];
  test: T[];
}

/** A seeded shuffle then a cut: the same seed always holds out the same records. */
export function split<T>(records: readonly T[], seed: number, testShare: number): Split<T> {
  const rnd = seededRandom(seed);
  const idx = records.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const nTest = Math.round(records.length * testShare);
  return {
    test: idx.slice(0, nTest).map((i) => records[i]),
    train: idx.slice(nTest).map((i) => records[i]),
  };
}

/**
 * The held-out split: a seeded shuffle, or by time — the newest `testShare` of records (by
 * `at`, the detection time) held out, the model trained on the older ones, as it will be used.
 */
export function splitBy<T extends { at: string }>(
  records: readonly T[],
  kind: SplitKind,
  seed: number,
  testShare: number,
): Split<T> {
  if (kind !== 'time') return split(records, seed, testShare);
  const sorted = [...records].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const nTest = Math.round(records.length * testShare);
  return {
    train: sorted.slice(0, sorted.length - nTest),
    test: sorted.slice(sorted.length - nTest),
  };
}

/** Categorical signals the model may learn values of (card brand, reason code, …). */
export const CATEGORICAL_SIGNALS = ['cardBrand', 'reasonCode', 'priorityLabel', 'caseType'];
/** Signals whose values are also crossed with the materiality bands. */
export const CROSSED_SIGNALS = ['cardBrand'];
const MIN_COUNT = 20;
/** Below this a feature's standard deviation is float noise (the model file keeps 4 decimals). */
const MIN_STD = 1e-4;

/** Each record scored by the policy alone, once: the model's inputs and the baseline. */
export function scoreRecords(
  records: readonly OutcomeRecord[],
  policy: LoadedPolicy,
): ModelInput[] {
  const offPolicy: LoadedPolicy = {
    ...policy,
    model: undefined,
    policy: { ...policy.policy, model: undefined },
  };
  const scorer = new PolicyScorer(offPolicy);
  return records.map((r) => {
    const e = scorer.explain(r.exception, new Date(r.exception.detectedAt));
    return { input: r.exception, features: e.features, policyScore: e.policyScore };
  });
}

/** The feature names, from what the training data contains often enough. */
export function vocabulary(rows: readonly ModelInput[]): string[] {
  const count = new Map<string, number>();
  const bump = (k: string) => count.set(k, (count.get(k) ?? 0) + 1);
  for (const r of rows) {
    bump(`type:${r.input.type}`);
    for (const s of CATEGORICAL_SIGNALS) {
      const v = r.input.signals?.[s];
      if (v !== undefined && v !== null) bump(`signal:${s}=${String(v).toLowerCase()}`);
    }
  }
  const frequent = [...count.entries()]
    .filter(([, c]) => c >= MIN_COUNT)
    .map(([k]) => k)
    .sort();
  const bands = MATERIALITY_BANDS.map(([lo, hi]) => `band:${lo}-${hi === Infinity ? 'inf' : hi}`);
  // Signal x band crossings, kept only where the training data has enough of them to learn from.
  const crossed = frequent
    .filter((k) => CROSSED_SIGNALS.some((s) => k.startsWith(`signal:${s}=`)))
    .flatMap((k) => bands.map((b) => `${k}&${b}`))
    .filter((name) => rows.filter((r) => featureValue(name, r) !== 0).length >= MIN_COUNT);
  return ['policy_score', ...DIMENSIONS.map((d) => `dim:${d}`), ...frequent, ...bands, ...crossed];
}

export interface TrainOptions {
  seed: number;
  testShare: number;
  steps: number;
  /** Step size per record; the library sums gradients over rows, so it is divided by their count. */
  learningRate: number;
  version: string;
  name?: string;
  now?: Date;
  /** Default `random` (a seeded shuffle); `time` trains on older records, evaluates on newer. */
  split?: SplitKind;
}

export const DEFAULT_TRAIN: Omit<TrainOptions, 'version'> = {
  seed: 1,
  testShare: 0.3,
  steps: 400,
  learningRate: 0.5,
};

export interface Evaluation {
  records: number;
  positives: number;
  /** How often the model alone would give the tier the policy alone gives (held-out records). */
  agreement: {
    sameTier: number;
    rate: number;
    byPolicyTier: Record<Tier, { records: number; sameTier: number }>;
  };
  model: ModelMetrics & { reliability: ReliabilityBin[] };
  policy: ModelMetrics & { reliability: ReliabilityBin[] };
}

/** Fits a logistic regression with ml-logistic-regression on standardised features. */
function fit(
  x: number[][],
  y: number[],
  steps: number,
  learningRate: number,
): { mean: number[]; std: number[]; intercept: number; coefficients: number[] } {
  const k = x[0].length;
  const mean = new Array<number>(k).fill(0);
  const std = new Array<number>(k).fill(0);
  for (const row of x) row.forEach((v, j) => (mean[j] += v / x.length));
  for (const row of x) row.forEach((v, j) => (std[j] += (v - mean[j]) ** 2 / x.length));
  // A feature that does not vary (only float noise, e.g. one type's constant profile value) is
  // left unscaled: a std rounded to 0 in the model file would divide by zero when predicting.
  for (let j = 0; j < k; j++) std[j] = Math.sqrt(std[j]) > MIN_STD ? Math.sqrt(std[j]) : 1;
  // A leading column of ones carries the intercept: the library fits no bias of its own.
  const design = new Matrix(x.map((row) => [1, ...row.map((v, j) => (v - mean[j]) / std[j])]));
  const rate = learningRate / x.length;
  // Binary problem: train the library's two-class classifier directly (its multi-class wrapper
  // would fit a second, mirrored classifier for nothing).
  const lr = LogisticRegression.load({
    name: 'LogisticRegression',
    numSteps: steps,
    learningRate: rate,
    numberClasses: 1,
    classifiers: [{ numSteps: steps, learningRate: rate, weights: null }],
  });
  const clf = lr.classifiers[0];
  clf.train(design, Matrix.columnVector(y));
  const w = (clf.weights as Matrix).to1DArray();
  return { mean, std, intercept: w[0], coefficients: w.slice(1) };
}

/** The tier a 0-100 score falls in under the policy's cut-offs. */
export function tierOfScore(score: number, policy: LoadedPolicy): Tier {
  const t = policy.policy.tiers;
  return score >= t.p1.minScore
    ? 'p1'
    : score >= t.p2.minScore
      ? 'p2'
      : score >= t.p3.minScore
        ? 'p3'
        : 'p4';
}

function evaluate(
  model: PriorityModel,
  platt: PriorityModel,
  rows: readonly ModelInput[],
  labels: readonly number[],
  policy: LoadedPolicy,
): Evaluation {
  const pm = rows.map((r) => predictVector(model, featureVector(model.features, r)));
  const byPolicyTier = Object.fromEntries(
    TIER_ORDER.map((t) => [t, { records: 0, sameTier: 0 }]),
  ) as Evaluation['agreement']['byPolicyTier'];
  let sameTier = 0;
  rows.forEach((r, i) => {
    const policyTier = tierOfScore(r.policyScore, policy);
    const same = tierOfScore(100 * pm[i], policy) === policyTier;
    byPolicyTier[policyTier].records++;
    if (same) {
      byPolicyTier[policyTier].sameTier++;
      sameTier++;
    }
  });
  const pp = rows.map((r) => predictVector(platt, featureVector(platt.features, r)));
  const scores = rows.map((r) => r.policyScore);
  return {
    records: rows.length,
    positives: labels.reduce((s, y) => s + y, 0),
    agreement: { sameTier, rate: rows.length ? sameTier / rows.length : 0, byPolicyTier },
    model: { auc: auc(pm, labels), brier: brier(pm, labels), reliability: reliability(pm, labels) },
    policy: {
      auc: auc(scores, labels),
      brier: brier(pp, labels),
      reliability: reliability(pp, labels),
    },
  };
}

export interface TrainResult {
  model: PriorityModel;
  evaluation: Evaluation;
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * Trains the model on the training part of a seeded split and evaluates it on the held-out part
 * against the policy-only score (its AUC as is; its Brier score after Platt scaling on the same
 * training part, so both are judged as calibrated probabilities).
 */
export function train(
  records: readonly OutcomeRecord[],
  policy: LoadedPolicy,
  opts: TrainOptions,
): TrainResult {
  const rows = scoreRecords(records, policy);
  const labels = records.map((r) => labelOf(r.outcome));
  const both = rows.map((row, i) => ({ row, y: labels[i], at: records[i].exception.detectedAt }));
  // The same split as evaluateModel: records and rows are in the same order.
  const { train: tr, test } = splitBy(both, opts.split ?? 'random', opts.seed, opts.testShare);
  const positives = tr.reduce((s, r) => s + r.y, 0);
  if (positives === 0 || positives === tr.length)
    throw new Error(
      `the training part has ${positives} of ${tr.length} positive outcomes; a model needs both kinds`,
    );
  const features = vocabulary(tr.map((r) => r.row));
  const x = tr.map((r) => featureVector(features, r.row));
  const y = tr.map((r) => r.y);
  const w = fit(x, y, opts.steps, opts.learningRate);
  const times = tr.map((r) => r.at).sort();
  const model: PriorityModel = {
    kind: 'logistic-regression',
    name: opts.name ?? 'priority-lr',
    version: opts.version,
    createdAt: (opts.now ?? new Date()).toISOString(),
    label: LABEL,
    features,
    standardization: { mean: w.mean.map(round4), std: w.std.map(round4) },
    intercept: round4(w.intercept),
    coefficients: w.coefficients.map(round4),
    trainingWindow: { from: times[0], to: times[times.length - 1], records: tr.length, positives },
    trainingScores: { bins: SCORE_BINS, policy: [], model: [] },
    policyHash: policy.hash,
    training: {
      library: 'ml-logistic-regression 2.x (batch gradient ascent on standardised features)',
      seed: opts.seed,
      steps: opts.steps,
      learningRate: opts.learningRate,
      testShare: opts.testShare,
      ...(opts.split === 'time' ? { split: 'time' as const } : {}),
    },
    metrics: {
      heldOut: {
        records: test.length,
        positives: 0,
        model: { auc: 0, brier: 0 },
        policy: { auc: 0, brier: 0 },
      },
    },
  };
  // The baseline for drift: what the rules and the model gave the training window.
  model.trainingScores = {
    bins: SCORE_BINS,
    policy: histogram(tr.map((r) => r.row.policyScore)),
    model: histogram(x.map((row) => 100 * predictVector(model, row))),
  };
  const evaluation = evaluateModel(model, records, policy, opts, { rows, labels });
  model.metrics.heldOut = {
    records: evaluation.records,
    positives: evaluation.positives,
    model: { auc: round4(evaluation.model.auc), brier: round4(evaluation.model.brier) },
    policy: { auc: round4(evaluation.policy.auc), brier: round4(evaluation.policy.brier) },
  };
  return { model, evaluation };
}

/**
 * Evaluates a model on the held-out part of the seeded split (the seed and share the model was
 * trained with, unless given): the model against the policy-only score.
 */
export function evaluateModel(
  model: PriorityModel,
  records: readonly OutcomeRecord[],
  policy: LoadedPolicy,
  opts: Pick<
    TrainOptions,
    'seed' | 'testShare' | 'steps' | 'learningRate' | 'split'
  > = model.training,
  /** Policy-only scores already computed for these records (train passes its own). */
  cached?: { rows: ModelInput[]; labels: number[] },
): Evaluation {
  const rows = cached?.rows ?? scoreRecords(records, policy);
  const labels = cached?.labels ?? records.map((r) => labelOf(r.outcome));
  const both = rows.map((row, i) => ({ row, y: labels[i], at: records[i].exception.detectedAt }));
  const { train: tr, test: heldOut } = splitBy(
    both,
    opts.split ?? 'random',
    opts.seed,
    opts.testShare,
  );
  // Platt scaling of the policy score on the training part: the baseline's probabilities.
  const pw = fit(
    tr.map((r) => [r.row.policyScore / 100]),
    tr.map((r) => r.y),
    opts.steps,
    opts.learningRate,
  );
  const platt: PriorityModel = {
    ...model,
    features: ['policy_score'],
    standardization: { mean: pw.mean, std: pw.std },
    intercept: pw.intercept,
    coefficients: pw.coefficients,
  };
  return evaluate(
    model,
    platt,
    heldOut.map((r) => r.row),
    heldOut.map((r) => r.y),
    policy,
  );
}
