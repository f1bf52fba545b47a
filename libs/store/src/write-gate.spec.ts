import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, sql } from 'kysely';
import { NodeSqliteDatabase } from './node-sqlite.database';
import { ImmediateSqliteDialect } from './sqlite-dialect';
import { WriteGate } from './write-gate';

describe('WriteGate', () => {
  it('serves turns first come, first served, and wakes the next one when a turn ends', async () => {
    const gate = new WriteGate();
    const order: string[] = [];
    const first = await gate.acquire();
    const second = gate.acquire().then((turn) => (order.push('second'), turn));
    const third = gate.acquire().then((turn) => (order.push('third'), turn));
    await sleep(20);
    expect(order).toEqual([]);
    first.release();
    (await second).release();
    (await third).release();
    expect(order).toEqual(['second', 'third']);
    expect(gate.stats).toMatchObject({ turns: 3, waited: 2, skipped: 0 });
  });

  it('tells its listener how long each waiting caller waited (the metrics)', async () => {
    const gate = new WriteGate();
    const waits: number[] = [];
    gate.onWaited = (ms) => waits.push(ms);
    (await gate.acquire()).release();
    const held = await gate.acquire();
    const waiting = gate.acquire();
    await sleep(30);
    held.release();
    (await waiting).release();
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(25);
    expect(waits[0]).toBeCloseTo(gate.stats.waitedMs, 5);
  });

  it('is shared by whoever holds its buffer (another thread passes gate.buffer)', async () => {
    const gate = new WriteGate();
    const other = new WriteGate(gate.buffer);
    const held = await gate.acquire();
    let got = false;
    const waiting = other.acquire().then((turn) => ((got = true), turn));
    await sleep(20);
    expect(got).toBe(false);
    held.release();
    (await waiting).release();
    expect(got).toBe(true);
  });

  it('skips a turn nobody gives back after stallMs, and a late release of it frees nothing', async () => {
    const gate = new WriteGate(undefined, 50);
    let skips = 0;
    gate.onSkipped = () => (skips += 1);
    const abandoned = await gate.acquire();
    const began = performance.now();
    const next = await gate.acquire();
    expect(performance.now() - began).toBeGreaterThanOrEqual(45);
    expect(gate.stats.skipped).toBe(1);
    expect(skips).toBe(1);
    // The abandoned turn's release must not end `next`'s turn.
    abandoned.release();
    let third = false;
    const waiting = gate.acquire().then((turn) => ((third = true), turn));
    await sleep(20);
    expect(third).toBe(false);
    next.release();
    (await waiting).release();
    expect(third).toBe(true);
  });

  it('does not skip a holder while turns keep passing', async () => {
    const gate = new WriteGate(undefined, 400);
    const turns = Array.from({ length: 5 }, () => gate.acquire());
    // Each turn lasts 100 ms: 500 ms in all, no single turn near stallMs.
    for (const t of turns) {
      const turn = await t;
      await sleep(100);
      turn.release();
    }
    expect(gate.stats.skipped).toBe(0);
  });
});

/*
 * Two connections to one SQLite file in ONE thread stand for the hub's two threads: without the
 * gate, the second writer would sit in SQLite's busy handler, which sleeps on the thread, so the
 * first (whose transaction is waiting for a timer on that same thread) could never commit.
 */
describe('ImmediateSqliteDialect with a write gate', () => {
  let dir: string;
  const open: Kysely<{ t: { id: number; by: string } }>[] = [];
  const connect = (busyTimeoutMs: number, writeGate?: WriteGate) => {
    const database = new NodeSqliteDatabase(join(dir, 'gate.db'), busyTimeoutMs);
    const db = new Kysely<{ t: { id: number; by: string } }>({
      dialect: new ImmediateSqliteDialect({ database, writeGate }),
    });
    open.push(db);
    return db;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-gate-'));
    await sql`create table t (id integer primary key, by text not null)`.execute(connect(1000));
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a writer waits for the other connection to commit with its event loop free, then writes', async () => {
    const gate = new WriteGate();
    const a = connect(5000, gate);
    const b = connect(5000, gate);
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    const holding = a.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, by: 'a' }).execute();
      await sleep(150);
      await trx.insertInto('t').values({ id: 2, by: 'a' }).execute();
    });
    await sleep(10);
    const began = performance.now();
    // Outside a transaction and inside one: both wait for a's turn.
    await b.insertInto('t').values({ id: 3, by: 'b' }).execute();
    await b
      .transaction()
      .execute((trx) => trx.insertInto('t').values({ id: 4, by: 'b' }).execute());
    const waitedMs = performance.now() - began;
    await holding;
    clearInterval(ticker);
    expect(waitedMs).toBeGreaterThanOrEqual(100);
    // The loop ran timers the whole time (a 5 ms ticker over ≥ 150 ms).
    expect(ticks).toBeGreaterThanOrEqual(15);
    const rows = await b.selectFrom('t').select(['id', 'by']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 1, by: 'a' },
      { id: 2, by: 'a' },
      { id: 3, by: 'b' },
      { id: 4, by: 'b' },
    ]);
    expect(gate.stats.waited).toBeGreaterThanOrEqual(1);
  });

  it('without the gate the same writer blocks the thread in SQLite until its busy timeout', async () => {
    const a = connect(5000);
    const b = connect(300);
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    const holding = a.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, by: 'a' }).execute();
      await sleep(150);
    });
    await sleep(10);
    const ticksBefore = ticks;
    await expect(b.insertInto('t').values({ id: 3, by: 'b' }).execute()).rejects.toThrow(
      /locked|busy/i,
    );
    // Blocked: not one timer ran while SQLite slept for 300 ms.
    expect(ticks).toBe(ticksBefore);
    clearInterval(ticker);
    await holding;
  });

  it('gives the turn back when begin, a statement or the commit fails', async () => {
    const gate = new WriteGate(undefined, 200);
    const a = connect(1000, gate);
    await expect(
      a.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 1, by: 'a' }).execute();
        await trx.insertInto('t').values({ id: 1, by: 'a' }).execute(); // duplicate key
      }),
    ).rejects.toThrow(/UNIQUE/);
    await expect(a.insertInto('t').values({ id: 1, by: 'x' }).execute()).resolves.toBeDefined();
    await expect(a.insertInto('t').values({ id: 1, by: 'x' }).execute()).rejects.toThrow(/UNIQUE/);
    // Every turn was given back: the next one needs no wait, nothing was skipped.
    (await gate.acquire()).release();
    expect(gate.stats).toMatchObject({ waited: 0, skipped: 0 });
  });
});
