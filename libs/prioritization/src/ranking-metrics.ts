/**
 * Ranking quality against graded truth: NDCG@k (exponential gain, log2 discount) and the share
 * of ordered pairs a ranking gets right. Used by `npm run bench:ranking`; pure functions.
 */

/** Discounted cumulative gain of the first `k` grades, gain 2^grade − 1. */
function dcg(grades: readonly number[], k: number): number {
  let sum = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++)
    sum += (2 ** grades[i] - 1) / Math.log2(i + 2);
  return sum;
}

/**
 * NDCG@k of a ranking: `ranked` lists the grades in the order the ranker put the items; the
 * ideal is the same grades sorted high to low. 1 when nothing has a positive grade.
 */
export function ndcgAt(ranked: readonly number[], k: number): number {
  const ideal = dcg(
    [...ranked].sort((a, b) => b - a),
    k,
  );
  return ideal === 0 ? 1 : dcg(ranked, k) / ideal;
}

/**
 * Share of `pairs` ([above, below] item ids) whose first item the ranking puts higher. `position`
 * maps an id to its rank (0 = top); a pair with an item the ranking lacks counts as wrong.
 */
export function pairAccuracy(
  pairs: readonly (readonly [string, string])[],
  position: ReadonlyMap<string, number>,
): number {
  if (pairs.length === 0) return 1;
  let right = 0;
  for (const [above, below] of pairs) {
    const a = position.get(above);
    const b = position.get(below);
    if (a !== undefined && b !== undefined && a < b) right++;
  }
  return right / pairs.length;
}
