import { allHold, valueAt } from './conditions';
import { computeFeatures, type FeatureSet } from './features';
import type { ScoringInput } from './input';
import { predict, topContributions, type PriorityModel } from './model';
import {
  DIMENSIONS,
  TIER_ORDER,
  loadPolicyFile,
  type Dimension,
  type LoadedPolicy,
  type PolicyRule,
  type Tier,
} from './policy';

export type { ScoringInput } from './input';

export interface Factor {
  code: string;
  dimension?: Dimension;
  points: number;
  detail: string;
}

export interface PriorityResult {
  score: number;
  tier: Tier;
  dimensions: Record<Dimension, number>;
  factors: Factor[];
  rulesFired: string[];
  model: { name: string; version: string };
  review: { required: boolean; reason?: string };
  route: string;
  scoredAt: string;
  degraded: boolean;
}

/** The seam the pipeline scores through. */
export interface Scorer {
  score(input: ScoringInput, now: Date): PriorityResult;
}

/** A shadow-mode prediction: recorded beside the score, never part of it. */
export interface ShadowNote {
  model: string;
  version: string;
  probability: number;
  /** What the model would add to the score (and the tier it would give) if it were active. */
  wouldAddPoints: number;
  wouldBeTier: Tier;
  /** The tier the exception got (the rules' tier): compare with `wouldBeTier` for agreement. */
  policyTier: Tier;
}

/** Everything `exhub priority explain` shows: the result plus how it came about. */
export interface Explanation {
  priority: PriorityResult;
  features: FeatureSet;
  policyScore: number;
  modelProbability?: number;
  /** The learned model the policy runs, when its mode is not `off`. */
  model?: { name: string; version: string; mode: 'shadow' | 'active' };
  shadow?: ShadowNote;
  degradedReasons: string[];
  slaTarget: string;
  team?: string;
}

/** Sees every score the scorer returns (drift and shadow records); must not throw. */
export type ScoreListener = (explanation: Explanation, input: ScoringInput) => void;

export interface ScorerOptions {
  /** Receives every shadow-mode prediction (log it, count it); nothing else sees it. */
  onShadow?: (note: ShadowNote, input: ScoringInput) => void;
}

const HUNDREDTHS = 100;
const MAX_HUNDREDTHS = 100 * HUNDREDTHS;
/** The most factors one explanation lists (the rest summed in one). */
export const MAX_FACTORS = 20;
const MAX_DETAIL = 500;
const DEFAULT_BLEND = 0.3;
const DIMENSION_CODES: Record<Dimension, string> = {
  financialExposure: 'financial_exposure',
  slaRisk: 'due_date_risk',
  customerImpact: 'customer_impact',
  complianceSensitivity: 'compliance_sensitivity',
  resolutionEffort: 'resolution_effort',
  dependencyRisk: 'dependency_risk',
};

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const fmt = (hundredths: number): string => (hundredths / HUNDREDTHS).toFixed(2);
const clip = (s: string): string => (s.length <= MAX_DETAIL ? s : `${s.slice(0, MAX_DETAIL - 1)}…`);

/** Factors in hundredths of a point while the score is assembled; converted once at the end. */
interface Draft {
  code: string;
  dimension?: Dimension;
  hundredths: number;
  detail: string;
}

/**
 * The scorer: six dimensions from the exception, its context and the policy, a weighted score,
 * hard rules (points, floors, ceilings, review, route) and, when the policy says so, the learned
 * model — in shadow mode recorded only, in active mode as one more factor. Every point is a
 * factor, kept in hundredths of a point so the factors add up exactly to the score.
 */
export class PolicyScorer implements Scorer {
  private loaded: LoadedPolicy;
  private totalWeight = 0;
  private readonly listeners = new Set<ScoreListener>();

  constructor(
    loaded: LoadedPolicy,
    private readonly options: ScorerOptions = {},
  ) {
    this.loaded = loaded;
    this.swap(loaded);
  }

  get version(): string {
    return this.loaded.hash;
  }

  get policy(): LoadedPolicy {
    return this.loaded;
  }

  /**
   * Reads the policy file again (or another one) and swaps it in only when it is valid: an
   * invalid file throws a PolicyError and the scorer keeps the policy it had. The swap is one
   * assignment: a score in progress finishes with the policy it started with.
   */
  reload(file: string = this.loaded.file): LoadedPolicy {
    const next = loadPolicyFile(file);
    this.swap(next);
    return next;
  }

  score(input: ScoringInput, now: Date): PriorityResult {
    const e = this.explain(input, now);
    if (e.shadow) this.options.onShadow?.(e.shadow, input);
    for (const listener of this.listeners) listener(e, input);
    return e.priority;
  }

  /** Adds a listener for every score from now on; returns the function that removes it. */
  observe(listener: ScoreListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  explain(input: ScoringInput, now: Date): Explanation {
    const { policy, hash } = this.loaded;
    const features = computeFeatures(input, policy, now);
    const subject = { ...input, context: features.context, features: features.flat };

    const drafts: Draft[] = [];
    for (const d of DIMENSIONS) {
      const hundredths = Math.round(
        ((100 * policy.weights[d]) / this.totalWeight) * features.dimensions[d] * HUNDREDTHS,
      );
      if (hundredths !== 0)
        drafts.push({
          code: DIMENSION_CODES[d],
          dimension: d,
          hundredths,
          detail: features.details[d],
        });
    }
    let total = drafts.reduce((s, f) => s + f.hundredths, 0);
    if (total > MAX_HUNDREDTHS) {
      // Rounding six products can overshoot 100 by a hundredth or two: take it from the largest.
      const largest = drafts.reduce((a, b) => (b.hundredths > a.hundredths ? b : a));
      largest.hundredths -= total - MAX_HUNDREDTHS;
      total = MAX_HUNDREDTHS;
    }
    // Points beside the dimensions, each a factor of its own (capped to keep the score 0-100).
    const beside = (code: string, points: number, detail: string) => {
      const wanted = Math.round(points * HUNDREDTHS);
      const applied = Math.min(MAX_HUNDREDTHS, Math.max(0, total + wanted)) - total;
      if (applied === 0) return;
      total += applied;
      const capped = applied !== wanted ? ` (capped at ${fmt(applied)} to stay within 0-100)` : '';
      drafts.push({ code, hundredths: applied, detail: `${detail}${capped}` });
    };
    // What the source's own people flagged: it counts whoever the customer is, where customer
    // impact may already be full.
    if (features.severity.points !== 0)
      beside('source_severity', features.severity.points, features.severity.pointsDetail);
    // Overdue comes before due within the expected time, though both have due-date risk 1.
    const overduePoints = policy.resolution.overduePoints ?? 0;
    if (features.due.overdueDetail !== undefined && overduePoints > 0)
      beside(
        'overdue',
        overduePoints,
        `${features.due.overdueDetail} ${overduePoints} points more.`,
      );
    // The close comes on top of a deadline that already made due-date risk full.
    const beyond = features.due.closeBeyondFull;
    if (policy.closeCalendar?.boostBeyondFullRisk === true && beyond > 0) {
      const points = ((100 * policy.weights.slaRisk) / this.totalWeight) * beyond;
      beside(
        'close_window',
        points,
        `The close waits for it, and its due-date risk is full already: the close boost it leaves out (${round3(beyond)}) counts on its own, ${fmt(Math.round(points * HUNDREDTHS))} points.`,
      );
    }

    const rules = (policy.rules ?? []).filter((r) => allHold(r.when, subject));
    const fired = new Set<string>();
    for (const rule of rules) {
      if (!rule.then.addPoints) continue;
      const wanted = Math.round(rule.then.addPoints * HUNDREDTHS);
      const applied = Math.min(MAX_HUNDREDTHS, Math.max(0, total + wanted)) - total;
      if (applied === 0) continue;
      total += applied;
      fired.add(rule.id);
      const capped = applied !== wanted ? ` (capped at ${fmt(applied)} to stay within 0-100)` : '';
      drafts.push({
        code: `rule:${rule.id}`,
        hundredths: applied,
        detail: `${rule.description}${capped}`,
      });
    }
    const policyScore = total / HUNDREDTHS;

    const reviewReasons: string[] = [];
    const reviewFired: string[] = [];
    let modelProbability: number | undefined;
    let shadow: ShadowNote | undefined;
    const model = this.loaded.model;
    const mode = policy.model?.mode ?? 'off';
    if (model && mode !== 'off') {
      modelProbability = predict(model, { input, features, policyScore });
      const blend = policy.model?.blend ?? DEFAULT_BLEND;
      const modelHundredths = Math.round(
        blend * (100 * modelProbability - policyScore) * HUNDREDTHS,
      );
      if (mode === 'shadow') {
        shadow = {
          model: model.name,
          version: model.version,
          probability: round3(modelProbability),
          wouldAddPoints: modelHundredths / HUNDREDTHS,
          // The same floors and ceilings as the real tier apply, so the two compare like for like.
          wouldBeTier: this.tierAfterRules(
            this.tierFor((total + modelHundredths) / HUNDREDTHS),
            rules,
          ),
          policyTier: 'p4',
        };
      } else {
        if (modelHundredths !== 0) {
          total += modelHundredths;
          drafts.push({
            code: 'model',
            hundredths: modelHundredths,
            detail: this.modelDetail(model, modelProbability, policyScore, blend, modelHundredths, {
              input,
              features,
              policyScore,
            }),
          });
        }
        const gap = Math.abs(100 * modelProbability - policyScore);
        const limit = policy.review?.modelDisagreementPoints;
        if (limit !== undefined && gap >= limit) {
          reviewReasons.push(
            `The learned model (${Math.round(100 * modelProbability)}% risk) and the rules (score ${policyScore}) disagree by ${Math.round(gap)} points.`,
          );
          reviewFired.push('review:model-disagreement');
        }
      }
    }

    let tier = this.tierFor(total / HUNDREDTHS);
    let ruleRoute: string | undefined;
    let movedBy: PolicyRule | undefined;
    for (const rule of rules) {
      const { floorTier, ceilingTier, route: to } = rule.then;
      if (floorTier && TIER_ORDER.indexOf(tier) > TIER_ORDER.indexOf(floorTier)) {
        tier = floorTier;
        movedBy = rule;
        fired.add(rule.id);
      }
      if (ceilingTier && TIER_ORDER.indexOf(tier) < TIER_ORDER.indexOf(ceilingTier)) {
        tier = ceilingTier;
        movedBy = rule;
        fired.add(rule.id);
      }
      if (to) {
        ruleRoute = to;
        fired.add(rule.id);
      }
      if (rule.then.requireReview) {
        reviewReasons.push(rule.description);
        fired.add(rule.id);
      }
    }
    // The worklist ranks by score: a tier a rule set must show in it too, or a sanctions hit
    // floored to p1 would rank below p2 work. The score moves into the tier's band, as a factor.
    if (movedBy) {
      const band = this.bandOf(tier);
      const target = Math.min(band.max, Math.max(band.min, total));
      if (target !== total) {
        drafts.push({
          code: `tier:${movedBy.id}`,
          hundredths: target - total,
          detail: `${movedBy.description} The score moves ${target > total ? 'up' : 'down'} to ${fmt(target)}, inside ${tier}, so the worklist ranks it there.`,
        });
        total = target;
      }
    }
    const score = total / HUNDREDTHS;
    if (shadow) shadow.policyTier = tier;
    this.reviewThresholds(input, features, reviewReasons, reviewFired);
    const route = ruleRoute ?? this.routeFor(input, tier)?.route ?? 'unrouted';

    const degradedReasons = this.degradedReasons(input, features, subject);
    const priority: PriorityResult = {
      score,
      tier,
      dimensions: Object.fromEntries(
        DIMENSIONS.map((d) => [d, round3(features.dimensions[d])]),
      ) as Record<Dimension, number>,
      factors: toFactors(drafts),
      rulesFired: [...rules.filter((r) => fired.has(r.id)).map((r) => r.id), ...reviewFired],
      model:
        model && mode === 'active'
          ? { name: `policy+${model.name}`, version: `${hash}+${model.version}` }
          : { name: 'policy', version: hash },
      review: reviewReasons.length
        ? { required: true, reason: clip(reviewReasons.join(' ')) }
        : { required: false },
      route,
      scoredAt: now.toISOString(),
      degraded: degradedReasons.length > 0,
    };
    return {
      priority,
      features,
      policyScore,
      modelProbability,
      ...(model && mode !== 'off'
        ? { model: { name: model.name, version: model.version, mode } }
        : {}),
      shadow,
      degradedReasons,
      slaTarget: policy.tiers[tier].slaTarget,
      team: ruleRoute ? undefined : this.routeFor(input, tier)?.team,
    };
  }

  private swap(loaded: LoadedPolicy): void {
    this.loaded = loaded;
    this.totalWeight = DIMENSIONS.reduce((s, d) => s + loaded.policy.weights[d], 0);
  }

  private reviewThresholds(
    input: ScoringInput,
    features: FeatureSet,
    reasons: string[],
    fired: string[],
  ): void {
    const review = this.loaded.policy.review;
    if (!review) return;
    const base = this.loaded.policy.materiality.default.currency;
    const amount = input.amountBase ?? (input.amount?.currency === base ? input.amount : undefined);
    if (
      review.amountBaseAtLeast !== undefined &&
      amount &&
      Math.abs(Number(amount.value)) >= Number(review.amountBaseAtLeast)
    ) {
      reasons.push(
        `${amount.currency} ${amount.value} is at or above the review threshold of ${base} ${review.amountBaseAtLeast}.`,
      );
      fired.push('review:amount');
    }
    const c = features.dimensions.complianceSensitivity;
    if (review.complianceAtLeast !== undefined && c >= review.complianceAtLeast) {
      reasons.push(
        `Compliance sensitivity ${c} is at or above the review threshold of ${review.complianceAtLeast}.`,
      );
      fired.push('review:compliance');
    }
  }

  private degradedReasons(input: ScoringInput, features: FeatureSet, subject: object): string[] {
    const reasons: string[] = [];
    if (features.exposure.degraded)
      reasons.push(`no materiality threshold or FX rate for ${input.amount?.currency}`);
    for (const req of this.loaded.policy.requiredContext ?? []) {
      if (req.domain !== undefined && req.domain !== input.domain) continue;
      if (req.type !== undefined && req.type !== input.type) continue;
      const party = req.role ? input.parties?.find((p) => p.role === req.role) : undefined;
      if (req.role !== undefined && !party) continue;
      if (req.unless?.length && allHold(req.unless, subject)) continue;
      const of = party ? ` for ${party.role} ${party.id}` : '';
      const fix = req.fix ? `: ${req.fix}` : '';
      for (const field of req.fields)
        if (valueAt(subject, field) === undefined) reasons.push(`${field} is not known${of}${fix}`);
    }
    return reasons;
  }

  private modelDetail(
    model: PriorityModel,
    p: number,
    policyScore: number,
    blend: number,
    hundredths: number,
    m: Parameters<typeof topContributions>[1],
  ): string {
    const top = topContributions(model, m, 2)
      .filter((c) => Math.abs(c.logit) > 0.05)
      .map((c) => `${c.feature} (${c.logit > 0 ? 'raises' : 'lowers'} it)`);
    return clip(
      `The learned model ${model.name} ${model.version} puts the risk of escalation, SLA breach or override at ${Math.round(p * 100)}% against a rules score of ${policyScore}; at its ${Math.round(blend * 100)}% share that ${hundredths >= 0 ? 'adds' : 'takes'} ${fmt(Math.abs(hundredths))} points.${top.length ? ` Strongest signals: ${top.join(', ')}.` : ''}`,
    );
  }

  private tierAfterRules(tier: Tier, rules: readonly PolicyRule[]): Tier {
    let t = tier;
    for (const { then } of rules) {
      if (then.floorTier && TIER_ORDER.indexOf(t) > TIER_ORDER.indexOf(then.floorTier))
        t = then.floorTier;
      if (then.ceilingTier && TIER_ORDER.indexOf(t) < TIER_ORDER.indexOf(then.ceilingTier))
        t = then.ceilingTier;
    }
    return t;
  }

  /** The score range of a tier, in hundredths (inclusive). */
  private bandOf(tier: Tier): { min: number; max: number } {
    const { tiers } = this.loaded.policy;
    const mins = [tiers.p1.minScore, tiers.p2.minScore, tiers.p3.minScore, 0].map(
      (m) => m * HUNDREDTHS,
    );
    const i = TIER_ORDER.indexOf(tier);
    return { min: mins[i], max: i === 0 ? MAX_HUNDREDTHS : mins[i - 1] - 1 };
  }

  private tierFor(score: number): Tier {
    const { tiers } = this.loaded.policy;
    if (score >= tiers.p1.minScore) return 'p1';
    if (score >= tiers.p2.minScore) return 'p2';
    if (score >= tiers.p3.minScore) return 'p3';
    return 'p4';
  }

  private routeFor(input: ScoringInput, tier: Tier): { route: string; team?: string } | undefined {
    return this.loaded.policy.routes.find(
      (r) =>
        (r.domain === undefined || r.domain === input.domain) &&
        (r.type === undefined || r.type === input.type) &&
        (r.tier === undefined || r.tier === tier),
    );
  }
}

/** Largest first; beyond the schema's 20 factors the smallest are folded into one, exactly. */
function toFactors(drafts: Draft[]): Factor[] {
  const sorted = [...drafts].sort((a, b) => Math.abs(b.hundredths) - Math.abs(a.hundredths));
  if (sorted.length > MAX_FACTORS) {
    const rest = sorted.splice(MAX_FACTORS - 1);
    sorted.push({
      code: 'other',
      hundredths: rest.reduce((s, f) => s + f.hundredths, 0),
      detail: `${rest.length} smaller contributions: ${rest.map((f) => f.code).join(', ')}.`,
    });
  }
  return sorted
    .filter((f) => f.hundredths !== 0)
    .map((f) => ({
      code: f.code,
      ...(f.dimension ? { dimension: f.dimension } : {}),
      points: f.hundredths / HUNDREDTHS,
      detail: clip(f.detail),
    }));
}

/**
 * The factors' total and the score, both in hundredths of a point: equal for every result the
 * scorer returns (tests assert it for every exception they score).
 */
export function pointTotals(r: Pick<PriorityResult, 'score' | 'factors'>): {
  factors: number;
  score: number;
} {
  return {
    factors: r.factors.reduce((s, f) => s + Math.round(f.points * HUNDREDTHS), 0),
    score: Math.round(r.score * HUNDREDTHS),
  };
}
