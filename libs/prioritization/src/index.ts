export { DIMENSIONS, TIER_ORDER, PolicyError, loadPolicyFile, parsePolicy } from './policy';
export type {
  Condition,
  Dimension,
  Tier,
  PriorityPolicy,
  LoadedPolicy,
  PolicyRule,
  ModelMode,
  GroupingKeyRule,
} from './policy';
export type { ScoringInput, ScoringContext, LinkedException, Money } from './input';
export { scoringInputOf, type ScorableException } from './scoring-input';
export { computeFeatures } from './features';
export type { FeatureSet } from './features';
export { MAX_FACTORS, PolicyScorer, pointTotals } from './scorer';
export type {
  Scorer,
  PriorityResult,
  Factor,
  Explanation,
  ShadowNote,
  ScorerOptions,
  ScoreListener,
} from './scorer';
export { loadModelFile, parseModel, predict } from './model';
export type { PriorityModel, SplitKind, TrainingScores } from './model';
export { psi, psiOfCounts, histogram, STABLE_PSI, DRIFT_PSI, SCORE_BINS } from './psi';
export { DriftMonitor, RollingWindow, DEFAULT_DRIFT_WINDOW, MIN_DRIFT_SAMPLES } from './drift';
export {
  PolicyReloader,
  DEFAULT_POLICY_RELOAD_DEBOUNCE_MS,
  type PolicyReloadResult,
  type ReloadableScorer,
} from './policy-reloader';
export {
  rootCauseOf,
  ruleOfKey,
  MAPPING_RULE,
  type RootCause,
  type GroupableInput,
} from './grouping';
export { scoringInputFrom, ScoringRequestError } from './scoring-request';
export { durationMs, hoursOf } from './duration';
export { ndcgAt, pairAccuracy } from './ranking-metrics';
// Training and evaluation of the shadow model (the CLI's `exhub model`, the benches).
export {
  DEFAULT_TRAIN,
  evaluateModel,
  labelOf,
  parseOutcomes,
  scoreRecords,
  split,
  splitBy,
  tierOfScore,
  train,
  type Evaluation,
  type Outcome,
  type OutcomeRecord,
  type TrainOptions,
  type TrainResult,
} from './train';
export { generateHistory, HIDDEN_BAND, HIDDEN_BRAND, inHiddenSegment } from './history';
export { auc, brier, reliability, seededRandom, type ReliabilityBin } from './metrics';
