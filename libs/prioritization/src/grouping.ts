import { allHold, valueAt } from './conditions';
import type { ScoringInput } from './input';
import type { PriorityPolicy } from './policy';

const PARTY_PREFIX = 'party:';
/** Joins the parts of a derived key; parts are source ids and codes, which do not contain it. */
const PART_SEPARATOR = '|';

/** A root cause an exception shares with others. */
export interface RootCause {
  key: string;
  /** The policy `grouping.keys` entry that derived it; absent when the mapping set the key. */
  rule?: string;
  /** The type the group's parent gets; absent: the child's own type. */
  parentType?: string;
}

/** What a key is derived from: any exception-shaped object (conditions read dotted paths). */
export type GroupableInput = Pick<ScoringInput, 'domain' | 'type' | 'parties'> & {
  signals?: object;
  group?: { key?: string };
};

function part(input: GroupableInput, path: string): string | undefined {
  const v = path.startsWith(PARTY_PREFIX)
    ? input.parties?.find((p) => p.role === path.slice(PARTY_PREFIX.length))?.id
    : valueAt(input, path);
  if (v === undefined || v === null || typeof v === 'object') return undefined;
  const text = String(v).trim();
  return text === '' ? undefined : text;
}

/**
 * The root-cause key of an exception: the one its mapping set (`group.key`), else the first
 * policy `grouping.keys` entry whose conditions hold and whose key parts are all present, as
 * `<entry id>:<part>|<part>` (e.g. `supplier-master:SUP-100|TAX_MISMATCH`). Undefined when
 * nothing matches.
 */
export function rootCauseOf(input: GroupableInput, policy: PriorityPolicy): RootCause | undefined {
  const mapped = input.group?.key;
  if (typeof mapped === 'string' && mapped.trim() !== '') return { key: mapped };
  for (const rule of policy.grouping?.keys ?? []) {
    if (!allHold(rule.when, input)) continue;
    const parts = rule.key.map((p) => part(input, p));
    if (parts.some((p) => p === undefined)) continue;
    return {
      key: `${rule.id}:${parts.join(PART_SEPARATOR)}`,
      rule: rule.id,
      ...(rule.parentType ? { parentType: rule.parentType } : {}),
    };
  }
  return undefined;
}

/** Label value for metrics: the policy entry a key was derived by, or `mapping` (bounded). */
export const MAPPING_RULE = 'mapping';

export function ruleOfKey(key: string, policy: PriorityPolicy): string {
  const prefix = key.slice(0, key.indexOf(':'));
  return (policy.grouping?.keys ?? []).some((k) => k.id === prefix) ? prefix : MAPPING_RULE;
}
