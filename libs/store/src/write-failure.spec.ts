import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { sampleException } from '../testing/sample-exception';
import type { KyselyStore } from './kysely-store';
import { NodeSqliteDatabase, type WriteFailure } from './node-sqlite.database';
import { openStore } from './open-store';

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

describe('ExceptionStore.watchWriteFailure (kysely-store.ts)', () => {
  it('tells every listener, in the order they were added, of a failure and of its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhub-write-watch-'));
    const store = (await openStore(`sqlite:${join(dir, 'exhub.db')}`, {
      sqliteCheckpoint: 'commit',
    })) as KyselyStore;
    try {
      const heard: string[] = [];
      // Two parts of one process watch one store (the pipeline thread's forwarder and its ingress).
      store.watchWriteFailure((f) => heard.push(`first: ${f ?? 'ok'}`));
      store.watchWriteFailure((f) => heard.push(`second: ${f ?? 'ok'}`));
      const upsert = (n: number) =>
        store.upsertException(
          sampleException({
            id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
            score: 1,
          }),
          { actor: 'test' },
        );
      const [{ page_count: pages }] = (
        await sql<{ page_count: number }>`pragma page_count`.execute(store.db)
      ).rows;
      await sql.raw(`pragma max_page_count = ${Number(pages) + 2}`).execute(store.db);
      let n = 0;
      while (heard.length === 0 && n < 200) await upsert(n++).catch(() => undefined);
      expect(heard).toEqual([
        expect.stringMatching(/^first: .*the disk is full/),
        expect.stringMatching(/^second: .*the disk is full/),
      ]);
      expect(heard[0]!.slice('first: '.length)).toBe(heard[1]!.slice('second: '.length));
      expect(store.writeFailure()).toBe(heard[0]!.slice('first: '.length));

      await sql.raw('pragma max_page_count = 1000000').execute(store.db);
      await upsert(n);
      expect(heard.slice(2)).toEqual(['first: ok', 'second: ok']);
      expect(store.writeFailure()).toBeUndefined();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
