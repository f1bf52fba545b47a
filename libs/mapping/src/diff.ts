/**
 * Deep comparison of expected and actual exceptions for golden cases, reported as one line per
 * difference: `[0].amount.value: expected "22.00", got "2200"`.
 */

export interface Difference {
  /** e.g. `[0].signals.reasonCode`; `[n]` first is the n-th exception. */
  path: string;
  kind: 'changed' | 'missing' | 'unexpected';
  expected?: unknown;
  actual?: unknown;
}

type Segment = string | number;
const MAX_SHOWN_LENGTH = 200;

/**
 * Differences between two lists of exception fields. `ignore` holds dot paths inside each
 * exception (`signals.fetchedAt`, `parties.*.name`); ignoring a path ignores all below it.
 */
export function diffExceptions(
  expected: readonly unknown[],
  actual: readonly unknown[],
  ignore: readonly string[] = [],
): Difference[] {
  const patterns = ignore.map((p) => p.split('.'));
  // Ignored paths are removed from both sides first, so an ignored value that only one side
  // has (and the object left empty without it) is no difference either.
  const strip = (list: readonly unknown[]) => list.map((item) => without(item, patterns, []));
  const out: Difference[] = [];
  walk(strip(expected), strip(actual), [], out);
  return out;
}

/** A copy of `value` without the paths matching `patterns`; emptied containers become undefined. */
function without(value: unknown, patterns: readonly string[][], path: Segment[]): unknown {
  if (path.length > 0 && patterns.some((pattern) => matches(pattern, path))) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item, i) => without(item, patterns, [...path, i]));
    return items.length > 0 && items.every((i) => i === undefined) ? undefined : items;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, without(v, patterns, [...path, k])] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 && Object.keys(value).length > 0
      ? undefined
      : Object.fromEntries(entries);
  }
  return value;
}

function walk(expected: unknown, actual: unknown, path: Segment[], out: Difference[]): void {
  if (isRecord(expected) && isRecord(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) walk(expected[key], actual[key], [...path, key], out);
  } else if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      walk(expected[i], actual[i], [...path, i], out);
    }
  } else if (expected === undefined && actual !== undefined) {
    out.push({ path: display(path), kind: 'unexpected', actual });
  } else if (actual === undefined && expected !== undefined) {
    out.push({ path: display(path), kind: 'missing', expected });
  } else if (!Object.is(expected, actual)) {
    out.push({ path: display(path), kind: 'changed', expected, actual });
  }
}

/** One line for a difference. */
export function formatDifference(d: Difference): string {
  const where = d.path || '(all)';
  switch (d.kind) {
    case 'missing':
      return `${where}: expected ${show(d.expected)}, but it is missing`;
    case 'unexpected':
      return `${where}: not expected, got ${show(d.actual)}`;
    default:
      return `${where}: expected ${show(d.expected)}, got ${show(d.actual)}`;
  }
}

function matches(pattern: readonly string[], path: readonly Segment[]): boolean {
  return (
    pattern.length <= path.length && pattern.every((p, i) => p === '*' || p === String(path[i]))
  );
}

function display(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
