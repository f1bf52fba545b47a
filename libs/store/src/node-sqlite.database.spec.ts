import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSqliteDatabase } from './node-sqlite.database';

describe('NodeSqliteDatabase connection settings', () => {
  let dir: string;
  let database: NodeSqliteDatabase;
  const one = (sql: string) => database.prepare(sql).all([])[0] as Record<string, unknown>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-nodesqlite-'));
    database = new NodeSqliteDatabase(join(dir, 'exhub.db'), 1000, { checkpoint: 'commit' });
  });
  afterEach(async () => {
    database.close();
    await database.closed();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a file in WAL mode, synchronous NORMAL, statement journals in memory', () => {
    expect(one('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(one('PRAGMA synchronous')).toEqual({ synchronous: 1 }); // NORMAL
    expect(one('PRAGMA temp_store')).toEqual({ temp_store: 2 }); // MEMORY
  });

  it('still undoes one failed multi-row statement alone, past the 64 KiB a journal kept on disk', () => {
    database.prepare('create table t (id integer primary key, body text not null)').run([]);
    const body = 'x'.repeat(2_000);
    const rows = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => [from + i, body]);
    const insert = (values: unknown[][]) =>
      database
        .prepare(`insert into t (id, body) values ${values.map(() => '(?, ?)').join(', ')}`)
        .run(values.flat());
    database.prepare('begin immediate').run([]);
    insert(rows(1, 10));
    // 100 rows of 2 KB (~200 KiB of pages) and then a duplicate key: this statement fails alone.
    expect(() => insert([...rows(11, 100), [1, body]])).toThrow(/UNIQUE constraint failed/);
    insert(rows(200, 5));
    database.prepare('commit').run([]);
    expect(one('select count(*) as n, min(id) as lo, max(id) as hi from t')).toEqual({
      n: 15,
      lo: 1,
      hi: 204,
    });
  });
});
