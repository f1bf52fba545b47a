import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import { NodeSqliteDatabase } from './node-sqlite.database';

/**
 * Kysely's SQLite driver opens transactions with a deferred `begin`: two processes on one file
 * can both read, and then the second one's write fails with SQLITE_BUSY at once (a deferred
 * read lock cannot be upgraded while another writer waits). `begin immediate` takes the write
 * lock up front, so the second one waits (busy timeout) and then reads what the first committed.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  private readonly database: SqliteDialectConfig['database'];

  constructor(settings: SqliteDialectConfig) {
    super(settings);
    this.database = settings.database;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
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
