import type { CanonicalException } from '@exhub/canonical';

/**
 * What an exception can be found by: `party` (a party id, whatever its role), one kind per
 * reference (`invoice`, `payment`, `subscription`, …), `due` (dueAt) and `degraded` (`true` when it
 * was scored without some context). Links use the party and reference kinds only.
 */
export interface ExceptionKey {
  kind: string;
  value: string;
}

export const DUE_KEY = 'due';
export const DEGRADED_KEY = 'degraded';
export const PARTY_KEY = 'party';

/** The keys of an exception, without duplicates, in a stable order. */
export function exceptionKeysOf(e: CanonicalException): ExceptionKey[] {
  const keys = new Map<string, ExceptionKey>();
  const add = (kind: string, value: unknown) => {
    if (typeof value !== 'string' || value === '') return;
    keys.set(`${kind}\u0000${value}`, { kind, value });
  };
  for (const p of e.parties ?? []) add(PARTY_KEY, p.id);
  for (const [kind, value] of Object.entries(e.references ?? {})) add(kind, value);
  add(DUE_KEY, e.dueAt);
  if (e.priority?.degraded) add(DEGRADED_KEY, 'true');
  return [...keys.values()];
}

/** The keys that relate two exceptions (shared party or reference). */
export function linkKeysOf(e: CanonicalException): ExceptionKey[] {
  return exceptionKeysOf(e).filter((k) => k.kind !== DUE_KEY && k.kind !== DEGRADED_KEY);
}
