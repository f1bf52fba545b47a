import type { RootCauseCount, StatusTransition } from '@exhub/store';

/** Time to triage or to resolve of one type and tier over the window, in seconds. */
export interface DurationStats {
  type: string;
  tier: string;
  count: number;
  p50Seconds: number;
  p90Seconds: number;
  meanSeconds: number;
}

export interface RootCauseGroup {
  key: string;
  /** The policy grouping entry that derived the key, or `mapping`. */
  rule: string;
  open: number;
  byType: Record<string, number>;
  /** The id the group's parent has (or will have, once the group reaches the threshold). */
  parentId: string;
  /** Whether the group is at or over the policy's threshold, so the parent exists. */
  hasParent: boolean;
}

export interface Insights {
  window: { since: string; until: string; statusChanges: number; truncated: boolean };
  rootCauses: {
    /** Open exceptions that carry a root-cause key. */
    open: number;
    threshold?: number;
    byRule: { rule: string; open: number }[];
    /** The largest groups first. */
    top: RootCauseGroup[];
  };
  timeToTriage: DurationStats[];
  timeToResolve: DurationStats[];
}

const CLOSED = new Set(['resolved', 'dismissed']);

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function stats(samples: Map<string, number[]>): DurationStats[] {
  return [...samples.entries()]
    .map(([id, xs]) => {
      const [type, tier] = id.split('\u0000');
      const sorted = [...xs].sort((a, b) => a - b);
      return {
        type,
        tier,
        count: sorted.length,
        p50Seconds: round1(percentile(sorted, 0.5)),
        p90Seconds: round1(percentile(sorted, 0.9)),
        meanSeconds: round1(sorted.reduce((s, x) => s + x, 0) / sorted.length),
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.tier.localeCompare(b.tier));
}

/**
 * Time to triage (open → anything else) and time to resolve (→ resolved or dismissed), measured
 * from when the exception last became open, per type and tier: the same definitions as the
 * `exhub_time_to_triage_seconds` / `exhub_time_to_resolve_seconds` histograms.
 */
export function durations(transitions: readonly StatusTransition[]): {
  timeToTriage: DurationStats[];
  timeToResolve: DurationStats[];
} {
  const triage = new Map<string, number[]>();
  const resolve = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, t: StatusTransition) => {
    const id = `${t.type}\u0000${t.tier}`;
    const seconds = Math.max(0, (Date.parse(t.at) - Date.parse(t.openedAt)) / 1000);
    m.set(id, [...(m.get(id) ?? []), seconds]);
  };
  for (const t of transitions) {
    if (t.from === 'open' && t.to !== 'open') add(triage, t);
    if (CLOSED.has(t.to) && !CLOSED.has(t.from)) add(resolve, t);
  }
  return { timeToTriage: stats(triage), timeToResolve: stats(resolve) };
}

/** Root-cause groups from the store's per-key counts, largest first. */
export function rootCauseGroups(
  rows: readonly RootCauseCount[],
  ruleOf: (key: string) => string,
  parentIdOf: (key: string) => string,
  threshold: number | undefined,
  top: number,
): Insights['rootCauses'] {
  const groups = new Map<string, RootCauseGroup>();
  for (const r of rows) {
    let g = groups.get(r.key);
    if (!g) {
      g = {
        key: r.key,
        rule: ruleOf(r.key),
        open: 0,
        byType: {},
        parentId: parentIdOf(r.key),
        hasParent: false,
      };
      groups.set(r.key, g);
    }
    g.open += r.open;
    g.byType[r.type] = (g.byType[r.type] ?? 0) + r.open;
  }
  const byRule = new Map<string, number>();
  for (const g of groups.values()) {
    g.hasParent = threshold !== undefined && g.open >= threshold;
    byRule.set(g.rule, (byRule.get(g.rule) ?? 0) + g.open);
  }
  const sorted = [...groups.values()].sort((a, b) => b.open - a.open || a.key.localeCompare(b.key));
  return {
    open: sorted.reduce((s, g) => s + g.open, 0),
    ...(threshold === undefined ? {} : { threshold }),
    byRule: [...byRule.entries()]
      .map(([rule, open]) => ({ rule, open }))
      .sort((a, b) => b.open - a.open || a.rule.localeCompare(b.rule)),
    top: sorted.slice(0, top),
  };
}
