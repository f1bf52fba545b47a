import { ndcgAt, pairAccuracy } from './ranking-metrics';

describe('ndcgAt', () => {
  it('is 1 for the ideal order and below 1 when a better item ranks lower', () => {
    expect(ndcgAt([3, 2, 1, 0], 10)).toBe(1);
    const swapped = ndcgAt([0, 2, 1, 3], 10);
    expect(swapped).toBeLessThan(1);
    // DCG 0 + 3/log2(3) + 1/2 + 7/log2(5) against 7 + 3/log2(3) + 1/2 + 0.
    const expected = (3 / Math.log2(3) + 1 / 2 + 7 / Math.log2(5)) / (7 + 3 / Math.log2(3) + 1 / 2);
    expect(swapped).toBeCloseTo(expected, 12);
  });

  it('only looks at the first k positions, against the ideal top k of all grades', () => {
    // The grade 3 item is ranked 3rd: outside the top 2 it counts nothing.
    expect(ndcgAt([1, 1, 3], 2)).toBeCloseTo((1 + 1 / Math.log2(3)) / (7 + 1 / Math.log2(3)), 12);
  });

  it('is 1 when no item has a positive grade', () => {
    expect(ndcgAt([0, 0], 10)).toBe(1);
  });
});

describe('pairAccuracy', () => {
  const position = new Map([
    ['a', 0],
    ['b', 1],
    ['c', 2],
  ]);
  it('counts the pairs whose first item ranks higher', () => {
    expect(
      pairAccuracy(
        [
          ['a', 'c'],
          ['c', 'b'],
        ],
        position,
      ),
    ).toBe(0.5);
  });
  it('counts a pair with an item missing from the ranking as wrong', () => {
    expect(pairAccuracy([['x', 'a']], position)).toBe(0);
  });
});
