import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import policySchema from '../../../schemas/priority-policy.schema.json';

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

export interface PolicyRule {
  id: string;
  description: string;
  when: {
    domain?: string;
    type?: string;
    materialityMultipleAtLeast?: number;
    signal?: Record<string, string | number | boolean>;
  };
  then: { requireReview?: boolean; floorTier?: Tier; ceilingTier?: Tier; route?: string };
}

export interface PriorityPolicy {
  version: number;
  weights: Record<Dimension, number>;
  materiality: {
    default: { value: string; currency: string };
    byCurrency?: Record<string, string>;
  };
  dueHorizonHours: { default: number; byType?: Record<string, number> };
  typeProfile?: Record<string, Partial<Record<Dimension, number>>>;
  tiers: { p1: number; p2: number; p3: number };
  rules?: PolicyRule[];
  routes: { domain?: string; type?: string; tier?: Tier; route: string }[];
}

export interface LoadedPolicy {
  policy: PriorityPolicy;
  /** First 12 hex digits of the file's sha256: the policy version recorded on every score. */
  hash: string;
  file: string;
}

export class PolicyError extends Error {
  override name = 'PolicyError';
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validatePolicy = ajv.compile<PriorityPolicy>(policySchema);

export function parsePolicy(text: string, file: string): LoadedPolicy {
  const data: unknown = parse(text);
  if (!validatePolicy(data)) {
    const lines = (validatePolicy.errors ?? []).map(
      (e) => `  ${file} ${e.instancePath || '/'}: ${e.message ?? e.keyword}`,
    );
    throw new PolicyError(`${file} is not a valid priority policy:\n${lines.join('\n')}`);
  }
  const { p1, p2, p3 } = data.tiers;
  if (!(p1 > p2 && p2 > p3)) {
    throw new PolicyError(
      `${file} /tiers: cut-offs must fall from p1 to p3 (got p1 ${p1}, p2 ${p2}, p3 ${p3})`,
    );
  }
  const total = DIMENSIONS.reduce((s, d) => s + data.weights[d], 0);
  if (total <= 0) throw new PolicyError(`${file} /weights: at least one weight must be above 0`);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { policy: data, hash, file };
}

export function loadPolicyFile(file: string): LoadedPolicy {
  return parsePolicy(readFileSync(file, 'utf8'), file);
}
