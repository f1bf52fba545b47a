import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import { NodeSqliteDatabase, SQLITE_BUSY, sqliteBaseCode } from './node-sqlite.database';

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

  constructor(settings: SqliteDialectConfig) {
    super(settings);
    this.database = settings.database;
  }

  /**
   * SQLite can answer `begin immediate` with SQLITE_BUSY at once, without waiting for the busy
   * timeout, while another connection to the file restarts or truncates the WAL: with the
   * background checkpoint thread about one group commit in a hundred failed so while the worker
   * drained a backlog under load, and was then written again one delivery at a time. Nothing has
   * happened yet when `begin` fails, so it is tried again, after 1, 2, 4 … ms (the event loop is
   * free meanwhile), for up to `BEGIN_RETRY_BUDGET_MS`; then the error is thrown as before.
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
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
    if (this.database instanceof NodeSqliteDatabase && !this.database.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}
