import { readFileSync } from 'node:fs';
import type { FeatureSet } from './features';
import type { ScoringInput } from './input';
import type { Dimension } from './policy-types';

/** Edges of the materiality-multiple bands the model may use (`band:0.5-1`). */
export const MATERIALITY_BANDS: readonly [number, number][] = [
  [0, 0.1],
  [0.1, 0.25],
  [0.25, 0.5],
  [0.5, 1],
  [1, 2],
  [2, 5],
  [5, Infinity],
];

export interface ModelMetrics {
  auc: number;
  brier: number;
}

/**
 * The training window's score distribution, the baseline live scores are compared with (PSI):
 * counts over `bins` equal-width bins of 0-100 of the rules score (`policy`) and of the model's
 * probability times 100 (`model`).
 */
export interface TrainingScores {
  bins: number;
  policy: number[];
  model: number[];
}

/**
 * A trained model file (models/*.json): a logistic regression over named features, with the
 * standardisation it was trained with, its training window and its held-out metrics.
 */
export interface PriorityModel {
  kind: 'logistic-regression';
  name: string;
  version: string;
  createdAt: string;
  /** What the model predicts. */
  label: string;
  /** Feature names; `a&b` is the product of two features. See `featureValue`. */
  features: string[];
  standardization: { mean: number[]; std: number[] };
  intercept: number;
  coefficients: number[];
  trainingWindow: { from: string; to: string; records: number; positives: number };
  /** Absent in model files written before it existed: no drift metric for those. */
  trainingScores?: TrainingScores;
  policyHash: string;
  training: {
    library: string;
    seed: number;
    steps: number;
    learningRate: number;
    testShare: number;
    /** `time`: the newest `testShare` of records held out (train on older); default a seeded shuffle. */
    split?: SplitKind;
  };
  metrics: {
    heldOut: { records: number; positives: number; model: ModelMetrics; policy: ModelMetrics };
  };
}

/** How records are held out: a seeded shuffle, or by time (train on older, evaluate on newer). */
export type SplitKind = 'random' | 'time';

/** What a model reads for one exception: the exception, its features and the policy score. */
export interface ModelInput {
  input: ScoringInput;
  features: FeatureSet;
  policyScore: number;
}

const norm = (v: unknown): string => String(v).toLowerCase();

type FeatureFn = (m: ModelInput) => number;

/** Compiles one atomic feature name (`type:x`, `signal:cardBrand=amex`, `band:0.5-1`, …). */
function compileAtom(name: string): FeatureFn {
  if (name === 'policy_score') return (m) => m.policyScore / 100;
  const colon = name.indexOf(':');
  const kind = name.slice(0, colon);
  const arg = name.slice(colon + 1);
  switch (kind) {
    case 'dim':
      return (m) => m.features.dimensions[arg as Dimension] ?? 0;
    case 'type':
      return (m) => (m.input.type === arg ? 1 : 0);
    case 'domain':
      return (m) => (m.input.domain === arg ? 1 : 0);
    case 'signal': {
      const eq = arg.indexOf('=');
      const signal = arg.slice(0, eq);
      const value = arg.slice(eq + 1);
      return (m) => {
        const v = m.input.signals?.[signal];
        return v !== undefined && v !== null && norm(v) === value ? 1 : 0;
      };
    }
    case 'band': {
      const [lo, hiText] = arg.split('-');
      const low = Number(lo);
      const high = hiText === 'inf' ? Infinity : Number(hiText);
      return (m) => {
        const x = m.features.exposure.multiple;
        return x > 0 && x >= low && x < high ? 1 : 0;
      };
    }
    default:
      throw new Error(`unknown model feature "${name}"`);
  }
}

/** A feature name compiled once: `a&b` is the product of two atoms. */
function compile(name: string): FeatureFn {
  const atoms = name.split('&').map(compileAtom);
  if (atoms.length === 1) return atoms[0];
  return (m) => atoms.reduce((p, f) => (p === 0 ? 0 : p * f(m)), 1);
}

const compiled = new WeakMap<readonly string[], FeatureFn[]>();

export function featureValue(name: string, m: ModelInput): number {
  return compile(name)(m);
}

export function featureVector(names: readonly string[], m: ModelInput): number[] {
  let fns = compiled.get(names);
  if (!fns) compiled.set(names, (fns = names.map(compile)));
  return fns.map((f) => f(m));
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The probability of the label from a raw (unstandardised) feature vector. */
export function predictVector(model: PriorityModel, x: readonly number[]): number {
  const { mean, std } = model.standardization;
  let z = model.intercept;
  for (let i = 0; i < x.length; i++) z += model.coefficients[i] * ((x[i] - mean[i]) / std[i]);
  return sigmoid(z);
}

export const predict = (model: PriorityModel, m: ModelInput): number =>
  predictVector(model, featureVector(model.features, m));

/** Compiles every feature name, so an unknown one fails when the file is read. */
export const checkFeatures = (names: readonly string[]): void => void names.forEach(compile);

/** The features that pushed this prediction most, for a readable explanation. */
export function topContributions(
  model: PriorityModel,
  m: ModelInput,
  n = 3,
): { feature: string; logit: number }[] {
  const x = featureVector(model.features, m);
  const { mean, std } = model.standardization;
  return model.features
    .map((feature, i) => ({ feature, logit: model.coefficients[i] * ((x[i] - mean[i]) / std[i]) }))
    .sort((a, b) => Math.abs(b.logit) - Math.abs(a.logit))
    .slice(0, n);
}

/** Reads and checks a model file; the error names the file and what is wrong. */
export function parseModel(text: string, file: string): PriorityModel {
  const m = JSON.parse(text) as PriorityModel;
  const n = m.features?.length;
  const ok =
    m.kind === 'logistic-regression' &&
    typeof m.version === 'string' &&
    Array.isArray(m.features) &&
    m.coefficients?.length === n &&
    m.standardization?.mean?.length === n &&
    m.standardization?.std?.length === n &&
    Number.isFinite(m.intercept);
  if (!ok)
    throw new Error(
      `${file} is not a priority model file (kind logistic-regression, version, features, coefficients and standardization of one length)`,
    );
  const ts = m.trainingScores;
  if (
    ts !== undefined &&
    !(
      Number.isInteger(ts.bins) &&
      ts.bins > 0 &&
      [ts.policy, ts.model].every(
        (c) =>
          Array.isArray(c) && c.length === ts.bins && c.every((n) => Number.isInteger(n) && n >= 0),
      )
    )
  )
    throw new Error(
      `${file} /trainingScores: expected {bins, policy, model} with \`bins\` non-negative counts each; train the model again with \`exhub model train\``,
    );
  try {
    checkFeatures(m.features);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  return m;
}

export const loadModelFile = (file: string): PriorityModel =>
  parseModel(readFileSync(file, 'utf8'), file);
