// Scoring throughput: exceptions scored per second on one core (the scorer is synchronous and
// CPU-bound, so a hub process scores on one core; more workers scale it out).
// Run: npm run bench:scoring [-- --n 20000 --mode off|shadow|active]
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateHistory } from '@exhub/prioritization';
import type { ModelMode } from '@exhub/prioritization';
import { loadPolicyFile } from '@exhub/prioritization';
import { PolicyScorer } from '@exhub/prioritization';
import { DEFAULT_TRAIN, train } from '@exhub/prioritization';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const N = Number(arg('n', '20000'));
const WARMUP = 2000;
const ROUNDS = 3;

function run(mode: ModelMode, inputs: ReturnType<typeof generateHistory>): number {
  const base = loadPolicyFile(join(__dirname, '../policies/priority.yaml'));
  const loaded = { ...base, policy: { ...base.policy, model: undefined } };
  if (mode !== 'off') {
    const { model } = train(inputs.slice(0, 3000), base, { ...DEFAULT_TRAIN, version: 'bench' });
    Object.assign(loaded, { model, policy: { ...base.policy, model: { mode, file: 'bench' } } });
  }
  const scorer = new PolicyScorer(loaded, { onShadow: () => undefined });
  for (let i = 0; i < WARMUP; i++) scorer.score(inputs[i % inputs.length].exception, new Date());
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const now = new Date('2026-11-27T10:00:00Z');
    const t0 = performance.now();
    let sink = 0;
    for (const rec of inputs) sink += scorer.score(rec.exception, now).score;
    const perSecond = inputs.length / ((performance.now() - t0) / 1000);
    if (sink < 0) throw new Error('unreachable');
    best = Math.max(best, perSecond);
  }
  return best;
}

const inputs = generateHistory(N, 7, loadPolicyFile(join(__dirname, '../policies/priority.yaml')));
const modes = (arg('mode', 'off,shadow,active').split(',') as ModelMode[]).filter(Boolean);
console.log(
  `scoring ${N} synthetic exceptions, best of ${ROUNDS} rounds, one core (${process.version})`,
);
for (const mode of modes) {
  const rate = run(mode, inputs);
  console.log(
    `  model ${mode.padEnd(6)} ${Math.round(rate).toLocaleString('en')} exceptions/s  (${(1e6 / rate).toFixed(1)} µs each)`,
  );
}
