import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { NodeSqliteDatabase } from './node-sqlite.database';
import { PreparedQueries } from './prepared';
import type { StoreDatabase } from './schema';

// Compiling needs only the dialect: neither database is connected to here.
const pg = new Kysely<StoreDatabase>({
  dialect: new PostgresDialect({ pool: {} as never }),
});

describe('PreparedQueries', () => {
  it('compiles a shape once and binds each call its own values, in the SQL parameters order', () => {
    const prepared = new PreparedQueries();
    let builds = 0;
    // Values are taken in another order than the SQL binds them (limit last in SQL, first here).
    const find = (values: unknown[]) =>
      prepared.bind(
        'find',
        (v) => {
          builds += 1;
          return pg
            .selectFrom('exceptions')
            .select('id')
            .where('status', '=', v(1))
            .where('id', '!=', v(2))
            .limit(v(0));
        },
        values,
      );
    const first = find([5, 'open', 'a']);
    const second = find([7, 'in_review', 'b']);
    expect(builds).toBe(1);
    expect(first.sql).toBe(
      'select "id" from "exceptions" where "status" = $1 and "id" != $2 limit $3',
    );
    expect(second.sql).toBe(first.sql);
    expect(first.parameters).toEqual(['open', 'a', 5]);
    expect(second.parameters).toEqual(['in_review', 'b', 7]);
  });

  it('runs on the database it was compiled for (SQLite), with bound values only', async () => {
    const db = new Kysely<StoreDatabase>({
      dialect: new SqliteDialect({ database: new NodeSqliteDatabase(':memory:', 1000) }),
    });
    const prepared = new PreparedQueries();
    const echo = (a: string, b: number) =>
      prepared.bind(
        'echo',
        (v) => db.selectNoFrom((eb) => [eb.val(v(0)).as('a'), eb.val(v(1)).as('b')]),
        [a, b],
      );
    expect((await db.executeQuery(echo("x'); drop table t; --", 1))).rows).toEqual([
      { a: "x'); drop table t; --", b: 1 },
    ]);
    expect((await db.executeQuery(echo('y', 2))).rows).toEqual([{ a: 'y', b: 2 }]);
    await db.destroy();
  });

  it('refuses a template with a value Kysely did not bind as one of the given values', () => {
    const prepared = new PreparedQueries();
    // A literal of its own (limit 1) would be bound to no value of the call.
    expect(() =>
      prepared.bind(
        'own-literal',
        (v) => pg.selectFrom('exceptions').select('id').where('id', '=', v(0)).limit(1),
        ['a'],
      ),
    ).toThrow(/not one of its values/);
    // A value inlined into the SQL text instead of bound.
    expect(() =>
      prepared.bind(
        'inlined',
        (v) =>
          pg
            .selectFrom('exceptions')
            .select('id')
            .where('id', '=', sql.lit(v(0))),
        ['a'],
      ),
    ).toThrow(/not bound as a parameter/);
  });
});
