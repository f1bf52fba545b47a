import { readFile, stat } from 'node:fs/promises';
import { compileMappingSource } from './compile';
import { MAPPING_FILE_SUFFIX } from './constants';
import { MappingLoadError } from './errors';
import { evaluateMapping } from './evaluate';
import { displayFile, findFiles } from './files';
import type {
  CompiledMapping,
  CompileOptions,
  MappedException,
  MappingProblem,
  MappingSummary,
} from './types';

/**
 * The loaded mappings, indexed by source. Immutable: reloading builds a new registry and swaps it
 * in only when the whole directory loaded cleanly, so a bad edit never replaces a good set.
 */
export class MappingRegistry {
  private readonly byId: ReadonlyMap<string, CompiledMapping>;
  private readonly bySource: ReadonlyMap<string, readonly CompiledMapping[]>;

  private constructor(private readonly mappings: readonly CompiledMapping[]) {
    const byId = new Map<string, CompiledMapping>();
    const bySource = new Map<string, CompiledMapping[]>();
    for (const mapping of mappings) {
      if (byId.has(mapping.id)) throw new Error(`duplicate mapping id "${mapping.id}"`);
      byId.set(mapping.id, mapping);
      const key = sourceKey(mapping.source.system, mapping.source.objectType);
      bySource.set(key, [...(bySource.get(key) ?? []), mapping]);
    }
    this.byId = byId;
    this.bySource = bySource;
  }

  /**
   * Loads every `*.mapping.yaml` under `dir` (recursively, in path order). Throws one
   * MappingLoadError listing every problem of every file (file:line:column each), including
   * ids used twice.
   */
  static async loadDir(dir: string, options?: CompileOptions): Promise<MappingRegistry> {
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
    const files = await findFiles(dir, MAPPING_FILE_SUFFIX);
    const loaded = await Promise.all(
      files.map(async (file) =>
        compileMappingSource(await readFile(file), displayFile(file), options),
      ),
    );
    const mappings = loaded.flatMap((r) => (r.mapping ? [r.mapping] : []));
    const problems = [...loaded.flatMap((r) => r.problems), ...duplicateIds(mappings)];
    if (problems.length > 0)
      throw new MappingLoadError(problems, `mappings from ${displayFile(dir)}`);
    return new MappingRegistry(mappings);
  }

  /** A registry of already compiled mappings (tests, tools); ids must be unique. */
  static fromMappings(mappings: readonly CompiledMapping[]): MappingRegistry {
    return new MappingRegistry(mappings);
  }

  /** The mappings that apply to payloads of this source, in load order. */
  forSource(system: string, objectType: string): CompiledMapping[] {
    return [...(this.bySource.get(sourceKey(system, objectType)) ?? [])];
  }

  /** One mapping by id (e.g. for a dry run), or undefined. */
  get(id: string): CompiledMapping | undefined {
    return this.byId.get(id);
  }

  /**
   * Applies every mapping of the source to the payload and concatenates what they produce, in
   * load order. `[]` when none matches: the pipeline counts the event as unmapped. A mapping
   * that fails throws its MappingError (stage `map`, INVALID_PAYLOAD).
   */
  async map(system: string, objectType: string, payload: unknown): Promise<MappedException[]> {
    const results: MappedException[] = [];
    for (const mapping of this.bySource.get(sourceKey(system, objectType)) ?? []) {
      results.push(...(await evaluateMapping(mapping, payload)));
    }
    return results;
  }

  /** Every loaded mapping, for status pages and the CLI. */
  list(): MappingSummary[] {
    return this.mappings.map((m) => ({
      id: m.id,
      file: m.file,
      version: m.version,
      system: m.source.system,
      objectType: m.source.objectType,
    }));
  }

  get size(): number {
    return this.mappings.length;
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
