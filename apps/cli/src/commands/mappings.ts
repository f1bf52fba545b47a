import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYamlText } from 'yaml';
import {
  CASES_FILE_SUFFIX,
  compileMappingSource,
  findCasesFiles,
  formatOutcome,
  formatProblem,
  loadCasesFile,
  loadLookupTables,
  lookupsDirOf,
  MAPPING_FILE_SUFFIX,
  MappingLoadError,
  MappingRegistry,
  runCase,
  untestedMappings,
  type CaseOutcome,
  type CasesFile,
  type MappingProblem,
} from '@exhub/mapping';
import { loadPolicyFile, PolicyScorer } from '@exhub/prioritization';
import { dryRun } from '@exhub/pipeline';
import { parsePayload } from '@exhub/pipeline';

/** Where mappings and policies are when no path is given (same defaults as the hub). */
const DEFAULT_MAPPINGS_DIR = 'mappings';
const DEFAULT_POLICIES_DIR = 'policies';
const PRIORITY_POLICY_FILE = 'priority.yaml';
const CLI_VERSION = 'cli';
const EXIT_FAILED = 1;

function defaultMappingsDir(): string {
  return process.env.EXHUB_MAPPINGS_DIR || DEFAULT_MAPPINGS_DIR;
}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** `exhub mappings test|lint|try`: what data stewards run before shipping a mapping change. */
export function registerMappingsCommands(program: Command): void {
  const mappings = program
    .command('mappings')
    .description('test, lint and try the declarative mappings (mappings/**/*.mapping.yaml)');

  mappings
    .command('test [path]')
    .description(
      'run the golden cases (<object>.cases.yaml) of a mappings folder, or of one cases file',
    )
    .option('--mappings-dir <dir>', 'mappings folder, when [path] is one cases file')
    .option('-v, --verbose', 'print what the mapping produced for failing cases')
    .action(async (path: string | undefined, opts: { mappingsDir?: string; verbose?: boolean }) => {
      process.exitCode = await testCommand(path ?? defaultMappingsDir(), opts);
    });

  mappings
    .command('lint [path]')
    .description(
      'check mappings, lookup tables and cases without running them: unknown or mistyped fields, JSONata syntax, unknown functions and lookup tables, mappings without cases',
    )
    .action(async (path: string | undefined) => {
      process.exitCode = await lintCommand(path ?? defaultMappingsDir());
    });

  mappings
    .command('try <mapping> <payload-file>')
    .description(
      'map one payload (JSON, YAML, or XML file such as an ISO 20022 bank file, parsed as the pipeline does) with a mapping id or a .mapping.yaml file and print the canonical exception(s) the hub would publish, or the errors',
    )
    .option('--mappings-dir <dir>', 'mappings folder (mapping ids and lookup tables)')
    .option('--policies-dir <dir>', 'policies folder (priority.yaml)')
    .action(
      async (
        mapping: string,
        payloadFile: string,
        opts: { mappingsDir?: string; policiesDir?: string },
      ) => {
        process.exitCode = await tryCommand(mapping, payloadFile, opts);
      },
    );
}

async function loadRegistryOrReport(dir: string): Promise<MappingRegistry | undefined> {
  try {
    return await MappingRegistry.loadDir(dir);
  } catch (e) {
    if (e instanceof MappingLoadError) {
      for (const p of e.problems) err(formatProblem(p));
      err(`${e.problems.length} problem(s); fix them, then run again (exhub mappings lint ${dir})`);
      return undefined;
    }
    throw e;
  }
}

async function testCommand(
  path: string,
  opts: { mappingsDir?: string; verbose?: boolean },
): Promise<number> {
  if (!existsSync(path)) {
    err(`exhub: ${path} does not exist; give a mappings folder or a ${CASES_FILE_SUFFIX} file`);
    return EXIT_FAILED;
  }
  const single = statSync(path).isFile();
  const dir = single ? (opts.mappingsDir ?? defaultMappingsDir()) : path;
  const registry = await loadRegistryOrReport(dir);
  if (!registry) return EXIT_FAILED;
  const files = single ? [path] : findCasesFiles(path);
  const outcomes: CaseOutcome[] = [];
  const loaded: CasesFile[] = [];
  let broken = 0;
  for (const file of files) {
    let cases: CasesFile;
    try {
      cases = loadCasesFile(file);
    } catch (e) {
      broken += 1;
      err(`FAIL ${(e as Error).message}`);
      continue;
    }
    loaded.push(cases);
    for (const goldenCase of cases.cases) {
      const outcome = await runCase(registry, cases, goldenCase);
      outcomes.push(outcome);
      out(formatOutcome(outcome));
      if (!outcome.passed && opts.verbose && outcome.actual) {
        out(`  produced: ${JSON.stringify(outcome.actual, null, 2).replace(/\n/g, '\n  ')}`);
      }
    }
  }
  const failed = outcomes.filter((o) => !o.passed).length;
  const untested = single ? [] : untestedMappings(registry, loaded);
  for (const m of untested) err(`WARN ${m.file}: mapping ${m.id} has no golden cases`);
  out();
  out(
    `${outcomes.length - failed} passed, ${failed} failed${broken ? `, ${broken} cases file(s) could not be loaded` : ''} (${files.length} cases file(s))`,
  );
  if (failed > 0 && !opts.verbose)
    out('run with --verbose to see what the failing mappings produced');
  return failed > 0 || broken > 0 || outcomes.length === 0 ? EXIT_FAILED : 0;
}

async function lintCommand(path: string): Promise<number> {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    err(`exhub: ${path} is not a folder; give the mappings folder (default: mappings)`);
    return EXIT_FAILED;
  }
  const problems: MappingProblem[] = [];
  let registry: MappingRegistry | undefined;
  try {
    registry = await MappingRegistry.loadDir(path);
  } catch (e) {
    if (!(e instanceof MappingLoadError)) throw e;
    problems.push(...e.problems);
  }
  const loaded: CasesFile[] = [];
  for (const file of findCasesFiles(path)) {
    try {
      const cases = loadCasesFile(file);
      loaded.push(cases);
      if (registry && !registry.get(cases.mapping)) {
        problems.push({
          file: cases.file,
          line: 1,
          column: 1,
          path: 'mapping',
          message: `no mapping with id "${cases.mapping}"`,
          hint: `loaded: ${registry
            .list()
            .map((m) => m.id)
            .join(', ')}`,
        });
      }
    } catch (e) {
      if (!(e instanceof MappingLoadError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (registry) {
    for (const m of untestedMappings(registry, loaded)) {
      const mapping = registry.get(m.id);
      problems.push({
        ...(mapping?.position ?? { file: m.file, line: 1, column: 1 }),
        path: 'id',
        message: `mapping ${m.id} has no golden cases`,
        hint: `add ${m.file.replace(MAPPING_FILE_SUFFIX, CASES_FILE_SUFFIX)} with at least one real payload`,
      });
    }
  }
  for (const p of problems) err(formatProblem(p));
  const mappingCount = registry?.size ?? 0;
  const tables = registry?.lookups.names().length ?? 0;
  if (problems.length > 0) {
    err(`${problems.length} problem(s)`);
    return EXIT_FAILED;
  }
  out(
    `ok: ${mappingCount} mapping(s), ${tables} lookup table(s), ${loaded.length} cases file(s) in ${path}`,
  );
  return 0;
}

async function tryCommand(
  mappingArg: string,
  payloadFile: string,
  opts: { mappingsDir?: string; policiesDir?: string },
): Promise<number> {
  const payload = readPayload(payloadFile);
  if (payload.error) {
    err(`exhub: ${payload.error}`);
    return EXIT_FAILED;
  }
  const isFile = mappingArg.endsWith(MAPPING_FILE_SUFFIX) || existsSync(mappingArg);
  let registry: MappingRegistry | undefined;
  let mappingId = mappingArg;
  if (isFile) {
    // A single file: compiled with the lookup tables of its mappings folder (…/lookups).
    const dir = opts.mappingsDir ?? guessMappingsDir(mappingArg);
    const lookups = await loadLookupTables(lookupsDirOf(dir));
    const result = compileMappingSource(readFileSync(mappingArg), mappingArg, {
      lookups: lookups.tables,
    });
    const problems = [...lookups.problems, ...result.problems];
    if (problems.length > 0 || !result.mapping) {
      for (const p of problems) err(formatProblem(p));
      return EXIT_FAILED;
    }
    registry = MappingRegistry.fromMappings([result.mapping], lookups.tables);
    mappingId = result.mapping.id;
  } else {
    registry = await loadRegistryOrReport(opts.mappingsDir ?? defaultMappingsDir());
    if (!registry) return EXIT_FAILED;
  }
  const policiesDir = opts.policiesDir ?? (process.env.EXHUB_POLICIES_DIR || DEFAULT_POLICIES_DIR);
  const scorer = new PolicyScorer(loadPolicyFile(join(policiesDir, PRIORITY_POLICY_FILE)));
  let result;
  try {
    result = await dryRun(
      { registry, scorer, connectorVersion: CLI_VERSION },
      { mapping: mappingId },
      payload.value,
    );
  } catch (e) {
    err(`exhub: ${(e as Error).message}`);
    return EXIT_FAILED;
  }
  if (result.mappingError) {
    err(`error: ${result.mappingError.message}`);
    for (const i of result.mappingError.issues)
      err(`  ${i.pointer || '/'} (${i.rule}): ${i.message}`);
    return EXIT_FAILED;
  }
  const { mapped, exceptions, lifecycle } = result;
  out(JSON.stringify({ mapped, exceptions, ...(lifecycle.length ? { lifecycle } : {}) }, null, 2));
  if (exceptions.length === 0 && lifecycle.length === 0) {
    err(
      `note: mapping ${mappingId} does not match this payload (its \`match\` is false): nothing would be published`,
    );
  }
  if (result.issues.length > 0) {
    err(`invalid: the exception(s) above would be dead-lettered at stage validate:`);
    for (const i of result.issues) err(`  ${i.pointer} (${i.rule}): ${i.message}`);
    return EXIT_FAILED;
  }
  return 0;
}

function readPayload(file: string): { value?: unknown; error?: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    return { error: `cannot read the payload file ${file}: ${(e as Error).message}` };
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.xml') {
    // An XML file (an ISO 20022 bank file) is parsed exactly as the pipeline parses a source event.
    try {
      return { value: parsePayload({ contentType: 'application/xml', connectorId: file }, bytes) };
    } catch (e) {
      const issues = (e as { issues?: { message: string }[] }).issues ?? [];
      return { error: `${file}: ${issues[0]?.message ?? (e as Error).message}` };
    }
  }
  const text = bytes.toString('utf8');
  try {
    return { value: ext === '.yaml' || ext === '.yml' ? parseYamlText(text) : JSON.parse(text) };
  } catch (e) {
    return {
      error: `${file} is not valid ${ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON'}: ${(e as Error).message}`,
    };
  }
}

/** `mappings/stripe/x.mapping.yaml` → `mappings` (the folder holding `lookups/`), else the default. */
function guessMappingsDir(file: string): string {
  let dir = dirname(resolve(file));
  for (let i = 0; i < 3; i += 1) {
    if (existsSync(lookupsDirOf(dir))) return dir;
    dir = dirname(dir);
  }
  return defaultMappingsDir();
}
