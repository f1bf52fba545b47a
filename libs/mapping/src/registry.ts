import { readFile, stat } from 'node:fs/promises';
import { compileMappingSource } from './compile';
import { MAPPING_FILE_SUFFIX } from './constants';
import { MappingError, MappingLoadError } from './errors';
import { evaluateMapping } from './evaluate';
import { serialized } from './serialized';
import { displayFile, findFiles } from './files';
import { LookupTables, loadLookupTables, lookupsDirOf } from './lookups';
import type {
  CompiledMapping,
  CompileOptions,
  MappedException,
  MappingProblem,
  MappingSummary,
} from './types';

/** One consistent set of mappings and the tables they were compiled with. */
interface RegistryState {
  mappings: readonly CompiledMapping[];
  byId: ReadonlyMap<string, CompiledMapping>;
  bySource: ReadonlyMap<string, readonly CompiledMapping[]>;
  lookups: LookupTables;
}

/**
 * The loaded mappings, indexed by source. A loaded set is never edited: a hot reload compiles a
 * whole new registry and, only when the directory loaded cleanly, `replaceWith` swaps its state
 * in with one assignment. Callers (the pipeline) keep their reference to this object; a `map`
 * call that already started finishes with the set it started with.
 */
export class MappingRegistry {
  private state: RegistryState;
  private readonly failureListeners: ((error: MappingError) => void)[] = [];

  private constructor(mappings: readonly CompiledMapping[], lookups: LookupTables) {
    const byId = new Map<string, CompiledMapping>();
    const bySource = new Map<string, CompiledMapping[]>();
    for (const mapping of mappings) {
      if (byId.has(mapping.id)) throw new Error(`duplicate mapping id "${mapping.id}"`);
      byId.set(mapping.id, mapping);
      const key = sourceKey(mapping.source.system, mapping.source.objectType);
      bySource.set(key, [...(bySource.get(key) ?? []), mapping]);
    }
    this.state = { mappings, byId, bySource, lookups };
  }

  /**
   * Loads the lookup tables of `<dir>/lookups/*.csv` (unless `options.lookups` is given), then
   * every `*.mapping.yaml` under `dir` (recursively, in path order). Throws one MappingLoadError
   * listing every problem of every file (file:line:column each), including ids used twice and
   * calls to unknown lookup tables.
   */
  static async loadDir(dir: string, options: CompileOptions = {}): Promise<MappingRegistry> {
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) {
      throw new MappingLoadError(
        [
          {
            file: displayFile(dir),
            line: 1,
            column: 1,
            path: '',
            message: 'is not a directory',
            hint: 'set EXHUB_MAPPINGS_DIR to the mappings folder',
          },
        ],
        `mappings from ${displayFile(dir)}`,
      );
    }
    const lookupResult = options.lookups
      ? { tables: options.lookups, problems: [] }
      : await loadLookupTables(lookupsDirOf(dir));
    const compileOptions = { ...options, lookups: lookupResult.tables };
    const files = await findFiles(dir, MAPPING_FILE_SUFFIX);
    const loaded = await Promise.all(
      files.map(async (file) =>
        compileMappingSource(await readFile(file), displayFile(file), compileOptions),
      ),
    );
    const mappings = loaded.flatMap((r) => (r.mapping ? [r.mapping] : []));
    const problems = [
      ...lookupResult.problems,
      ...loaded.flatMap((r) => r.problems),
      ...duplicateIds(mappings),
    ];
    if (problems.length > 0)
      throw new MappingLoadError(problems, `mappings from ${displayFile(dir)}`);
    return new MappingRegistry(mappings, lookupResult.tables);
  }

  /**
   * Serves `next`'s mappings from now on, atomically (one assignment): the pipeline's reference
   * to this registry stays valid. `next` must be a fully loaded registry.
   */
  replaceWith(next: MappingRegistry): void {
    this.state = next.state;
  }

  /** Called with every MappingError `map` throws (for metrics); survives `replaceWith`. */
  onMappingError(listener: (error: MappingError) => void): void {
    this.failureListeners.push(listener);
  }

  /** The lookup tables the current mappings were compiled with. */
  get lookups(): LookupTables {
    return this.state.lookups;
  }

  /** A registry of already compiled mappings (tests, tools); ids must be unique. */
  static fromMappings(
    mappings: readonly CompiledMapping[],
    lookups: LookupTables = new LookupTables(),
  ): MappingRegistry {
    return new MappingRegistry(mappings, lookups);
  }

  /** The mappings that apply to payloads of this source, in load order. */
  forSource(system: string, objectType: string): CompiledMapping[] {
    return [...(this.state.bySource.get(sourceKey(system, objectType)) ?? [])];
  }

  /** One mapping by id (e.g. for a dry run), or undefined. */
  get(id: string): CompiledMapping | undefined {
    return this.state.byId.get(id);
  }

  /**
   * Applies every mapping of the source to the payload and concatenates what they produce, in
   * load order. `[]` when none matches: the pipeline counts the event as unmapped. A mapping
   * that fails throws its MappingError (stage `map`, INVALID_PAYLOAD).
   */
  /**
   * Maps one payload. Evaluations run one at a time per registry: they are CPU-bound, and
   * interleaving many async JSONata evaluations only stretches each one's wall-clock time until
   * the time limits fire on healthy payloads (seen under load in the pipeline benchmark).
   */
  readonly map: (
    system: string,
    objectType: string,
    payload: unknown,
  ) => Promise<MappedException[]> = serialized((system, objectType, payload) =>
    this.mapNow(system, objectType, payload),
  );

  private async mapNow(
    system: string,
    objectType: string,
    payload: unknown,
  ): Promise<MappedException[]> {
    const results: MappedException[] = [];
    // Read once: a reload during the awaits below does not mix two versions in one event.
    for (const mapping of this.state.bySource.get(sourceKey(system, objectType)) ?? []) {
      try {
        results.push(...(await evaluateMapping(mapping, payload)));
      } catch (err) {
        if (err instanceof MappingError)
          for (const listener of this.failureListeners) listener(err);
        throw err;
      }
    }
    return results;
  }

  /** Every loaded mapping, for status pages and the CLI. */
  list(): MappingSummary[] {
    return this.state.mappings.map((m) => ({
      id: m.id,
      file: m.file,
      version: m.version,
      system: m.source.system,
      objectType: m.source.objectType,
    }));
  }

  get size(): number {
    return this.state.mappings.length;
  }
}

function sourceKey(system: string, objectType: string): string {
  return `${system}\u0000${objectType}`;
}

function duplicateIds(mappings: readonly CompiledMapping[]): MappingProblem[] {
  const first = new Map<string, CompiledMapping>();
  const problems: MappingProblem[] = [];
  for (const mapping of mappings) {
    const earlier = first.get(mapping.id);
    if (!earlier) {
      first.set(mapping.id, mapping);
      continue;
    }
    problems.push({
      ...mapping.position,
      path: 'id',
      message: `mapping id "${mapping.id}" is already used by ${earlier.file}:${earlier.position.line}`,
      hint: 'ids must be unique; rename one of them',
    });
  }
  return problems;
}
