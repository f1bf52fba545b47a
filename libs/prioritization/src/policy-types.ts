/**
 * The priority policy's vocabulary and the shape of a policy file, importing nothing: the scorer's
 * modules (features, conditions, model, input) use these without loading the policy parser.
 * policy.ts re-exports them.
 */
export const DIMENSIONS = [
  'financialExposure',
  'slaRisk',
  'customerImpact',
  'complianceSensitivity',
  'resolutionEffort',
  'dependencyRisk',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Tier = 'p1' | 'p2' | 'p3' | 'p4';
export const TIER_ORDER: readonly Tier[] = ['p1', 'p2', 'p3', 'p4'];

export type Scalar = string | number | boolean;
/** One test on one dotted path; exactly one operator (the schema enforces it). */
export interface Condition {
  field: string;
  equals?: Scalar;
  in?: Scalar[];
  gte?: number;
  lte?: number;
  exists?: boolean;
}

export interface PolicyRule {
  id: string;
  description: string;
  when: Condition[];
  then: {
    requireReview?: boolean;
    floorTier?: Tier;
    ceilingTier?: Tier;
    addPoints?: number;
    route?: string;
  };
}

export type ModelMode = 'off' | 'shadow' | 'active';

/** One way to derive a root-cause key; see `grouping.ts`. */
export interface GroupingKeyRule {
  id: string;
  description: string;
  when: Condition[];
  /** Dotted paths into the exception, or `party:<role>`. */
  key: string[];
  parentType?: string;
}

/** One period end of the deployment's close calendar (quarter-end, 4-4-5 period, …). */
export interface PeriodEnd {
  date: string;
  label?: string;
  slaRiskBoost?: number;
}

export interface PriorityPolicy {
  version: number;
  weights: Record<Dimension, number>;
  materiality: {
    default: { value: string; currency: string };
    fullExposureMultiple?: number;
    byCurrency?: Record<string, string>;
    /** Multiple assumed when a currency has no threshold and no FX rate (never compared raw). */
    neutralMultiple?: number;
  };
  resolution: {
    horizonMultiple?: number;
    /** Due-date risk reaches 0 no sooner than this (ISO 8601), whatever the expected time. */
    minimumHorizon?: string;
    /** A source's own SLA signal (reasonCode / slaStage) → the due-date risk it is worth at least. */
    slaSignals?: Record<string, number>;
    /** Points what is overdue (or its SLA breached) adds beside the due-date risk, as a factor. */
    overduePoints?: number;
    expected: { default: string; byType?: Record<string, string> };
    /** Due dates for exceptions whose source gives none: the first that applies, from + after. */
    impliedDue?: {
      id: string;
      description: string;
      when: Condition[];
      /** Only when the exception names a party of this role. */
      role?: string;
      from: string;
      after: string;
    }[];
  };
  closeCalendar?: {
    domains?: string[];
    lastBusinessDays: number;
    firstBusinessDays: number;
    slaRiskBoost: number;
    /** The part of the boost a full due-date risk leaves out counts as points of its own. */
    boostBeyondFullRisk?: boolean;
    holidays?: string[];
    /** The deployment's period ends; when given they replace the calendar month-ends. */
    periodEnds?: PeriodEnd[];
  };
  typeProfile?: Record<string, Partial<Record<Dimension, number>>>;
  customer?: {
    tiers?: Record<string, number>;
    arrReference?: string;
    renewalWithinDays?: number;
    renewalBoost?: number;
    negativeSentimentBoost?: number;
    openEscalationBoost?: number;
    /** ARR × share of an account renewing soon with a billing issue open, as financial exposure. */
    revenueAtRisk?: {
      share: number;
      /** A support ticket's money: this share of its account's ARR, renewal or not. */
      ticketShare?: number;
      billingIssues: { description: string; when: Condition[] }[];
    };
  };
  supplier?: { criticality?: Record<string, number> };
  /**
   * The business process an internal incident blocks (signals.businessProcess) → its business
   * impact; a close-critical one (signals.closeCritical) in the close window at least
   * `closeCriticalInClose`.
   */
  businessProcess?: {
    impact?: Record<string, number>;
    /** A process the deployment lists but this map does not rate. */
    default?: number;
    closeCriticalInClose?: number;
  };
  /** The source's own priority label (signals.priorityLabel) → the customer impact it is worth at least. */
  /**
   * The source's own severity (signals.priorityLabel, case-insensitive). `labels`: how much each
   * raises customer impact; `points`: points it adds to (or, below normal, takes from) the score
   * as a factor of its own, so it is not lost when customer impact is already full.
   */
  sourceSeverity?: {
    labels?: Record<string, number>;
    points?: Record<string, number>;
    /** Points a case its source marks escalated (signals.escalated) adds beside its label's. */
    escalatedPoints?: number;
  };
  compliance?: { reasonCodes?: Record<string, number> };
  dependency?: {
    linkedOpenFull?: number;
    blockedItemsFull?: number;
    recurrenceFull?: number;
    /** Only links to another domain count (default true); same-domain crowds are a root-cause group. */
    crossDomainOnly?: boolean;
    /** Only links that share a reference count (default false); a shared party alone is a crowd. */
    referenceOnly?: boolean;
  };
  requiredContext?: {
    domain?: string;
    type?: string;
    /** Only when a party of this role is named: its master data is required. */
    role?: string;
    /** What to do about it, shown with the reason. */
    fix?: string;
    /** Not required when all of these hold (e.g. an internal incident with a business process). */
    unless?: Condition[];
    fields: string[];
  }[];
  tiers: {
    p1: { minScore: number; slaTarget: string };
    p2: { minScore: number; slaTarget: string };
    p3: { minScore: number; slaTarget: string };
    p4: { slaTarget: string };
  };
  review?: {
    amountBaseAtLeast?: string;
    complianceAtLeast?: number;
    modelDisagreementPoints?: number;
  };
  model?: { mode: ModelMode; file: string; blend?: number };
  rules?: PolicyRule[];
  grouping?: { threshold: number; keys?: GroupingKeyRule[] };
  routes: { domain?: string; type?: string; tier?: Tier; route: string; team?: string }[];
}
