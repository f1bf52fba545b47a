import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSqliteDatabase, type WriteFailure } from './node-sqlite.database';

/**
 * A full disk, without filling one: `max_page_count` makes SQLite answer SQLITE_FULL ("database
 * or disk is full") once the file would grow past it, as ENOSPC does.
 */
describe('SQLite write failures and who is told (node-sqlite.database.ts)', () => {
  let dir: string;
  let db: NodeSqliteDatabase;
  let changes: (WriteFailure | undefined)[];
  const insert = (id: number) =>
    db.prepare('insert into t (id, v) values (?, ?)').run([id, 'x'.repeat(8192)]);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-write-failure-'));
    db = new NodeSqliteDatabase(join(dir, 'exhub.db'), 1000, { checkpoint: 'commit' });
    db.prepare('create table t (id integer primary key, v text)').run([]);
    changes = [];
    db.onWriteFailure = (failure) => changes.push(failure);
  });
  afterEach(async () => {
    db.close();
    await db.closed();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Inserts until the page limit refuses one; returns the next id. */
  function fillToLimit(): number {
    const [row] = db.prepare('pragma page_count').all([]) as { page_count: number }[];
    const pages = Number(row!.page_count);
    db.prepare(`pragma max_page_count = ${pages + 4}`).all([]);
    for (let id = 0; id < 100; id++) {
      try {
        insert(id);
      } catch {
        return id;
      }
    }
    throw new Error('the page limit never refused a write');
  }

  it('tells the listener of every failed write, naming the disk, and once when writes work again', () => {
    const next = fillToLimit();
    expect(db.writeFailure?.message).toMatch(/^cannot write: the disk is full \(SQLITE_FULL/);
    expect(changes).toEqual([db.writeFailure]);

    // Each failed write is told (whoever listens knows the failure is still current).
    expect(() => insert(next)).toThrow(/the disk is full/);
    expect(changes).toHaveLength(2);
    expect(changes[1]).toEqual(db.writeFailure);

    // Reads do not end it: only a write that succeeds does.
    db.prepare('select count(*) from t').all([]);
    expect(db.writeFailure).toBeDefined();

    db.prepare('pragma max_page_count = 1000000').all([]);
    insert(next);
    expect(db.writeFailure).toBeUndefined();
    expect(changes).toHaveLength(3);
    expect(changes[2]).toBeUndefined();

    // Writes that keep working tell nobody.
    insert(next + 1);
    expect(changes).toHaveLength(3);
  });
});
