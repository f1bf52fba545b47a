/** Area under the ROC curve (Mann-Whitney), ties counted half. NaN when one class is missing. */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]] = avg;
    i = j + 1;
  }
  const pos = labels.filter((y) => y === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  const rankSum = labels.reduce((s, y, i) => (y === 1 ? s + ranks[i] : s), 0);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean squared error of probabilities against 0/1 outcomes (lower is better). */
export function brier(probs: readonly number[], labels: readonly number[]): number {
  return probs.reduce((s, p, i) => s + (p - labels[i]) ** 2, 0) / probs.length;
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Calibration table: predictions in equal-width bins, mean prediction against observed rate. */
export function reliability(
  probs: readonly number[],
  labels: readonly number[],
  bins = 10,
): ReliabilityBin[] {
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: 0,
    meanPredicted: 0,
    observedRate: 0,
  }));
  probs.forEach((p, i) => {
    const bin = out[Math.min(bins - 1, Math.floor(p * bins))];
    bin.count++;
    bin.meanPredicted += p;
    bin.observedRate += labels[i];
  });
  for (const b of out) {
    if (b.count) {
      b.meanPredicted /= b.count;
      b.observedRate /= b.count;
    }
  }
  return out;
}

/** mulberry32: a small seeded generator so splits and synthetic histories are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
