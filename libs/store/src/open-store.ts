import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { withNamedStatements } from './pg-named-statements';
import { PG_CONNECT_TIMEOUT_MS, PG_POOL_SIZE, SQLITE_BUSY_TIMEOUT_MS } from './constants';
import { StoreOpenError } from './errors';
import { KyselyStore } from './kysely-store';
import { migrateToLatest } from './migrations';
import { NodeSqliteDatabase, type SqliteCheckpointMode } from './node-sqlite.database';
import { ImmediateSqliteDialect } from './sqlite-dialect';
import type { StoreDatabase } from './schema';
import type { WriteGate } from './write-gate';
import type { ExceptionStore } from './store';
import { parseStoreUrl } from './store-url';

export interface OpenStoreOptions {
  /**
   * PostgreSQL only: the schema to use (created if missing) instead of the connection's default.
   * Tests isolate each run in a random one.
   */
  schema?: string;
  /**
   * SQLite only: who checkpoints the WAL (EXHUB_SQLITE_CHECKPOINT): a thread of its own
   * (`background`, the hub's default) or the commit that fills it (`commit`, SQLite's own, and
   * what a caller that does not say gets).
   */
  sqliteCheckpoint?: SqliteCheckpointMode;
  /**
   * PostgreSQL only: prepare each statement text once per connection (pg-named-statements.ts);
   * true unless false (EXHUB_PG_NAMED_STATEMENTS=off, for a pooler that cannot keep them).
   */
  pgNamedStatements?: boolean;
  /**
   * SQLite only: the process's write gate (write-gate.ts), shared by the threads that write the
   * same file, so their writers queue in the process, not in SQLite's busy handler.
   */
  writeGate?: WriteGate;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the store named by a URL (`EXHUB_STORE_URL`) and brings its schema up to date. Fails in
 * one line that names the store (password redacted), the reason and the fix.
 */
export async function openStore(
  url: string,
  options: OpenStoreOptions = {},
): Promise<ExceptionStore> {
  const target = parseStoreUrl(url);
  if (target.kind === 'sqlite') {
    const path = target.path === ':memory:' ? ':memory:' : resolve(target.path);
    let database: NodeSqliteDatabase;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      database = new NodeSqliteDatabase(path, SQLITE_BUSY_TIMEOUT_MS, {
        checkpoint: options.sqliteCheckpoint,
      });
    } catch (err) {
      throw new StoreOpenError(
        `cannot open the SQLite store ${path} (${(err as Error).message}) — check the path and its permissions, or set EXHUB_STORE_URL`,
      );
    }
    const db = new Kysely<StoreDatabase>({
      dialect: new ImmediateSqliteDialect({ database, writeGate: options.writeGate }),
    });
    await migrateOrClose(db, target.display);
    return new KyselyStore(db, 'sqlite', target.display, database);
  }

  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new StoreOpenError(`schema "${options.schema}" must be a plain lower-case identifier`);
  }
  const pool = new Pool({
    connectionString: target.connectionString,
    max: PG_POOL_SIZE,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    // search_path as a startup option: every pooled connection uses the schema from its first query.
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // A lost server must never crash the process. pg emits 'error' on the pool for an idle client,
  // and on the client itself for one that is checked out (a Kysely transaction between two
  // statements): without a listener the latter is an uncaught "Connection terminated
  // unexpectedly". The statement in flight (or the next one on that client) fails with the reason
  // instead, its caller retries, and the pool discards the broken client when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<StoreDatabase>({
    dialect: new PostgresDialect({
      pool: options.pgNamedStatements === false ? pool : withNamedStatements(pool),
    }),
  });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw new StoreOpenError(
      `cannot reach PostgreSQL at ${target.display} (${reasonOf(err)}) — start the server or set EXHUB_STORE_URL`,
    );
  }
  if (options.schema !== undefined) await ensureSchema(db, options.schema, target.display);
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  await migrateOrClose(db, target.display, rows[0]?.schema);
  return new KyselyStore(db, 'postgres', target.display);
}

async function migrateOrClose(
  db: Kysely<StoreDatabase>,
  display: string,
  schema?: string,
): Promise<void> {
  try {
    await migrateToLatest(db, schema);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw new StoreOpenError(`store ${display}: ${(err as Error).message}`);
  }
}

function reasonOf(err: unknown): string {
  const e = err as Error & { code?: string };
  if (e.code && !e.message.includes(e.code)) return `${e.code}: ${e.message}`;
  return e.message || String(err);
}

/** PostgreSQL error codes that mean "someone else just created it". */
const ALREADY_CREATED = new Set(['23505', '42P06']);

async function ensureSchema(
  db: Kysely<StoreDatabase>,
  schema: string,
  display: string,
): Promise<void> {
  try {
    await db.schema.createSchema(schema).ifNotExists().execute();
  } catch (err) {
    // `create schema if not exists` races with itself when two processes start at once.
    if (ALREADY_CREATED.has((err as { code?: string }).code ?? '')) return;
    await db.destroy().catch(() => undefined);
    throw new StoreOpenError(`store ${display}: cannot create schema ${schema} (${reasonOf(err)})`);
  }
}
