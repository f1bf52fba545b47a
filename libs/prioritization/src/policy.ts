import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import policySchema from '../../../schemas/priority-policy.schema.json';
import { loadModelFile, type PriorityModel } from './model';
import { DIMENSIONS, type PriorityPolicy } from './policy-types';

// The vocabulary and the policy file's shape live in policy-types.ts (no imports, so the scorer's
// modules use them without a cycle); this module re-exports them with the parser.
export * from './policy-types';

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
