import { dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { LoadedPolicy } from './policy';

/** Quiet time after the last file event before the policy is read again. */
export const DEFAULT_POLICY_RELOAD_DEBOUNCE_MS = 300;

/** What one reload attempt did. */
export type PolicyReloadResult =
  | {
      ok: true;
      file: string;
      hash: string;
      previousHash: string;
      model?: string;
      durationMs: number;
    }
  | { ok: false; file: string; error: string; keptHash: string; durationMs: number };

/** The part of PolicyScorer the reloader drives. */
export interface ReloadableScorer {
  readonly policy: LoadedPolicy;
  reload(file?: string): LoadedPolicy;
}

export interface PolicyReloaderOptions {
  debounceMs?: number;
  /** Called after every attempt, swapped or refused (log and count it here). */
  onResult(result: PolicyReloadResult): void;
}

/**
 * Hot reload of the priority policy: watches the policy file and the model file it names (the
 * folders, as editors save by rename), and after a burst of events reads the policy again. The
 * scorer swaps it in only when it is valid, model included (`PolicyScorer.reload`); an invalid
 * file is refused and the policy that was serving keeps serving.
 */
export class PolicyReloader {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly scorer: ReloadableScorer,
    private readonly file: string,
    private readonly options: PolicyReloaderOptions,
  ) {}

  /** The files a change of which triggers a reload: the policy and the model it names. */
  private watched(): string[] {
    const { policy } = this.scorer.policy;
    const files = [resolve(this.file)];
    if (policy.model) files.push(resolve(dirname(this.file), policy.model.file));
    return files;
  }

  async start(): Promise<void> {
    const dirs = [...new Set(this.watched().map((f) => dirname(f)))];
    const watcher = watch(dirs, { ignoreInitial: true, depth: 0 });
    watcher.on('all', (_event, path) => {
      // The model file the policy names may change with the policy: compare at event time.
      if (this.watched().includes(resolve(path))) this.schedule();
    });
    this.watcher = watcher;
    await new Promise<void>((ok, fail) => {
      watcher.once('ready', () => ok());
      watcher.once('error', fail);
    });
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * Reads the policy now and swaps it in if valid (also the explicit trigger for tests). Reading
   * and validating are synchronous, so two reloads can never interleave.
   */
  reload(): PolicyReloadResult {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const previousHash = this.scorer.policy.hash;
    let result: PolicyReloadResult;
    try {
      const next = this.scorer.reload(this.file);
      result = {
        ok: true,
        file: this.file,
        hash: next.hash,
        previousHash,
        ...(next.model ? { model: `${next.model.name} ${next.model.version}` } : {}),
        durationMs: elapsed(),
      };
    } catch (err) {
      result = {
        ok: false,
        file: this.file,
        error: (err as Error).message,
        keptHash: previousHash,
        durationMs: elapsed(),
      };
    }
    this.options.onResult(result);
    return result;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reload();
    }, this.options.debounceMs ?? DEFAULT_POLICY_RELOAD_DEBOUNCE_MS);
  }
}
