import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/*
 * Kysely's SqliteDialect expects better-sqlite3's shape (`prepare(sql)` → a statement with
 * `reader`, `all(params)`, `run(params)`, `iterate(params)`); Node's built-in node:sqlite has
 * the same calls with spread parameters and `columns()` instead of `reader`. This adapter is all
 * it takes, and it needs no native build.
 */

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

  constructor(private readonly stmt: StatementSync) {
    // A statement that yields columns (SELECT, or INSERT … RETURNING) returns rows.
    this.reader = stmt.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    // node:sqlite returns null-prototype objects; Jest's equality and spreads want plain ones.
    return this.stmt.all(...bindable(parameters)).map((row) => ({ ...row }));
  }

  run(parameters: ReadonlyArray<unknown>): {
    changes: number | bigint;
    lastInsertRowid: number | bigint;
  } {
    const { changes, lastInsertRowid } = this.stmt.run(...bindable(parameters));
    return { changes, lastInsertRowid };
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    for (const row of this.stmt.iterate(...bindable(parameters))) yield { ...row };
  }
}

/** Distinct SQL texts kept prepared; Kysely's queries are a small fixed set per process. */
const STATEMENT_CACHE_SIZE = 256;

export class NodeSqliteDatabase implements SqliteDatabase {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, NodeSqliteStatement>();

  constructor(path: string, busyTimeoutMs: number) {
    this.db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    if (path !== ':memory:') {
      this.db.exec('PRAGMA journal_mode = WAL');
      // With WAL, NORMAL syncs at checkpoints, not at every commit: a committed transaction
      // survives a crash of the process (the hub's failure mode) and can only be lost with
      // the machine's power; the database is never corrupted. FULL costs ~4x the throughput.
      this.db.exec('PRAGMA synchronous = NORMAL');
    }
    this.db.exec('PRAGMA foreign_keys = ON');
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      stmt = new NodeSqliteStatement(this.db.prepare(sql));
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
