import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Client, Pool } from 'pg';
import { withNamedStatements, type NamedStatementPool } from '@exhub/store';
import { PG_URL } from './pg-harness';

// Against the real server: the names must show up in the backend's pg_prepared_statements, and a
// plan PostgreSQL refuses must turn naming off rather than fail every later call.
describe('named statements on PostgreSQL (the store’s Kysely pool)', () => {
  const schema = `exhub_named_${randomBytes(6).toString('hex')}`;
  let pool: Pool;
  let named: NamedStatementPool;
  let db: Kysely<Record<string, Record<string, unknown>>>;

  /** The statements this pool's one backend has prepared (a query without parameters: unnamed). */
  async function prepared(): Promise<string[]> {
    const { rows } = await sql<{ statement: string }>`
      select statement from pg_prepared_statements order by prepare_time`.execute(db);
    return rows.map((r) => r.statement);
  }

  beforeAll(async () => {
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.query(`create table ${schema}.t (a int primary key, b text)`);
    await admin.query(`insert into ${schema}.t values (1, 'one'), (2, 'two')`);
    await admin.end();
  });

  beforeEach(() => {
    // One connection, so every query below meets the same backend and its prepared statements.
    pool = new Pool({ connectionString: PG_URL, max: 1, options: `-c search_path=${schema}` });
    named = withNamedStatements(pool, 2);
    db = new Kysely({ dialect: new PostgresDialect({ pool: named }) });
  });

  afterEach(() => db.destroy());

  afterAll(async () => {
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('prepares a statement with parameters once per connection and runs it again by name', async () => {
    const byKey = (a: number) => db.selectFrom('t').select('b').where('a', '=', a).execute();
    expect(await byKey(1)).toEqual([{ b: 'one' }]);
    expect(await byKey(2)).toEqual([{ b: 'two' }]);
    const statements = await prepared();
    // Once, although it ran twice with different values; the unparameterised query is not named.
    expect(statements).toEqual([expect.stringMatching(/^select "b" from "t" where "a" = \$1$/)]);
  });

  it('names at most maxNames distinct texts; the rest run unnamed', async () => {
    await db.selectFrom('t').select('b').where('a', '=', 1).execute();
    await db.selectFrom('t').select('a').where('b', '=', 'one').execute();
    const third = await db
      .selectFrom('t')
      .select(['a', 'b'])
      .where('a', '>', 0)
      .orderBy('a')
      .execute();
    expect(third).toEqual([
      { a: 1, b: 'one' },
      { a: 2, b: 'two' },
    ]);
    const statements = await prepared();
    expect(statements).toHaveLength(2);
    expect(statements.some((s) => s.includes('"a" > $1'))).toBe(false);
  });

  it('stops naming once PostgreSQL refuses a cached plan, and later calls succeed', async () => {
    const all = () => db.selectFrom('t').selectAll().where('a', '=', 1).execute();
    expect(await all()).toEqual([{ a: 1, b: 'one' }]);
    // Another process changes the table under the prepared statement (a newer hub's migration).
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`alter table ${schema}.t add column c int default 7`);
      // The statement prepared before the change fails once, with PostgreSQL's reason…
      await expect(all()).rejects.toMatchObject({ code: '0A000' });
      expect(named.named).toBe(false);
      // …and from then on every query runs unnamed and sees the new column.
      expect(await all()).toEqual([{ a: 1, b: 'one', c: 7 }]);
    } finally {
      await admin.query(`alter table ${schema}.t drop column if exists c`);
      await admin.end();
    }
  });
});
