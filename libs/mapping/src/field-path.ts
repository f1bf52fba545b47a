import { FORBIDDEN_KEYS } from './constants';

/**
 * Building the nested partial exception from `fields` results. Only plain JSON data comes out:
 * expression results are copied, empty values are dropped, and keys that would reach an
 * object's prototype are never written.
 */

/** `signals.reasonCode` → `['signals', 'reasonCode']`. */
export function splitPath(path: string): string[] {
  return path.split('.');
}

/** True when the key could reach a prototype (`__proto__`, `constructor`, `prototype`). */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/**
 * A plain-JSON copy of an expression result, or undefined when it is empty: undefined, null, '',
 * [] and {} (after their own empty members are dropped). Functions are dropped; JSONata
 * sequences become plain arrays.
 */
export function prune(value: unknown): unknown {
  if (value === undefined || value === null || value === '' || typeof value === 'function') {
    return undefined;
  }
  if (Array.isArray(value)) {
    const items = Array.from(value, prune).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (isForbiddenKey(key)) continue;
      const kept = prune(member);
      if (kept !== undefined) copy[key] = kept;
    }
    return Object.keys(copy).length > 0 ? copy : undefined;
  }
  return value;
}

/** Sets `target[a][b]… = value`, creating plain objects on the way. */
export function setPath(
  target: Record<string, unknown>,
  segments: readonly string[],
  value: unknown,
): void {
  if (segments.length === 0 || segments.some(isForbiddenKey)) {
    throw new Error(`refusing to set field path "${segments.join('.')}"`);
  }
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const created: Record<string, unknown> = {};
      node[segment] = created;
      node = created;
    } else {
      node = next as Record<string, unknown>;
    }
  }
  node[segments[segments.length - 1]] = value;
}
