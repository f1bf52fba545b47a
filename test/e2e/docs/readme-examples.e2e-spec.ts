/**
 * Every shell example in README.md and the module READMEs runs here, as a reader would paste it,
 * so the examples cannot drift from the code. A block that cannot run here carries, on the line
 * before its fence, `<!-- not-run: <why> -->`.
 *
 * The setting, built once: the built hub (`npm run build` first) on a free port with a random
 * topology prefix, a temporary SQLite store and the README's secrets (`whsec_change_me`); `exhub`
 * on PATH; `EXHUB_API_KEY` a steward key. Each block runs with `bash -euo pipefail` from the
 * repository root, with `localhost:3000` pointed at that hub and `curl` failing on an HTTP error
 * (`--fail-with-body`), so a 401 is a failed example, not a printed one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { buildTopology, deleteTopology } from '@exhub/messaging';
import { AMQP_URL } from '../hub/hub-harness';

const ROOT = join(__dirname, '../../..');
const HUB = join(ROOT, 'dist/apps/hub/src/main.js');
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');
const FENCE = /^```(sh|bash|shell|console)\s*$/;
const NOT_RUN = /^<!-- not-run: (.+) -->$/;
const BLOCK_TIMEOUT_MS = 60_000;

interface Example {
  file: string;
  line: number;
  code: string;
  notRun?: string;
}

/** README.md and every module README tracked by git. */
function readmes(): string[] {
  const out = spawnSync('git', ['ls-files', 'README.md', '*/README.md'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out.stdout.split('\n').filter(Boolean);
}

function examplesIn(file: string): Example[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i])) continue;
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const notRun = NOT_RUN.exec(lines[before] ?? '')?.[1];
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    found.push({ file, line: i + 1, code: lines.slice(start, end).join('\n'), notRun });
    i = end;
  }
  return found;
}

const examples = readmes().flatMap(examplesIn);
const runnable = examples.filter((e) => e.notRun === undefined);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('shell examples in the READMEs', () => {
  const work = mkdtempSync(join(tmpdir(), 'exhub-readme-'));
  const bin = join(work, 'bin');
  const prefix = `t-readme-${randomBytes(4).toString('hex')}`;
  let env: NodeJS.ProcessEnv;
  let port: number;
  let hub: ChildProcess | undefined;
  let hubLog = '';

  beforeAll(async () => {
    for (const file of [HUB, CLI]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
    port = await freePort();
    env = {
      ...process.env,
      AMQP_URL,
      PORT: String(port),
      EXHUB_TOPOLOGY_PREFIX: prefix,
      EXHUB_STORE_URL: `sqlite:${join(work, 'exhub.db')}`,
      EXHUB_CURSOR_FILE: join(work, 'cursors.json'),
      STRIPE_WEBHOOK_SECRET: 'whsec_change_me',
      ISO20022_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
      LOG_LEVEL: 'warn',
    };
    // `exhub` as the README uses it, and curl that fails on an HTTP error.
    spawnSync('mkdir', ['-p', bin]);
    const realCurl = spawnSync('bash', ['-c', 'command -v curl'], {
      encoding: 'utf8',
    }).stdout.trim();
    if (!realCurl) throw new Error('curl is not installed: the README examples use it');
    writeFileSync(join(bin, 'exhub'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\nexec "${realCurl}" --fail-with-body "$@"\n`);
    chmodSync(join(bin, 'exhub'), 0o755);
    chmodSync(join(bin, 'curl'), 0o755);
    env.PATH = `${bin}:${process.env.PATH ?? ''}`;

    hub = spawn(process.execPath, [HUB], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    hub.stdout?.on('data', (c: Buffer) => (hubLog += c.toString()));
    hub.stderr?.on('data', (c: Buffer) => (hubLog += c.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (hub.exitCode !== null) throw new Error(`the hub exited: ${hubLog.slice(-2000)}`);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`the hub was not ready: ${hubLog.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const key = spawnSync(
      process.execPath,
      [CLI, 'keys', 'create', '--role', 'steward', '--name', 'readme'],
      { cwd: ROOT, env, encoding: 'utf8' },
    );
    if (key.status !== 0) throw new Error(`exhub keys create failed: ${key.stderr}`);
    env.EXHUB_API_KEY = key.stdout.split('\n')[0];
  }, 90_000);

  afterAll(async () => {
    if (hub && hub.exitCode === null) {
      const exited = new Promise((r) => hub!.once('exit', r));
      hub.kill('SIGTERM');
      await exited;
    }
    const client = await amqp.connect(AMQP_URL);
    await deleteTopology(await client.createChannel(), buildTopology({ prefix }));
    await client.close();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('finds the examples, and every one not run says why', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(6);
    for (const e of examples.filter((x) => x.notRun !== undefined)) {
      expect(e.notRun?.trim().length).toBeGreaterThan(5);
    }
  });

  it.each(runnable.map((e) => [`${e.file}:${e.line}`, e] as const))(
    '%s runs',
    (_where, example) => {
      const code = example.code.replace(
        /(https?:\/\/)?localhost:3000/g,
        `http://127.0.0.1:${port}`,
      );
      const run = spawnSync('bash', ['-euo', 'pipefail', '-c', code], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: BLOCK_TIMEOUT_MS,
      });
      if (run.status !== 0) {
        throw new Error(
          `exit ${run.status ?? run.signal}\n--- stdout\n${run.stdout.slice(-1500)}\n--- stderr\n${run.stderr.slice(-1500)}`,
        );
      }
    },
    BLOCK_TIMEOUT_MS + 5_000,
  );
});
