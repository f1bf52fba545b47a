export { DIMENSIONS, TIER_ORDER, PolicyError, loadPolicyFile, parsePolicy } from './policy';
export type { Dimension, Tier, PriorityPolicy, LoadedPolicy, PolicyRule } from './policy';
export { PolicyScorer } from './scorer';
export type { Scorer, ScoringInput, PriorityResult, Factor } from './scorer';
