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
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    // Plain loops: every field of every payload comes through here.
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const kept = prune(value[i]);
      if (kept !== undefined) items.push(kept);
    }
    return items.length > 0 ? items : undefined;
  }
  const copy: Record<string, unknown> = {};
  let kept = 0;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key) || isForbiddenKey(key)) continue;
    const member = prune(record[key]);
    if (member !== undefined) {
      copy[key] = member;
      kept++;
    }
  }
  return kept > 0 ? copy : undefined;
}

/** Sets `target[a][b]… = value`, creating plain objects on the way. */
export function setPath(
  target: Record<string, unknown>,
  segments: readonly string[],
  value: unknown,
): void {
  const last = segments.length - 1;
  if (last < 0) refuse(segments);
  for (let i = 0; i <= last; i++) if (isForbiddenKey(segments[i])) refuse(segments);
  let node = target;
  for (let i = 0; i < last; i++) {
    const segment = segments[i];
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const created: Record<string, unknown> = {};
      node[segment] = created;
      node = created;
    } else {
      node = next as Record<string, unknown>;
    }
  }
  node[segments[last]] = value;
}

function refuse(segments: readonly string[]): never {
  throw new Error(`refusing to set field path "${segments.join('.')}"`);
}
