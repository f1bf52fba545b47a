import { watch, type FSWatcher } from 'chokidar';
import { DEFAULT_RELOAD_DEBOUNCE_MS, LOOKUP_FILE_SUFFIX, MAPPING_FILE_SUFFIX } from './constants';
import { MappingLoadError } from './errors';
import { MappingRegistry } from './registry';
import type { CompileOptions, MappingProblem } from './types';

/** What one reload attempt did. */
export type ReloadResult =
  | {
      ok: true;
      mappings: number;
      versions: Record<string, string>;
      durationMs: number;
      files: string[];
    }
  | {
      ok: false;
      problems: readonly MappingProblem[];
      error: string;
      durationMs: number;
      files: string[];
    };

export interface ReloaderOptions {
  /** Quiet time after the last file event before reloading. */
  debounceMs?: number;
  compile?: CompileOptions;
  /** Called after every attempt, success or refusal (log and count it here). */
  onResult(result: ReloadResult): void;
}

/**
 * Watches a mappings folder and hot-reloads it: after a burst of file events has settled, the
 * whole folder (mappings and lookup tables) is compiled into a new registry; only when every
 * file loads cleanly is it swapped into the live registry (`replaceWith`). A refused change
 * leaves the last good version serving. Reloads never overlap: events during a reload schedule
 * one more reload after it.
 */
export class MappingReloader {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private pending = false;
  private changed = new Set<string>();

  constructor(
    private readonly registry: MappingRegistry,
    private readonly dir: string,
    private readonly options: ReloaderOptions,
  ) {}

  /** Starts watching; resolves once the initial scan is done (changes after that are seen). */
  async start(): Promise<void> {
    const watcher = watch(this.dir, {
      ignoreInitial: true,
      // Editors save via a temp file and rename; both must be seen, the temp files ignored.
      ignored: (path, stats) => Boolean(stats?.isFile()) && !isWatchedFile(path),
    });
    watcher.on('all', (_event, path) => {
      if (!isWatchedFile(path)) return;
      this.changed.add(path);
      this.schedule();
    });
    this.watcher = watcher;
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', () => resolve());
      watcher.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.watcher?.close();
    this.watcher = undefined;
    await this.running;
  }

  /** Reloads now (also used by tests and an explicit reload trigger). */
  reload(): Promise<void> {
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    this.running = this.load().finally(() => {
      this.running = undefined;
      if (this.pending) {
        this.pending = false;
        void this.reload();
      }
    });
    return this.running;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, this.options.debounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS);
  }

  private async load(): Promise<void> {
    const started = performance.now();
    const files = [...this.changed].sort();
    this.changed.clear();
    const elapsed = () => Math.round(performance.now() - started);
    let result: ReloadResult;
    try {
      const next = await MappingRegistry.loadDir(this.dir, this.options.compile);
      this.registry.replaceWith(next);
      const versions = Object.fromEntries(next.list().map((m) => [m.id, m.version]));
      result = { ok: true, mappings: next.size, versions, durationMs: elapsed(), files };
    } catch (err) {
      const problems = err instanceof MappingLoadError ? err.problems : [];
      result = { ok: false, problems, error: (err as Error).message, durationMs: elapsed(), files };
    }
    this.options.onResult(result);
  }
}

function isWatchedFile(path: string): boolean {
  return path.endsWith(MAPPING_FILE_SUFFIX) || path.endsWith(LOOKUP_FILE_SUFFIX);
}
