/** PSI below this is usually read as "no shift", above DRIFT_PSI as a shift worth acting on. */
export const STABLE_PSI = 0.1;
export const DRIFT_PSI = 0.25;
/** Bins of a stored score distribution: one per ten points of a 0-100 score. */
export const SCORE_BINS = 10;
const EPSILON = 1e-4;

/** Counts of `xs` over `bins` equal-width bins of [min, max]; values outside go to the end bins. */
export function histogram(xs: readonly number[], bins = SCORE_BINS, min = 0, max = 100): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) {
    counts[Math.min(bins - 1, Math.max(0, Math.floor(((x - min) / (max - min)) * bins)))]++;
  }
  return counts;
}

/**
 * Population stability index of two distributions given as counts over the same bins: sum of
 * (a - e) * ln(a / e) over the bins' shares, with empty bins floored at a tiny share so the sum
 * stays finite.
 */
export function psiOfCounts(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length)
    throw new RangeError(`psi needs the same bins (${expected.length} vs ${actual.length})`);
  const shares = (counts: readonly number[]) => {
    const n = counts.reduce((s, c) => s + c, 0);
    if (n === 0) throw new RangeError('psi needs two non-empty samples');
    return counts.map((c) => Math.max(c / n, EPSILON));
  };
  const e = shares(expected);
  const a = shares(actual);
  return e.reduce((sum, ei, i) => sum + (a[i] - ei) * Math.log(a[i] / ei), 0);
}

/**
 * Population stability index of `actual` against `expected` over equal-width bins of [min, max]
 * (scores 0-100 by default).
 */
export function psi(
  expected: readonly number[],
  actual: readonly number[],
  bins = SCORE_BINS,
  min = 0,
  max = 100,
): number {
  if (expected.length === 0 || actual.length === 0)
    throw new RangeError('psi needs two non-empty samples');
  return psiOfCounts(histogram(expected, bins, min, max), histogram(actual, bins, min, max));
}
