import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import {
  SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES,
  WAL_TRUNCATE_ABOVE_BYTES,
  WalCheckpointer,
  type WalCheckpointerOptions,
} from './wal-checkpointer';

/**
 * Who checkpoints the WAL into the database file (EXHUB_SQLITE_CHECKPOINT): `background` = a
 * thread of its own (`wal-checkpointer.ts`; commits never checkpoint), `commit` = SQLite's
 * automatic checkpoint inside the commit that takes the WAL past 1,000 pages (on the event loop).
 */
export type SqliteCheckpointMode = 'background' | 'commit';

export interface NodeSqliteOptions {
  /** Who checkpoints the WAL; `commit` when not given (the hub passes `background`, its default). */
  checkpoint?: SqliteCheckpointMode;
  /** The checkpoint thread's interval and truncate threshold (tests; the defaults otherwise). */
  checkpointer?: WalCheckpointerOptions;
}

/*
 * Kysely's SqliteDialect expects better-sqlite3's shape (`prepare(sql)` → a statement with
 * `reader`, `all(params)`, `run(params)`, `iterate(params)`); Node's built-in node:sqlite has
 * the same calls with spread parameters and `columns()` instead of `reader`. This adapter is all
 * it takes, and it needs no native build.
 */

/** SQLite primary result codes (the low byte of an extended code) that mean "cannot write". */
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
const BASE_CODE_MASK = 0xff;
export const SQLITE_BUSY = 5;

/** The primary result code of a node:sqlite error (`errcode` may carry an extended code). */
export function sqliteBaseCode(err: unknown): number | undefined {
  const code = (err as { errcode?: number } | null | undefined)?.errcode;
  return code === undefined ? undefined : code & BASE_CODE_MASK;
}
/** The statements that change rows (the write gate also takes a turn for them, sqlite-dialect.ts). */
export const ROW_WRITE_VERBS = 'insert|update|delete|replace';
/** Statements whose success shows that writing works again. */
const WRITE_STATEMENT = new RegExp(`^\\s*(${ROW_WRITE_VERBS}|commit)\\b`, 'i');

/** Why writing to the database failed, until a write succeeds again (readiness). */
export interface WriteFailure {
  at: string;
  message: string;
}

function bindable(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((p) => {
    if (p === undefined) return null;
    // node:sqlite binds no booleans; SQLite itself has none (0/1).
    if (typeof p === 'boolean') return p ? 1 : 0;
    return p as SQLInputValue;
  });
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  private readonly writes: boolean;

  constructor(
    private readonly stmt: StatementSync,
    sql: string,
    private readonly db: NodeSqliteDatabase,
  ) {
    // A statement that yields columns (SELECT, or INSERT … RETURNING) returns rows.
    this.reader = stmt.columns().length > 0;
    this.writes = WRITE_STATEMENT.test(sql);
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    // node:sqlite returns null-prototype objects; Jest's equality and spreads want plain ones.
    return this.db.watch(this.writes, () =>
      this.stmt.all(...bindable(parameters)).map((row) => ({ ...row })),
    );
  }

  run(parameters: ReadonlyArray<unknown>): {
    changes: number | bigint;
    lastInsertRowid: number | bigint;
  } {
    const { changes, lastInsertRowid } = this.db.watch(this.writes, () =>
      this.stmt.run(...bindable(parameters)),
    );
    return { changes, lastInsertRowid };
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    for (const row of this.stmt.iterate(...bindable(parameters))) yield { ...row };
  }
}

/**
 * Distinct SQL texts kept prepared. Kysely's queries are a fixed set per process, but the group
 * commit's multi-row statements have one text per row count (six statements × 1–32 rows), so
 * 256 could fill up and be cleared over and over; a prepared statement is a few KB.
 */
const STATEMENT_CACHE_SIZE = 1024;

export class NodeSqliteDatabase implements SqliteDatabase {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, NodeSqliteStatement>();
  /** Set when a statement could not write (disk full, I/O error); cleared by a successful write. */
  writeFailure?: WriteFailure;
  /**
   * Told of every write that fails (disk full, I/O error) and, once, of the first write that
   * succeeds after them (undefined); never of writes that just work. The hub's pipeline thread
   * forwards it to the HTTP thread, whose own connection may still write into WAL space it
   * already has while the thread's larger transactions meet the full disk.
   */
  onWriteFailure?: (failure: WriteFailure | undefined) => void;
  /** The WAL checkpoint thread (`background` mode, a file database). */
  readonly checkpointer?: WalCheckpointer;

  constructor(
    private readonly path: string,
    busyTimeoutMs: number,
    options: NodeSqliteOptions = {},
  ) {
    this.db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    if (path !== ':memory:') {
      this.db.exec('PRAGMA journal_mode = WAL');
      // With WAL, NORMAL syncs at checkpoints, not at every commit: a committed transaction
      // survives a crash of the process (the hub's failure mode) and can only be lost with
      // the machine's power; the database is never corrupted. FULL costs ~4x the throughput.
      this.db.exec('PRAGMA synchronous = NORMAL');
      if ((options.checkpoint ?? 'commit') === 'background') {
        this.db.exec('PRAGMA wal_autocheckpoint = 0');
        // The writer that starts the WAL over trims the file to this size (wal-checkpointer.ts).
        const limit = options.checkpointer?.truncateAboveBytes ?? WAL_TRUNCATE_ABOVE_BYTES;
        this.db.exec(`PRAGMA journal_size_limit = ${limit}`);
        this.checkpointer = new WalCheckpointer(path, options.checkpointer ?? {}, (reason) => {
          // Never leave the WAL without a checkpoint: the commits take it over again.
          if (this.db.isOpen) {
            this.db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
          }
          process.emitWarning(
            `SQLite store ${path}: ${reason}; commits checkpoint the WAL themselves again`,
            'ExhubStoreWarning',
          );
        });
      }
    }
    // Statement journals in memory: every multi-row insert of a group commit keeps one (the pages
    // it changed, to undo it alone), and the default spills it to a temp file past 64 KiB, one
    // pwrite per page. Measured on the group commit: 27 % less CPU per stored exception.
    this.db.exec('PRAGMA temp_store = MEMORY');
    this.db.exec('PRAGMA foreign_keys = ON');
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      stmt = new NodeSqliteStatement(this.db.prepare(sql), sql, this);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** True inside an open transaction (SQLite ends one by itself on some errors, e.g. disk full). */
  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  /**
   * Runs one statement. A write that succeeds clears the write failure; a statement that cannot
   * write records it and fails with a message that says so (the raw "database or disk is full"
   * names neither the file nor the fix).
   */
  watch<T>(writes: boolean, run: () => T): T {
    try {
      const result = run();
      if (writes && this.writeFailure) {
        this.writeFailure = undefined;
        this.onWriteFailure?.(undefined);
      }
      return result;
    } catch (err) {
      const e = err as Error & { errcode?: number; errstr?: string };
      const code = sqliteBaseCode(e) ?? 0;
      if (code !== SQLITE_FULL && code !== SQLITE_IOERR) throw err;
      const what =
        code === SQLITE_FULL
          ? `the disk is full (SQLITE_FULL: ${e.message}); free space on the volume of ${this.path}`
          : `an I/O error (SQLITE_IOERR: ${e.message}); check the disk and the volume of ${this.path}`;
      const failure = { at: new Date().toISOString(), message: `cannot write: ${what}` };
      this.writeFailure = failure;
      this.onWriteFailure?.(failure);
      throw new Error(`SQLite store ${this.path}: ${failure.message}`, { cause: err });
    }
  }

  close(): void {
    void this.checkpointer?.stop();
    if (this.db.isOpen) this.db.close();
  }

  /** Resolves once the checkpoint thread (if any) closed its connection. */
  async closed(): Promise<void> {
    await this.checkpointer?.stop();
  }
}
