import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where polling connectors checkpoint. Kept to two members so the file store can be swapped for
 * libs/store (SQLite / PostgreSQL) without touching the runner.
 */
export interface CursorStore {
  get(connectorId: string): Promise<unknown>;
  put(connectorId: string, cursor: unknown): Promise<void>;
}

export const DEFAULT_CURSOR_FILE = 'data/cursors.json';

/** Cursors in one JSON file, written atomically (temp file + rename), so a crash keeps the old. */
export class FileCursorStore implements CursorStore {
  private cache?: Record<string, unknown>;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string = DEFAULT_CURSOR_FILE) {}

  async get(connectorId: string): Promise<unknown> {
    return this.load()[connectorId];
  }

  put(connectorId: string, cursor: unknown): Promise<void> {
    // Serialised, so two instances checkpointing at once cannot lose each other's write.
    this.writing = this.writing.then(() => {
      const all = { ...this.load(), [connectorId]: cursor };
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
      renameSync(tmp, this.file);
      this.cache = all;
    });
    return this.writing;
  }

  private load(): Record<string, unknown> {
    if (this.cache) return this.cache;
    try {
      this.cache = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(
          `cursor file ${this.file} is unreadable (${(err as Error).message}) — fix or delete it ` +
            '(deleting restarts every polling connector from its configured start)',
          { cause: err },
        );
      }
      this.cache = {};
    }
    return this.cache;
  }
}

/** In memory (tests). */
export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, unknown>();
  async get(connectorId: string): Promise<unknown> {
    return this.cursors.get(connectorId);
  }
  async put(connectorId: string, cursor: unknown): Promise<void> {
    this.cursors.set(connectorId, structuredClone(cursor));
  }
}
