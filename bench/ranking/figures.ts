/**
 * The ranking bench's figures, shared by run.ts (the hub end to end) and rescore.ts (the same
 * exceptions scored again under another policy): the graded items, the ordered and
 * must-rank-above pairs, NDCG@10/@20, pairwise accuracy, and the wrong pairs grouped by kind.
 */
import type { PriorityDimensions } from '@exhub/canonical';
import { ndcgAt, pairAccuracy, type ScoringInput } from '@exhub/prioritization';
import type { Facts } from './truth';

/** Must-rank-above pairs: the truth grades of the two items differ by at least this much. */
const MUST_GAP = 2;

export interface Item {
  id: string;
  type: string;
  grade: number;
  seq: number;
  matrix: number;
  score: number;
  degraded: boolean;
  label: string;
  factors: string;
  /** The hub's dimensions and fired rules, and the facts the truth graded (for the JSON). */
  dimensions: PriorityDimensions;
  rules: string[];
  facts: Facts;
  /** The scorer's input of the item's last score (context included) and when: rescore.ts re-reads them. */
  scoring?: { input: ScoringInput; at: string };
}

export interface Figures {
  ndcg10: number;
  ndcg20: number;
  pairwise: number;
  mustAbove: number;
}

/** Every ordered pair of different grades, and the must-rank-above ones (grades MUST_GAP apart). */
export function pairsOf(graded: readonly Item[]): {
  pairs: [string, string][];
  must: [string, string][];
} {
  const pairs: [string, string][] = [];
  const must: [string, string][] = [];
  for (const a of graded)
    for (const b of graded) {
      if (a.grade <= b.grade) continue;
      pairs.push([a.id, b.id]);
      if (a.grade - b.grade >= MUST_GAP) must.push([a.id, b.id]);
    }
  return { pairs, must };
}

/** Wrong must-rank-above pairs of the hub's order, counted per (kind above, kind below). */
export function wrongPairs(items: Item[], must: [string, string][], limit = 10): string[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  const groups = new Map<string, { n: number; gap: number }>();
  for (const [hi, lo] of must) {
    const a = byId.get(hi) as Item;
    const b = byId.get(lo) as Item;
    if (a.score > b.score) continue;
    const key = `g${a.grade} ${a.label}${a.degraded ? ' (degraded)' : ''} at or below g${b.grade} ${b.label}${b.degraded ? ' (degraded)' : ''}`;
    const g = groups.get(key) ?? { n: 0, gap: 0 };
    g.n++;
    g.gap += b.score - a.score;
    groups.set(key, g);
  }
  return [...groups.entries()]
    .sort((x, y) => y[1].n - x[1].n)
    .slice(0, limit)
    .map(
      ([k, g]) =>
        `${String(g.n).padStart(4)} × ${k} (by ${(g.gap / g.n).toFixed(1)} points on average)`,
    );
}

export function figures(
  order: Item[],
  pairs: [string, string][],
  must: [string, string][],
): Figures {
  const grades = order.map((i) => i.grade);
  const position = new Map(order.map((i, k) => [i.id, k]));
  return {
    ndcg10: ndcgAt(grades, 10),
    ndcg20: ndcgAt(grades, 20),
    pairwise: pairAccuracy(pairs, position),
    mustAbove: pairAccuracy(must, position),
  };
}
