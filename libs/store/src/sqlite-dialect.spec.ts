import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import { BEGIN_RETRY_BUDGET_MS, ImmediateSqliteDriver } from './sqlite-dialect';
import { NodeSqliteDatabase } from './node-sqlite.database';

/** A connection whose `begin immediate` fails with `failures` errors first, then works. */
function connection(failures: Error[]): { conn: DatabaseConnection; sql: string[] } {
  const sql: string[] = [];
  const conn: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      sql.push(query.sql);
      const failure = failures.shift();
      if (failure) throw failure;
      return { rows: [] };
    },
    // eslint-disable-next-line require-yield
    async *streamQuery() {
      throw new Error('not used');
    },
  };
  return { conn, sql };
}

const sqliteError = (errcode: number, message: string) =>
  Object.assign(new Error(message), { errcode, code: 'ERR_SQLITE_ERROR' });
const BUSY = 5;
const BUSY_RECOVERY = 261; // SQLITE_BUSY | (1 << 8)
const FULL = 13;

describe('ImmediateSqliteDriver.beginTransaction', () => {
  let dir: string;
  let database: NodeSqliteDatabase;
  let driver: ImmediateSqliteDriver;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-dialect-'));
    database = new NodeSqliteDatabase(join(dir, 'exhub.db'), 1000, { checkpoint: 'commit' });
    driver = new ImmediateSqliteDriver({ database });
  });
  afterEach(async () => {
    database.close();
    await database.closed();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tries `begin immediate` again when SQLite answers SQLITE_BUSY at once (any extended code)', async () => {
    const { conn, sql } = connection([
      sqliteError(BUSY, 'database is locked'),
      sqliteError(BUSY_RECOVERY, 'database is locked'),
    ]);
    await driver.beginTransaction(conn);
    expect(sql).toEqual(['begin immediate', 'begin immediate', 'begin immediate']);
  });

  it('throws any other error at once, untouched', async () => {
    const full = sqliteError(FULL, 'database or disk is full');
    const { conn, sql } = connection([full]);
    await expect(driver.beginTransaction(conn)).rejects.toBe(full);
    expect(sql).toHaveLength(1);
  });

  it('gives up after its budget and throws the busy error', async () => {
    const busy = sqliteError(BUSY, 'database is locked');
    const { conn, sql } = connection(Array.from({ length: 1000 }, () => busy));
    const started = Date.now();
    await expect(driver.beginTransaction(conn)).rejects.toBe(busy);
    // Waited about the budget (timers may fire late on a busy machine, never early).
    expect(Date.now() - started).toBeGreaterThanOrEqual(BEGIN_RETRY_BUDGET_MS - 5);
    // Backing off: 1, 2, 4 … ms, so a handful of tries, not hundreds.
    expect(sql.length).toBeGreaterThan(2);
    expect(sql.length).toBeLessThan(20);
  });
});
