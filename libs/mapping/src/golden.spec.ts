import { resolve } from 'node:path';
import {
  findCasesFiles,
  formatOutcome,
  loadCasesFile,
  runCase,
  untestedMappings,
  type CasesFile,
} from './cases';
import { MappingRegistry } from './registry';

/**
 * Runs every golden case under mappings/ (one Jest test per case), so `npm test` fails when a
 * mapping stops producing what its cases say. A failure prints each difference with its path.
 */
const MAPPINGS_DIR = resolve(__dirname, '../../../mappings');

const loaded: { file: string; cases?: CasesFile; error?: Error }[] = findCasesFiles(
  MAPPINGS_DIR,
).map((file) => {
  try {
    return { file, cases: loadCasesFile(file) };
  } catch (error) {
    return { file, error: error as Error };
  }
});

/**
 * Golden cases check what a mapping produces. The wall-clock guardrails (50 ms per expression by
 * default) are tested on their own in evaluate.spec.ts; here, on a loaded CI machine, they would
 * time out a cold first evaluation of a large bank statement and measure the load, not the mapping.
 */
const GOLDEN_LIMITS = { expressionTimeoutMs: 30_000, mappingTimeoutMs: 60_000 };

let registry: MappingRegistry;
beforeAll(async () => {
  registry = await MappingRegistry.loadDir(MAPPINGS_DIR, { limits: GOLDEN_LIMITS });
});

describe('golden mapping cases', () => {
  it('every mapping has a cases file', () => {
    const casesFiles = loaded.flatMap((l) => (l.cases ? [l.cases] : []));
    expect(untestedMappings(registry, casesFiles).map((m) => `${m.id} (${m.file})`)).toEqual([]);
  });

  for (const { file, cases, error } of loaded) {
    describe(cases?.file ?? file, () => {
      if (!cases) {
        it('loads', () => {
          throw error;
        });
        return;
      }
      for (const goldenCase of cases.cases) {
        it(goldenCase.name, async () => {
          const outcome = await runCase(registry, cases, goldenCase);
          if (!outcome.passed) {
            const actual = outcome.actual
              ? `\n  actual: ${JSON.stringify(outcome.actual, null, 2)}`
              : '';
            throw new Error(`${formatOutcome(outcome)}${actual}`);
          }
        });
      }
    });
  }
});
