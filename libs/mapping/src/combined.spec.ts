import { compileMapping } from './compile';
import { evaluateMapping } from './evaluate';
import type { CompiledMapping } from './types';

/**
 * The combined fast path (all field expressions in one JSONata evaluation) must give exactly what
 * evaluating each field alone gives; these compare the two on the constructs where they could
 * differ: block-scoped variables, sequences, singleton arrays, `$root`/`$index` inside `each`,
 * array inputs and empty results.
 */
const FIELDS = [
  `  title: { expr: "($x := 'a'; $x & name)", description: x }`,
  `  summary: { expr: "($x := 'b'; $x & $string($count(items)))", description: x }`,
  `  signals.list: { expr: "items.v", description: x }`,
  `  signals.one: { expr: "items[0].v", description: x }`,
  `  signals.kept: { expr: "[items[v > 1].v]", description: x }`,
  `  signals.none: { expr: "missing.path", description: x }`,
  `  signals.root: { expr: "$root.batch & '#' & $string($index)", description: x }`,
].join('\n');

function compile(each = ''): CompiledMapping {
  return compileMapping(
    `id: test.combined\ndescription: x\nsource: { system: test, objectType: t }\n${each}fields:\n${FIELDS}\n`,
    'test/combined.mapping.yaml',
    // Without the compiled fast path, so every field goes through the combined JSONata evaluation.
    // Generous time limits: this compares results, and the shared CI machine can stall a 50 ms
    // expression budget (the limits themselves are tested in evaluate.spec.ts).
    { fastPath: false, limits: { expressionTimeoutMs: 30_000, mappingTimeoutMs: 60_000 } },
  );
}

async function both(mapping: CompiledMapping, payload: unknown) {
  expect(mapping.combined).toBeDefined();
  const fast = await evaluateMapping(mapping, payload);
  const slow = await evaluateMapping({ ...mapping, combined: undefined }, payload);
  return { fast, slow };
}

describe('combined evaluation of all fields', () => {
  it('gives the same fields as one evaluation per field', async () => {
    const payload = { name: 'n', batch: 'B', items: [{ v: 1 }, { v: 2 }, { v: 3 }] };
    const { fast, slow } = await both(compile(), payload);
    expect(fast).toEqual(slow);
    expect(fast[0].fields).toEqual({
      title: 'an',
      summary: 'b3',
      signals: { list: [1, 2, 3], one: 1, kept: [2, 3], root: 'B#0' },
    });
  });

  it('gives the same fields inside `each` and for a one-item sequence', async () => {
    const payload = { batch: 'B', lines: [{ name: 'x', items: [{ v: 5 }] }, { name: 'y' }] };
    const { fast, slow } = await both(compile('each: lines\n'), payload);
    expect(fast).toEqual(slow);
    expect(fast.map((r) => r.fields.signals)).toEqual([
      { list: 5, one: 5, kept: [5], root: 'B#0' },
      { root: 'B#1' },
    ]);
  });

  it('falls back to one evaluation per field to name the field that fails', async () => {
    const mapping = compileMapping(
      `id: test.fails\ndescription: x\nsource: { system: test, objectType: t }\nfields:\n  title: { expr: name, description: x }\n  summary: { expr: "name + 1", description: x }\n`,
      'test/fails.mapping.yaml',
      { fastPath: false },
    );
    expect(mapping.combined).toBeDefined();
    await expect(evaluateMapping(mapping, { name: 'n' })).rejects.toMatchObject({
      location: 'fields.summary',
    });
  });
});
