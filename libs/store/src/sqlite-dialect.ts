import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import {
  NodeSqliteDatabase,
  ROW_WRITE_VERBS,
  SQLITE_BUSY,
  sqliteBaseCode,
} from './node-sqlite.database';
import type { WriteGate, WriteTurn } from './write-gate';

/** Statements that take SQLite's write lock when run outside a transaction (rows and schema). */
const WRITES = new RegExp(`^\\s*(${ROW_WRITE_VERBS}|create|drop|alter)\\b`, 'i');

export interface ImmediateSqliteDialectConfig extends SqliteDialectConfig {
  /**
   * The process's write gate (write-gate.ts), shared with the other threads that write the same
   * file: a transaction, or a write outside one, takes a turn at it first.
   */
  writeGate?: WriteGate;
}

/** How long a `begin immediate` answered SQLITE_BUSY at once is retried for, in all. */
export const BEGIN_RETRY_BUDGET_MS = 1000;

/**
 * Kysely's SQLite driver opens transactions with a deferred `begin`: two processes on one file
 * can both read, and then the second one's write fails with SQLITE_BUSY at once (a deferred
 * read lock cannot be upgraded while another writer waits). `begin immediate` takes the write
 * lock up front, so the second one waits (busy timeout) and then reads what the first committed.
 */
export class ImmediateSqliteDriver extends SqliteDriver {
  private readonly database: SqliteDialectConfig['database'];
  private readonly gate?: WriteGate;
  /** This connection's turn at the gate while a transaction is open. */
  private turn?: WriteTurn;
  /** The one connection, wrapped once (with a gate). */
  private gated?: DatabaseConnection;

  constructor(settings: ImmediateSqliteDialectConfig) {
    super(settings);
    this.database = settings.database;
    this.gate = settings.writeGate;
  }

  /**
   * The one connection, with writes outside a transaction taking a turn at the gate (the
   * ingress's single dedupe claim, a purge): they wait for the other thread's transaction the
   * same way a transaction does.
   */
  override async acquireConnection(): Promise<DatabaseConnection> {
    const gate = this.gate;
    if (!gate) return super.acquireConnection();
    if (this.gated) return this.gated;
    const connection = await super.acquireConnection();
    const writeInTurn = async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
      const turn = await gate.acquire();
      try {
        return await connection.executeQuery<R>(query);
      } finally {
        turn.release();
      }
    };
    this.gated = {
      // Reads and a transaction's statements go straight through (no promise of their own).
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
        this.turn || !WRITES.test(query.sql)
          ? connection.executeQuery<R>(query)
          : writeInTurn<R>(query),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    return this.gated;
  }

  /**
   * SQLite can answer `begin immediate` with SQLITE_BUSY at once, without waiting for the busy
   * timeout, while another connection to the file restarts or truncates the WAL: with the
   * background checkpoint thread about one group commit in a hundred failed so while the worker
   * drained a backlog under load, and was then written again one delivery at a time. Nothing has
   * happened yet when `begin` fails, so it is tried again, after 1, 2, 4 … ms (the event loop is
   * free meanwhile), for up to `BEGIN_RETRY_BUDGET_MS`; then the error is thrown as before.
   *
   * With a write gate, the transaction takes its turn first and keeps it until it commits or
   * rolls back.
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const turn = await this.gate?.acquire();
    try {
      await this.beginImmediate(connection);
    } catch (err) {
      turn?.release();
      throw err;
    }
    this.turn = turn;
  }

  /** Commits; the gate's turn is given back once it has (a failed commit is rolled back next). */
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await super.commitTransaction(connection);
    this.endTurn();
  }

  private endTurn(): void {
    const turn = this.turn;
    this.turn = undefined;
    turn?.release();
  }

  private async beginImmediate(connection: DatabaseConnection): Promise<void> {
    let waitedMs = 0;
    for (let delayMs = 1; ; delayMs *= 2) {
      try {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        return;
      } catch (err) {
        if (sqliteBaseCode(err) !== SQLITE_BUSY || waitedMs >= BEGIN_RETRY_BUDGET_MS) throw err;
      }
      const wait = Math.min(delayMs, BEGIN_RETRY_BUDGET_MS - waitedMs);
      await new Promise((resolve) => setTimeout(resolve, wait));
      waitedMs += wait;
    }
  }

  /**
   * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR, …). A
   * second `rollback` then fails with "cannot rollback - no transaction is active", and Kysely
   * would throw that instead of the error that matters (the disk is full).
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      if (this.database instanceof NodeSqliteDatabase && !this.database.inTransaction) return;
      await super.rollbackTransaction(connection);
    } finally {
      this.endTurn();
    }
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ImmediateSqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}
