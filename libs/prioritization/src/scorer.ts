import {
  DIMENSIONS,
  TIER_ORDER,
  type Dimension,
  type LoadedPolicy,
  type PolicyRule,
  type Tier,
} from './policy';

/** What the scorer reads of an exception. A structural subset of the canonical exception. */
export interface ScoringInput {
  domain: string;
  type: string;
  amount?: { value: string; currency: string };
  amountBase?: { value: string; currency: string };
  dueAt?: string;
  signals?: Record<string, unknown>;
}

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

/** The seam the pipeline scores through; the learned model plugs in behind it later. */
export interface Scorer {
  score(input: ScoringInput, now: Date): PriorityResult;
}

const HUNDREDTHS = 100;
const MAX_POINTS = 100;
/** Exposure reaches 1 at this multiple of materiality; log-scaled below it. */
const FULL_EXPOSURE_MULTIPLE = 10;
const MS_PER_HOUR = 3_600_000;
const DIMENSION_CODES: Record<Dimension, string> = {
  financialExposure: 'financial_exposure',
  slaRisk: 'due_date_risk',
  customerImpact: 'customer_impact',
  complianceSensitivity: 'compliance_sensitivity',
  resolutionEffort: 'resolution_effort',
  dependencyRisk: 'dependency_risk',
};

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const money = (value: string, currency: string): string => `${currency} ${value}`;

/**
 * Policy-only scorer: six dimensions from the exception and the policy, a weighted score whose
 * factor points add up exactly to it (both kept in hundredths of a point), then the hard rules.
 */
export class PolicyScorer implements Scorer {
  private readonly totalWeight: number;

  constructor(private readonly loaded: LoadedPolicy) {
    this.totalWeight = DIMENSIONS.reduce((s, d) => s + loaded.policy.weights[d], 0);
  }

  get version(): string {
    return this.loaded.hash;
  }

  score(input: ScoringInput, now: Date): PriorityResult {
    const { policy } = this.loaded;
    const profile = policy.typeProfile?.[input.type] ?? {};
    const exposure = this.exposure(input);
    const due = this.dueRisk(input, now);
    const dimensions: Record<Dimension, number> = {
      financialExposure: exposure.value,
      slaRisk: due.value,
      customerImpact: clamp01(profile.customerImpact ?? 0),
      complianceSensitivity: clamp01(profile.complianceSensitivity ?? 0),
      resolutionEffort: clamp01(profile.resolutionEffort ?? 0),
      dependencyRisk: clamp01(profile.dependencyRisk ?? 0),
    };
    const kind = input.type.replace(/_/g, ' ');
    const details: Record<Dimension, string> = {
      financialExposure: exposure.detail,
      slaRisk: due.detail,
      customerImpact: `The policy rates the customer impact of a ${kind} at ${dimensions.customerImpact} (no account context yet).`,
      complianceSensitivity: `The policy rates the compliance sensitivity of a ${kind} at ${dimensions.complianceSensitivity}.`,
      resolutionEffort: `The policy rates the effort to resolve a ${kind} at ${dimensions.resolutionEffort}.`,
      dependencyRisk: 'No linked open exceptions are known yet.',
    };

    let totalHundredths = 0;
    const factors: Factor[] = [];
    for (const d of DIMENSIONS) {
      const hundredths = Math.round(
        ((MAX_POINTS * policy.weights[d]) / this.totalWeight) * dimensions[d] * HUNDREDTHS,
      );
      totalHundredths += hundredths;
      if (hundredths > 0) {
        factors.push({
          code: DIMENSION_CODES[d],
          dimension: d,
          points: hundredths / HUNDREDTHS,
          detail: details[d],
        });
      }
    }
    factors.sort((a, b) => b.points - a.points);
    const score = totalHundredths / HUNDREDTHS;

    let tier = this.tierFor(score);
    const rulesFired: string[] = [];
    const reviewReasons: string[] = [];
    let ruleRoute: string | undefined;
    for (const rule of policy.rules ?? []) {
      if (!this.matches(rule, input, exposure.multiple)) continue;
      let changed = false;
      if (
        rule.then.floorTier &&
        TIER_ORDER.indexOf(tier) > TIER_ORDER.indexOf(rule.then.floorTier)
      ) {
        tier = rule.then.floorTier;
        changed = true;
      }
      if (
        rule.then.ceilingTier &&
        TIER_ORDER.indexOf(tier) < TIER_ORDER.indexOf(rule.then.ceilingTier)
      ) {
        tier = rule.then.ceilingTier;
        changed = true;
      }
      if (rule.then.requireReview) {
        reviewReasons.push(rule.description);
        changed = true;
      }
      if (rule.then.route) {
        ruleRoute = rule.then.route;
        changed = true;
      }
      if (changed) rulesFired.push(rule.id);
    }
    const route = ruleRoute ?? this.routeFor(input, tier);

    return {
      score,
      tier,
      dimensions: Object.fromEntries(DIMENSIONS.map((d) => [d, round3(dimensions[d])])) as Record<
        Dimension,
        number
      >,
      factors,
      rulesFired,
      model: { name: 'policy', version: this.loaded.hash },
      review: reviewReasons.length
        ? { required: true, reason: reviewReasons.join(' ') }
        : { required: false },
      route,
      scoredAt: now.toISOString(),
      degraded: exposure.degraded,
    };
  }

  private exposure(input: ScoringInput): {
    value: number;
    multiple: number;
    detail: string;
    degraded: boolean;
  } {
    const { materiality } = this.loaded.policy;
    const amount = input.amountBase ?? input.amount;
    if (!amount)
      return { value: 0, multiple: 0, detail: 'No amount is at stake.', degraded: false };
    const perCurrency = input.amountBase ? undefined : materiality.byCurrency?.[amount.currency];
    const threshold =
      perCurrency ??
      (amount.currency === materiality.default.currency ? materiality.default.value : undefined);
    const degraded = threshold === undefined;
    const thresholdValue = threshold ?? materiality.default.value;
    const thresholdCurrency =
      threshold === undefined ? materiality.default.currency : amount.currency;
    const multiple = Math.abs(Number(amount.value)) / Number(thresholdValue);
    const value = clamp01(Math.log1p(multiple) / Math.log1p(FULL_EXPOSURE_MULTIPLE));
    const pct = (multiple * 100).toFixed(multiple < 0.1 ? 2 : 0);
    const detail = degraded
      ? `${money(amount.value, amount.currency)} at stake; no materiality threshold or FX rate for ${amount.currency}, so it was compared with ${money(thresholdValue, thresholdCurrency)} as if in that currency.`
      : `${money(amount.value, amount.currency)} at stake is ${pct}% of the ${money(thresholdValue, thresholdCurrency)} materiality threshold.`;
    return { value, multiple, detail, degraded };
  }

  private dueRisk(input: ScoringInput, now: Date): { value: number; detail: string } {
    if (!input.dueAt) return { value: 0, detail: 'No due date or SLA deadline is known.' };
    const { dueHorizonHours } = this.loaded.policy;
    const horizon = dueHorizonHours.byType?.[input.type] ?? dueHorizonHours.default;
    const hoursLeft = (Date.parse(input.dueAt) - now.getTime()) / MS_PER_HOUR;
    if (hoursLeft <= 0) return { value: 1, detail: `Overdue since ${input.dueAt}.` };
    const value = clamp01(1 - hoursLeft / horizon);
    return {
      value,
      detail: `Due ${input.dueAt}, in ${hoursLeft.toFixed(0)} h; urgency rises over the last ${horizon} h.`,
    };
  }

  private tierFor(score: number): Tier {
    const { tiers } = this.loaded.policy;
    if (score >= tiers.p1) return 'p1';
    if (score >= tiers.p2) return 'p2';
    if (score >= tiers.p3) return 'p3';
    return 'p4';
  }

  private routeFor(input: ScoringInput, tier: Tier): string {
    const hit = this.loaded.policy.routes.find(
      (r) =>
        (r.domain === undefined || r.domain === input.domain) &&
        (r.type === undefined || r.type === input.type) &&
        (r.tier === undefined || r.tier === tier),
    );
    return hit?.route ?? 'unrouted';
  }

  private matches(rule: PolicyRule, input: ScoringInput, materialityMultiple: number): boolean {
    const w = rule.when;
    if (w.domain !== undefined && w.domain !== input.domain) return false;
    if (w.type !== undefined && w.type !== input.type) return false;
    if (
      w.materialityMultipleAtLeast !== undefined &&
      materialityMultiple < w.materialityMultipleAtLeast
    )
      return false;
    if (w.signal) {
      for (const [k, v] of Object.entries(w.signal)) if (input.signals?.[k] !== v) return false;
    }
    return true;
  }
}
