import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYamlText } from 'yaml';
import { CASES_FILE_SUFFIX } from './constants';
import { diffExceptions, formatDifference, type Difference } from './diff';
import { MappingLoadError } from './errors';
import { evaluateMapping } from './evaluate';
import { liftBusinessMessage, parseXml } from '@exhub/connector-sdk';
import { displayFile, findFilesSync } from './files';
import { MappingRegistry } from './registry';
import { schemaProblems, validateCasesDocument } from './schema-validation';
import type { CompileOptions, MappingProblem, MappingSummary, SourcePosition } from './types';
import { parseYaml, positionOf, problemAt } from './yaml-source';

/**
 * Golden cases: `<object>.cases.yaml` beside each mapping gives payloads and the exception
 * fields the mapping must produce, so stewards can change a mapping and see what changed
 * without writing code. Runs from Jest (golden.spec.ts) and, later, from the CLI.
 */

/** One golden case. */
export interface GoldenCase {
  name: string;
  description?: string;
  position: SourcePosition;
  input: { file?: string; payload?: unknown };
  /** Fields of each exception produced, in order; `[]` when the mapping must not match. */
  expect?: Record<string, unknown>[];
  /** Text the MappingError message must contain (instead of `expect`). */
  expectError?: string;
  /** Dot paths inside each exception to leave out of the comparison; `*` matches any key. */
  ignore: string[];
}

/** A loaded `*.cases.yaml`. */
export interface CasesFile {
  file: string;
  /** Directory that `input.file` paths are relative to. */
  baseDir: string;
  mapping: string;
  cases: GoldenCase[];
}

/** The result of one case. */
export interface CaseOutcome {
  file: string;
  mapping: string;
  name: string;
  position: SourcePosition;
  passed: boolean;
  differences: Difference[];
  /** Why the case could not be compared (or the unexpected mapping error). */
  error?: string;
  /** What the mapping produced, for updating the expectation. */
  actual?: Record<string, unknown>[];
}

interface CasesDocument {
  mapping: string;
  cases: {
    name: string;
    description?: string;
    input: { file?: string; payload?: unknown };
    expect?: Record<string, unknown>[];
    expectError?: string;
    ignore?: string[];
  }[];
}

/** Every `*.cases.yaml` under `dir`, sorted. */
export function findCasesFiles(dir: string): string[] {
  return findFilesSync(dir, CASES_FILE_SUFFIX);
}

/** Reads and validates a cases file; throws MappingLoadError listing every problem. */
export function loadCasesFile(file: string): CasesFile {
  const shown = displayFile(file);
  const parsed = parseYaml(readFileSync(file, 'utf8'), shown);
  if ('problems' in parsed) throw new MappingLoadError(parsed.problems, shown);
  const { source, data } = parsed;
  const problems: MappingProblem[] = schemaProblems(validateCasesDocument, data, source);
  if (problems.length > 0) throw new MappingLoadError(problems, shown);

  const doc = data as CasesDocument;
  const seen = new Set<string>();
  for (const [i, c] of doc.cases.entries()) {
    if (seen.has(c.name)) {
      problems.push(
        problemAt(source, ['cases', i, 'name'], `duplicate case name "${c.name}"`, {
          hint: 'give each case its own name',
        }),
      );
    }
    seen.add(c.name);
  }
  if (problems.length > 0) throw new MappingLoadError(problems, shown);

  return {
    file: shown,
    baseDir: dirname(resolve(file)),
    mapping: doc.mapping,
    cases: doc.cases.map((c, i) => ({
      name: c.name,
      description: c.description,
      position: positionOf(source, ['cases', i]),
      input: c.input,
      expect: c.expect,
      expectError: c.expectError,
      ignore: c.ignore ?? [],
    })),
  };
}

/** Runs one case against the registry's mapping of that id. */
export async function runCase(
  registry: MappingRegistry,
  casesFile: CasesFile,
  goldenCase: GoldenCase,
): Promise<CaseOutcome> {
  const base = {
    file: casesFile.file,
    mapping: casesFile.mapping,
    name: goldenCase.name,
    position: goldenCase.position,
  };
  const fail = (error: string): CaseOutcome => ({ ...base, passed: false, differences: [], error });

  const mapping = registry.get(casesFile.mapping);
  if (!mapping) return fail(`no mapping with id "${casesFile.mapping}" is loaded`);
  let payload: unknown;
  try {
    payload = await readInput(casesFile, goldenCase);
  } catch (err) {
    return fail((err as Error).message);
  }

  let actual: Record<string, unknown>[];
  try {
    actual = (await evaluateMapping(mapping, payload)).map((m) => m.fields);
  } catch (err) {
    const message = (err as Error).message;
    if (goldenCase.expectError !== undefined && message.includes(goldenCase.expectError)) {
      return { ...base, passed: true, differences: [] };
    }
    return fail(`the mapping failed: ${message}`);
  }
  if (goldenCase.expectError !== undefined) {
    return {
      ...fail(
        `expected an error containing "${goldenCase.expectError}", but the mapping produced ${actual.length} exception(s)`,
      ),
      actual,
    };
  }
  const differences = diffExceptions(goldenCase.expect ?? [], actual, goldenCase.ignore);
  return { ...base, passed: differences.length === 0, differences, actual };
}

/** Loads the mappings under `dir` and runs every cases file there. */
export async function runCases(dir: string, options?: CompileOptions): Promise<CaseOutcome[]> {
  const registry = await MappingRegistry.loadDir(dir, options);
  const outcomes: CaseOutcome[] = [];
  for (const file of findCasesFiles(dir)) {
    let casesFile: CasesFile;
    try {
      casesFile = loadCasesFile(file);
    } catch (err) {
      outcomes.push({
        file: displayFile(file),
        mapping: '',
        name: '(cases file)',
        position: { file: displayFile(file), line: 1, column: 1 },
        passed: false,
        differences: [],
        error: (err as Error).message,
      });
      continue;
    }
    for (const goldenCase of casesFile.cases) {
      outcomes.push(await runCase(registry, casesFile, goldenCase));
    }
  }
  return outcomes;
}

/** Mappings that no cases file tests. */
export function untestedMappings(
  registry: MappingRegistry,
  casesFiles: readonly CasesFile[],
): MappingSummary[] {
  const tested = new Set(casesFiles.map((c) => c.mapping));
  return registry.list().filter((m) => !tested.has(m.id));
}

/** A readable report of one outcome: the place, then one line per difference. */
export function formatOutcome(outcome: CaseOutcome): string {
  const where = `${outcome.position.file}:${outcome.position.line}:${outcome.position.column}`;
  const head = `${outcome.passed ? 'PASS' : 'FAIL'} ${where} ${outcome.mapping} — ${outcome.name}`;
  const lines = [
    ...(outcome.error ? [outcome.error] : []),
    ...outcome.differences.map(formatDifference),
  ];
  return [head, ...lines.map((l) => `  ${l}`)].join('\n');
}

async function readInput(casesFile: CasesFile, goldenCase: GoldenCase): Promise<unknown> {
  if (goldenCase.input.file === undefined) return goldenCase.input.payload;
  const path = resolve(casesFile.baseDir, goldenCase.input.file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(
      `input file ${goldenCase.input.file} cannot be read (looked at ${displayFile(path)})`,
      { cause: err },
    );
  }
  const ext = extname(path).toLowerCase();
  try {
    if (ext === '.json') return JSON.parse(text);
    if (ext === '.yaml' || ext === '.yml') return parseYamlText(text);
    // An XML source payload (an ISO 20022 bank file) as the pipeline reads an XML source event.
    if (ext === '.xml') return liftBusinessMessage(parseXml(text, { where: displayFile(path) }));
  } catch (err) {
    throw new Error(
      `input file ${displayFile(path)} is not valid ${ext.slice(1).toUpperCase()}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  throw new Error(
    `input file ${displayFile(path)}: only .json, .yaml and .xml fixtures are supported; convert it as the connector does, or inline it as payload`,
  );
}
