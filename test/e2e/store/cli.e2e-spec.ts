import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { buildProgram } from '../../../apps/cli/src/main';
import { openStore } from '@exhub/store';
import { sampleException } from '../../../libs/store/testing';

/** Runs `exhub …` in process against the store in EXHUB_STORE_URL; returns output and exit code. */
async function exhub(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  let code: number;
  try {
    await buildProgram().parseAsync(['node', 'exhub', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
    stderr += (e as Error).message;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
  return { code, stdout, stderr };
}

describe('exhub audit verify | keys (SQLite store from EXHUB_STORE_URL)', () => {
  let dir: string;
  let file: string;
  const saved = process.env.EXHUB_STORE_URL;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-cli-store-'));
    file = join(dir, 'exhub.db');
    process.env.EXHUB_STORE_URL = `sqlite:${file}`;
  });
  afterEach(() => {
    process.env.EXHUB_STORE_URL = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key once, lists keys without it, and finds it by its plaintext', async () => {
    const created = await exhub('keys', 'create', '--role', 'operator', '--name', 'sre on call');
    expect(created.code).toBe(0);
    const key = created.stdout.split('\n')[0];
    expect(key).toMatch(/^exhub_[0-9a-f]+\.\S+$/);
    expect(created.stdout).toContain('only time the key is shown');

    const listed = await exhub('keys', 'ls');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+ROLE\s+NAME\s+CREATED$/m);
    expect(listed.stdout).toMatch(/operator\s+sre on call/);
    expect(listed.stdout).not.toContain(key.split('.')[1]);

    const store = await openStore(`sqlite:${file}`);
    try {
      expect(await store.findApiKey(key)).toMatchObject({ role: 'operator', name: 'sre on call' });
    } finally {
      await store.close();
    }

    const bad = await exhub('keys', 'create', '--role', 'root', '--name', 'x');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are viewer, steward, operator, admin/);
  });

  it('passes a clean trail and names the first entry edited by hand', async () => {
    const store = await openStore(`sqlite:${file}`);
    await store.upsertException(sampleException({ id: 'ex-1', score: 50 }), { actor: 'pipeline' });
    await store.applyDecision('ex-1', { action: 'approve', actor: 'ana', reason: 'mine' });
    await store.applyDecision('ex-1', { action: 'resolve', actor: 'ana', reason: 'refunded' });
    await store.close();

    const clean = await exhub('audit', 'verify');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(
      /^ok: audit trail intact, 3 entries verified \(head [0-9a-f]{16}…\)/,
    );

    const raw = new DatabaseSync(file);
    raw.prepare(`update audit_log set actor = 'mallory' where seq = 2`).run();
    raw.close();

    const broken = await exhub('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(
      /^BROKEN: audit entry #2 in sqlite:.*: the entry was changed after it was written/,
    );
    expect(broken.stdout).toMatch(/hash expected: [0-9a-f]{64}\n {2}hash found: {4}[0-9a-f]{64}/);
    expect(broken.stdout).toContain('1 entries before it verified');

    const json = await exhub('audit', 'verify', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, broken: { seq: 2, field: 'hash' } });
  });

  it('detects a trail cut back together with its head, against an anchor kept outside', async () => {
    const store = await openStore(`sqlite:${file}`);
    await store.upsertException(sampleException({ id: 'ex-1', score: 50 }), { actor: 'pipeline' });
    await store.applyDecision('ex-1', { action: 'approve', actor: 'ana', reason: 'mine' });
    await store.applyDecision('ex-1', { action: 'resolve', actor: 'ana', reason: 'refunded' });
    await store.close();
    const anchorFile = join(dir, 'audit-anchor.json');
    const anchored = await exhub('audit', 'anchor', '--out', anchorFile);
    expect(anchored.code).toBe(0);
    expect(anchored.stdout).toMatch(/^anchored: audit entry #3 \(head [0-9a-f]{16}…\)/);
    expect((await exhub('audit', 'verify', '--anchor', anchorFile)).code).toBe(0);

    // Remove the last entry and rewind the head to the one before: the chain alone still verifies.
    const raw = new DatabaseSync(file);
    const { hash } = raw.prepare('select hash from audit_log where seq = 2').get() as {
      hash: string;
    };
    raw.prepare('delete from audit_log where seq = 3').run();
    raw.prepare('update audit_head set seq = 2, hash = ? where id = 1').run(hash);
    raw.close();
    expect((await exhub('audit', 'verify')).code).toBe(0);

    const broken = await exhub('audit', 'verify', '--anchor', anchorFile);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(
      /^BROKEN: audit entry #3 in sqlite:.*: the trail was cut back behind its anchor/,
    );
    expect(broken.stdout).toContain('head found:    the trail ends at entry 2');

    const notAnchor = join(dir, 'not-an-anchor.json');
    writeFileSync(notAnchor, '{}');
    const bad = await exhub('audit', 'verify', '--anchor', notAnchor);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an audit anchor/);
  });
});
