import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@exhub/store';

const ROOT = join(__dirname, '../../..');
/** Runs TypeScript sources without a build (the benchmarks' SWC hook). */
const SWC_REGISTER = join(ROOT, 'bench/swc-register.js');
const WRITER = join(__dirname, 'sqlite-writer.ts');
const WRITES_PER_PROCESS = 15;

function writer(url: string, scores: number[]): Promise<{ versions: number[]; won: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', SWC_REGISTER, WRITER, url, 'shared-1', ...scores.map(String)],
      { env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}: ${err}`)),
    );
  });
}

describe('SQLite store shared by two processes (one file, WAL, begin immediate)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'exhub-sqlite-procs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('numbers versions without gaps and lets one process win each webhook event id', async () => {
    const url = `sqlite:${join(dir, 'exhub.db')}`;
    // Migrate first, so both writers race on the data and not on creating the schema.
    await (await openStore(url)).close();
    const scores = (offset: number) =>
      Array.from({ length: WRITES_PER_PROCESS }, (_, i) => offset + i * 2);
    const [a, b] = await Promise.all([writer(url, scores(1)), writer(url, scores(2))]);

    const all = [...a.versions, ...b.versions].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 2 * WRITES_PER_PROCESS }, (_, i) => i + 1));
    // Five distinct event ids (evt-0 … evt-4), each won by exactly one of the two processes.
    expect([...a.won, ...b.won].sort()).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4']);

    const store = await openStore(url);
    try {
      expect((await store.exceptionHistory('shared-1')).map((h) => h.version)).toEqual(all);
      expect(await store.verifyAudit()).toMatchObject({
        ok: true,
        entries: 2 * WRITES_PER_PROCESS,
      });
    } finally {
      await store.close();
    }
  });
});
