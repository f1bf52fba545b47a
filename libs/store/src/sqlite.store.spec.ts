import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openStore } from './open-store';
import { runStoreContract } from '../testing';
import type { ExceptionStore } from './store';

runStoreContract('SQLite (temp file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'exhub-store-'));
  const file = join(dir, 'nested', 'exhub.db');
  const opened: ExceptionStore[] = [];
  let raw: DatabaseSync | undefined;
  return {
    async open() {
      const store = await openStore(`sqlite:${file}`);
      opened.push(store);
      return store;
    },
    async raw(sqlText) {
      raw ??= new DatabaseSync(file);
      const stmt = raw.prepare(sqlText);
      if (stmt.columns().length > 0) return stmt.all().map((r) => ({ ...r }));
      stmt.run();
      return [];
    },
    async cleanup() {
      for (const s of opened) await s.close().catch(() => undefined);
      raw?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('openStore', () => {
  it('opens an in-memory SQLite store', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      expect(store.kind).toBe('sqlite');
      await store.putCursor('c', 'x');
      expect((await store.getCursor('c'))?.cursor).toBe('x');
    } finally {
      await store.close();
    }
  });

  it('names an unknown scheme and the fix, with the password redacted', async () => {
    await expect(openStore('mysql://app:s3cret@db/exhub')).rejects.toThrow(
      'EXHUB_STORE_URL="mysql://app:***@db/exhub": unknown scheme; use sqlite:<file> (default sqlite:./data/exhub.db) or postgres://user:password@host:5432/db',
    );
  });

  it('reports an unreachable PostgreSQL in one line without the password', async () => {
    const err = await openStore('postgres://app:s3cret@127.0.0.1:1/exhub').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(
      /^cannot reach PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/exhub \(.*ECONNREFUSED.*\) — start the server or set EXHUB_STORE_URL$/,
    );
    expect(message).not.toContain('s3cret');
    expect(message).not.toContain('\n');
  });
});
