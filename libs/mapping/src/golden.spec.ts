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

let registry: MappingRegistry;
beforeAll(async () => {
  registry = await MappingRegistry.loadDir(MAPPINGS_DIR);
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
