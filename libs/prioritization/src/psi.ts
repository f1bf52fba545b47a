/** PSI below this is usually read as "no shift", above DRIFT_PSI as a shift worth acting on. */
export const STABLE_PSI = 0.1;
export const DRIFT_PSI = 0.25;
const EPSILON = 1e-4;

/**
 * Population stability index of `actual` against `expected` over equal-width bins of [min, max]
 * (scores 0-100 by default): sum of (a - e) * ln(a / e) over the bins' shares, with empty bins
 * floored at a tiny share so the sum stays finite.
 */
export function psi(
  expected: readonly number[],
  actual: readonly number[],
  bins = 10,
  min = 0,
  max = 100,
): number {
  if (expected.length === 0 || actual.length === 0)
    throw new RangeError('psi needs two non-empty samples');
  const shares = (xs: readonly number[]) => {
    const counts = new Array<number>(bins).fill(0);
    for (const x of xs) {
      const i = Math.min(bins - 1, Math.max(0, Math.floor(((x - min) / (max - min)) * bins)));
      counts[i]++;
    }
    return counts.map((c) => Math.max(c / xs.length, EPSILON));
  };
  const e = shares(expected);
  const a = shares(actual);
  return e.reduce((sum, ei, i) => sum + (a[i] - ei) * Math.log(a[i] / ei), 0);
}
