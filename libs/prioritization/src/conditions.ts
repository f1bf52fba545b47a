import type { Condition } from './policy-types';

/** The value at a dotted path (`signals.reasonCode`, `context.accountTier`), or undefined. */
export function valueAt(subject: unknown, path: string): unknown {
  let cur: unknown = subject;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** One condition against a subject; an absent field never satisfies equals/in/gte/lte. */
export function holds(c: Condition, subject: unknown): boolean {
  const v = valueAt(subject, c.field);
  if (c.exists !== undefined) return (v !== undefined && v !== null) === c.exists;
  if (c.equals !== undefined) return v === c.equals;
  if (c.in !== undefined) return c.in.some((x) => x === v);
  if (c.gte !== undefined) return typeof v === 'number' && v >= c.gte;
  if (c.lte !== undefined) return typeof v === 'number' && v <= c.lte;
  return false;
}

export const allHold = (conditions: Condition[], subject: unknown): boolean =>
  conditions.every((c) => holds(c, subject));
