import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { NodeSqliteDatabase, type NodeSqliteOptions } from './node-sqlite.database';
import { FORCE_TRUNCATE_FACTOR, WalCheckpointer } from './wal-checkpointer';
import { openStore } from './open-store';

const PAGE = 4096;
/** SQLite's automatic checkpoint threshold, in pages. */
const AUTOCHECKPOINT_PAGES = 1000;
/** A timer that never fires within a test: only checkpointNow() checkpoints. */
const NEVER_MS = 3_600_000;

/** Writes ~rows × 2 KiB through the adapter, one autocommit each (as the ingress's dedupe claims). */
function fill(db: NodeSqliteDatabase, rows: number, from = 0): void {
  db.prepare('create table if not exists t (id integer primary key, v text)').run([]);
  const insert = db.prepare('insert into t (id, v) values (?, ?)');
  for (let i = from; i < from + rows; i++) insert.run([i, 'x'.repeat(2048)]);
}

const walBytes = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

describe('WAL checkpoints off the commit path (wal-checkpointer.ts)', () => {
  let dir: string;
  let file: string;
  const open: NodeSqliteDatabase[] = [];
  const openDb = (options: NodeSqliteOptions) => {
    const db = new NodeSqliteDatabase(file, 5000, options);
    open.push(db);
    return db;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-wal-'));
    file = join(dir, 'exhub.db');
  });
  afterEach(async () => {
    for (const db of open.splice(0)) {
      db.close();
      await db.closed();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('commit mode: a commit past 1,000 pages checkpoints, so the WAL is reused and stays near 1,000 pages', () => {
    const db = openDb({ checkpoint: 'commit' });
    expect(db.checkpointer).toBeUndefined();
    fill(db, 3000); // ~3,000 pages of WAL without a checkpoint
    expect(walBytes(file)).toBeLessThan(1.5 * AUTOCHECKPOINT_PAGES * PAGE);
  });

  it('background mode: no commit checkpoints; the WAL keeps every frame until the thread runs', async () => {
    const db = openDb({ checkpoint: 'background', checkpointer: { intervalMs: NEVER_MS } });
    fill(db, 3000);
    expect(walBytes(file)).toBeGreaterThan(2 * AUTOCHECKPOINT_PAGES * PAGE);
    expect(await db.checkpointer?.stats()).toMatchObject({ runs: 0 });
  });

  it('the thread copies every committed frame into the database file', async () => {
    const db = openDb({ checkpoint: 'background', checkpointer: { intervalMs: NEVER_MS } });
    fill(db, 1500);
    const stats = await db.checkpointer!.checkpointNow();
    expect(stats.runs).toBe(1);
    expect(stats.lastLogFrames).toBeGreaterThan(AUTOCHECKPOINT_PAGES);
    expect(stats.lastCheckpointedFrames).toBe(stats.lastLogFrames);
    // The database file alone (no WAL beside it) holds every row.
    const copy = join(dir, 'copy.db');
    copyFileSync(file, copy);
    const reader = new DatabaseSync(copy, { readOnly: true });
    try {
      expect(reader.prepare('select count(*) as n from t').get()).toEqual({ n: 1500 });
    } finally {
      reader.close();
    }
  });

  it('after a checkpoint the next commit starts the WAL over: it does not grow with the writes', async () => {
    const db = openDb({ checkpoint: 'background', checkpointer: { intervalMs: NEVER_MS } });
    fill(db, 1500);
    const before = walBytes(file);
    const first = await db.checkpointer!.checkpointNow();
    fill(db, 100, 1500);
    expect(walBytes(file)).toBe(before); // the same file, rewritten from its start
    const second = await db.checkpointer!.checkpointNow();
    // 100 rows' frames, not 1,600 rows' (the first fill's frames are not in the log any more)
    expect(second.lastLogFrames).toBeLessThan(first.lastLogFrames / 4);
  });

  it('truncates a WAL file past the threshold once nobody wrote since its last run', async () => {
    const db = openDb({
      checkpoint: 'background',
      checkpointer: { intervalMs: NEVER_MS, truncateAboveBytes: 8 * 1024 * 1024 },
    });
    fill(db, 1500); // ~18 MiB of WAL: past the threshold, under the forced truncate
    expect(walBytes(file)).toBeGreaterThan(8 * 1024 * 1024);
    expect(walBytes(file)).toBeLessThan(FORCE_TRUNCATE_FACTOR * 8 * 1024 * 1024);
    // Written to since the last run (there was none): no TRUNCATE holds the writer.
    expect(await db.checkpointer!.checkpointNow()).toMatchObject({ runs: 1, truncates: 0 });
    expect(walBytes(file)).toBeGreaterThan(8 * 1024 * 1024);
    // Nothing written since: now it truncates.
    expect(await db.checkpointer!.checkpointNow()).toMatchObject({ runs: 2, truncates: 1 });
    expect(walBytes(file)).toBe(0);
  });

  it('while writes go on, the writer that starts the WAL over trims the file to the threshold', async () => {
    const limit = 8 * 1024 * 1024;
    const db = openDb({
      checkpoint: 'background',
      checkpointer: { intervalMs: NEVER_MS, truncateAboveBytes: limit },
    });
    fill(db, 1500);
    expect(walBytes(file)).toBeGreaterThan(limit);
    expect(await db.checkpointer!.checkpointNow()).toMatchObject({ truncates: 0 });
    fill(db, 10, 1500); // starts the WAL over (every frame was copied) and trims it
    expect(walBytes(file)).toBeLessThanOrEqual(limit);
  });

  it('truncates at once, writes or not, a WAL past FORCE_TRUNCATE_FACTOR × the threshold', async () => {
    const limit = 256 * 1024;
    const db = openDb({
      checkpoint: 'background',
      checkpointer: { intervalMs: NEVER_MS, truncateAboveBytes: limit },
    });
    fill(db, 1500);
    expect(walBytes(file)).toBeGreaterThan(FORCE_TRUNCATE_FACTOR * limit);
    expect(await db.checkpointer!.checkpointNow()).toMatchObject({ runs: 1, truncates: 1 });
    expect(walBytes(file)).toBe(0);
  });

  it('runs on its timer while the connection writes', async () => {
    const db = openDb({ checkpoint: 'background', checkpointer: { intervalMs: 20 } });
    fill(db, 200);
    // Wait for the timer's first run (no time limit asserted: the test fails on Jest's timeout).
    let stats = await db.checkpointer!.stats();
    while (stats.runs === 0) {
      await new Promise((r) => setTimeout(r, 20));
      stats = await db.checkpointer!.stats();
    }
    expect(stats.lastCheckpointedFrames).toBeGreaterThan(0);
  });

  it('a thread that cannot open the file says why, once', async () => {
    const failures: string[] = [];
    const checkpointer = new WalCheckpointer(
      join(dir, 'missing', 'dir', 'exhub.db'),
      { intervalMs: NEVER_MS },
      (reason) => failures.push(reason),
    );
    await new Promise<void>((resolve) => {
      const poll = () => (failures.length > 0 ? resolve() : setTimeout(poll, 10));
      poll();
    });
    await checkpointer.stop();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^cannot open the store for checkpoints: unable to open database/);
    expect(checkpointer.failure).toBe(failures[0]);
  });

  it('closing the store stops the thread and its connection: the last one out removes the WAL', async () => {
    const store = await openStore(`sqlite:${file}`);
    await store.putCursor('c', 'x');
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
