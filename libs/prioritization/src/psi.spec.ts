import { DRIFT_PSI, STABLE_PSI, histogram, psi, psiOfCounts } from './psi';

describe('psi', () => {
  const spread = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  const uniform = spread(1000, (i) => (i % 100) + 0.5);

  it('is 0 for the same distribution and small for a slightly moved one', () => {
    expect(psi(uniform, uniform)).toBe(0);
    expect(
      psi(
        uniform,
        spread(1000, (i) => Math.min(99.9, (i % 100) + 3)),
      ),
    ).toBeLessThan(STABLE_PSI);
  });

  it('flags a score distribution that moved to the top', () => {
    expect(
      psi(
        uniform,
        spread(1000, (i) => 60 + (i % 40)),
      ),
    ).toBeGreaterThan(DRIFT_PSI);
  });

  it('matches the formula on a hand-computed case', () => {
    // Two bins: expected 50/50, actual 80/20.
    const v = psi(
      [10, 10, 60, 60],
      [10, 10, 10, 10, 10, 10, 10, 10, 60, 60].slice(0, 5).concat([60]),
      2,
    );
    const a = [5 / 6, 1 / 6];
    expect(v).toBeCloseTo(
      (a[0] - 0.5) * Math.log(a[0] / 0.5) + (a[1] - 0.5) * Math.log(a[1] / 0.5),
      9,
    );
  });

  it('gives the same value from stored bin counts as from the samples', () => {
    const expected = spread(500, (i) => (i * 7) % 100);
    const actual = spread(300, (i) => 40 + ((i * 3) % 60));
    expect(psiOfCounts(histogram(expected), histogram(actual))).toBeCloseTo(
      psi(expected, actual),
      12,
    );
    expect(histogram([0, 9.99, 10, 100, 150, -5])).toEqual([3, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(() => psiOfCounts([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => psiOfCounts([0, 0], [1, 2])).toThrow(RangeError);
  });
});
