/**
 * Per-entry cost of a large `each` mapping: a synthetic camt.053 statement with N entries through
 * the camt.053 reconciliation mapping (`evaluateMapping`, fast path on), reported per entry.
 * Run: node -r ./bench/swc-register.js bench/each-mapping.bench.ts [entries…]
 * Not a test: the figures depend on the machine; it prints them.
 */
import { join, resolve } from 'node:path';
import { evaluateMapping, evaluationCounts, MappingRegistry } from '@exhub/mapping';
import { largeCamt053 } from '../libs/mapping/src/testing/large-statement';

// EACH_BENCH_MAPPINGS: another mappings folder, e.g. an older version to compare with.
const MAPPINGS_DIR = resolve(process.env.EACH_BENCH_MAPPINGS ?? join(__dirname, '../mappings'));
const MAPPING_ID = 'iso20022.camt053-reconciliation-break';
// Generous limits: this measures the cost, it must not stop at the default budget.
const LIMITS = {
  expressionTimeoutMs: 600_000,
  mappingTimeoutMs: 600_000,
  eachTimeoutMs: 600_000,
  maxEachItems: 100_000,
};

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const registry = await MappingRegistry.loadDir(MAPPINGS_DIR, { limits: LIMITS });
  const mapping = registry.get(MAPPING_ID);
  if (!mapping) throw new Error(`no mapping ${MAPPING_ID}`);
  for (const entries of sizes.length > 0 ? sizes : [300, 1000]) {
    const { payload, breaks } = largeCamt053(entries);
    await evaluateMapping(mapping, payload); // warm-up
    const runs = Number(process.env.EACH_BENCH_RUNS ?? 3);
    const before = { ...evaluationCounts };
    const started = process.hrtime.bigint();
    let produced = 0;
    for (let r = 0; r < runs; r++) produced = (await evaluateMapping(mapping, payload)).length;
    const ms = Number(process.hrtime.bigint() - started) / 1e6 / runs;
    if (produced !== breaks) throw new Error(`expected ${breaks} exceptions, got ${produced}`);
    const compiled = (evaluationCounts.compiled - before.compiled) / runs;
    const jsonata = (evaluationCounts.jsonata - before.jsonata) / runs;
    console.log(
      `${entries} entries (${breaks} exceptions): ${ms.toFixed(1)} ms per statement, ` +
        `${((ms * 1000) / entries).toFixed(1)} µs per entry, ${Math.round((entries / ms) * 1000)} entries/s; ` +
        `expressions per statement: ${compiled} compiled, ${jsonata} JSONata`,
    );
  }
}

void main();
