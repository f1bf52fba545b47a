export { DIMENSIONS, TIER_ORDER, PolicyError, loadPolicyFile, parsePolicy } from './policy';
export type {
  Condition,
  Dimension,
  Tier,
  PriorityPolicy,
  LoadedPolicy,
  PolicyRule,
  ModelMode,
} from './policy';
export type { ScoringInput, ScoringContext, LinkedException } from './input';
export { computeFeatures } from './features';
export type { FeatureSet } from './features';
export { PolicyScorer, pointTotals } from './scorer';
export type {
  Scorer,
  PriorityResult,
  Factor,
  Explanation,
  ShadowNote,
  ScorerOptions,
} from './scorer';
export { loadModelFile, parseModel, predict } from './model';
export type { PriorityModel } from './model';
export { psi, STABLE_PSI, DRIFT_PSI } from './psi';
export { scoringInputFrom, ScoringRequestError } from './scoring-request';
