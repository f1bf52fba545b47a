import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import policySchema from '../../../schemas/priority-policy.schema.json';
import { loadModelFile, type PriorityModel } from './model';

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
    /** A source's own SLA signal (reasonCode / slaStage) → the due-date risk it is worth at least. */
    slaSignals?: Record<string, number>;
    expected: { default: string; byType?: Record<string, string> };
  };
  closeCalendar?: {
    domains?: string[];
    lastBusinessDays: number;
    firstBusinessDays: number;
    slaRiskBoost: number;
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
      billingIssues: { description: string; when: Condition[] }[];
    };
  };
  supplier?: { criticality?: Record<string, number> };
  /** The source's own priority label (signals.priorityLabel) → the customer impact it is worth at least. */
  sourceSeverity?: { labels?: Record<string, number> };
  compliance?: { reasonCodes?: Record<string, number> };
  dependency?: {
    linkedOpenFull?: number;
    blockedItemsFull?: number;
    recurrenceFull?: number;
    /** Only links to another domain count (default true); same-domain crowds are a root-cause group. */
    crossDomainOnly?: boolean;
  };
  requiredContext?: {
    domain?: string;
    type?: string;
    /** Only when a party of this role is named: its master data is required. */
    role?: string;
    /** What to do about it, shown with the reason. */
    fix?: string;
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

export interface LoadedPolicy {
  policy: PriorityPolicy;
  /** First 12 hex digits of the file's sha256: the policy version recorded on every score. */
  hash: string;
  file: string;
  /** The learned model the policy names, loaded when its mode is not `off`. */
  model?: PriorityModel;
}

export class PolicyError extends Error {
  override name = 'PolicyError';
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validatePolicy = ajv.compile<PriorityPolicy>(policySchema);

/**
 * Validates a policy text (schema, then the checks a schema cannot express). A model file the
 * policy names is resolved relative to the policy file and read through `readModel`; `null`
 * skips it (training and evaluation compare against the rules alone).
 */
export function parsePolicy(
  text: string,
  file: string,
  readModel: ((path: string) => PriorityModel) | null = loadModelFile,
): LoadedPolicy {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new PolicyError(`${file} is not valid YAML: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!validatePolicy(data)) {
    const lines = (validatePolicy.errors ?? []).map(
      (e) => `  ${file} ${e.instancePath || '/'}: ${e.message ?? e.keyword}`,
    );
    throw new PolicyError(`${file} is not a valid priority policy:\n${lines.join('\n')}`);
  }
  const [p1, p2, p3] = [data.tiers.p1.minScore, data.tiers.p2.minScore, data.tiers.p3.minScore];
  if (!(p1 > p2 && p2 > p3)) {
    throw new PolicyError(
      `${file} /tiers: minScore must fall from p1 to p3 (got p1 ${p1}, p2 ${p2}, p3 ${p3})`,
    );
  }
  const total = DIMENSIONS.reduce((s, d) => s + data.weights[d], 0);
  if (total <= 0) throw new PolicyError(`${file} /weights: at least one weight must be above 0`);
  const ids = new Set<string>();
  for (const [i, rule] of (data.rules ?? []).entries()) {
    if (ids.has(rule.id))
      throw new PolicyError(`${file} /rules/${i}/id: "${rule.id}" is used twice`);
    ids.add(rule.id);
  }
  const keyIds = new Set<string>();
  for (const [i, k] of (data.grouping?.keys ?? []).entries()) {
    if (keyIds.has(k.id))
      throw new PolicyError(`${file} /grouping/keys/${i}/id: "${k.id}" is used twice`);
    keyIds.add(k.id);
  }
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const loaded: LoadedPolicy = { policy: data, hash, file };
  if (readModel && data.model && data.model.mode !== 'off') {
    const modelFile = resolve(dirname(file), data.model.file);
    try {
      loaded.model = readModel(modelFile);
    } catch (err) {
      throw new PolicyError(
        `${file} /model/file: cannot load ${modelFile} (${(err as Error).message}); train one with \`exhub model train\` or set /model/mode to off`,
        { cause: err },
      );
    }
  }
  return loaded;
}

export function loadPolicyFile(file: string, options: { withModel?: boolean } = {}): LoadedPolicy {
  return parsePolicy(
    readFileSync(file, 'utf8'),
    file,
    options.withModel === false ? null : loadModelFile,
  );
}
