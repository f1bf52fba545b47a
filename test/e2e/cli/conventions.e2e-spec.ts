/**
 * The command-line conventions as a user meets them: the built `exhub` and hub run as separate
 * processes (`npm run build` first). Exit codes, --version, NO_COLOR / FORCE_COLOR, help defaults,
 * one line for a bad LOG_LEVEL, and a demo run that leaves nothing of its prefix on the broker.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { buildTopology } from '@exhub/messaging';
import { AMQP_URL } from '../hub/hub-harness';

const ROOT = join(__dirname, '../../..');
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');
const HUB = join(ROOT, 'dist/apps/hub/src/main.js');

/** This process's environment without its colour settings, plus `env`. */
function cliEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...process.env };
  delete rest.NO_COLOR;
  delete rest.FORCE_COLOR;
  return { ...rest, ...env };
}

function exhub(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    encoding: 'utf8',
    timeout: 30_000,
  });
}

/** As `exhub`, without blocking the event loop (for a test that serves HTTP itself). */
function exhubAsync(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout })));
}

beforeAll(() => {
  if (!existsSync(CLI) || !existsSync(HUB)) {
    throw new Error(`${CLI} or ${HUB} is missing: run \`npm run build\` first`);
  }
});

describe('exhub conventions (built CLI)', () => {
  it.each([
    [['replay', '--bogus']],
    [['keys', 'create', '--role', 'god', '--name', 'x']],
    [['connectors', 'new', 'acme', '--kind', 'ftp']],
    [['worklist', '--top', 'many']],
  ])('%j is a usage error: exit 2 with the error on stderr', (args) => {
    const run = exhub(args);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 2, stdout: '' });
    expect(run.stderr).toMatch(/error: /);
  });

  it('--version prints the package version and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const run = exhub(['--version']);
    expect({ status: run.status, stdout: run.stdout }).toEqual({
      status: 0,
      stdout: `${version}\n`,
    });
  });

  it('help shows defaults as text: simulate --duration (default: 60s)', () => {
    const run = exhub(['simulate', '--help']);
    expect(run.status).toBe(0);
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('(default: 60s)');
    expect(help).not.toMatch(/default: \{/);
  });

  it('worklist colour: none off a terminal or with NO_COLOR, tiers coloured with FORCE_COLOR', async () => {
    // Stands in for GET /v1/exceptions: this test is about how the CLI renders what it gets.
    const item = {
      id: 'e1',
      type: 'invoice_mismatch',
      priority: { tier: 'p1', score: 80, factors: [] },
      amount: { value: '10', currency: 'EUR' },
    };
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: [item] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const worklist = (env: NodeJS.ProcessEnv) =>
      exhubAsync(['worklist', '--hub-url', hubUrl], { EXHUB_API_KEY: 'k', ...env });
    try {
      // eslint-disable-next-line no-control-regex
      const ansi = /\x1b\[/;
      const plain = await worklist({});
      expect(plain).toEqual({ status: 0, stdout: expect.stringContaining('invoice_mismatch') });
      expect(plain.stdout).not.toMatch(ansi);
      expect((await worklist({ FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).not.toMatch(ansi);
      expect((await worklist({ FORCE_COLOR: '1' })).stdout).toContain('\x1b[1;31mP1');
    } finally {
      server.close();
    }
  });
});

describe('hub start with a bad LOG_LEVEL', () => {
  it('prints one line naming the variable and the allowed values, and exits 1', () => {
    const run = spawnSync(process.execPath, [HUB], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'verbose', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'exhub: LOG_LEVEL="verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent (default info)\n',
    );
  });
});

describe('npm run demo (scripts/demo.js on the build)', () => {
  it('leaves no queue or exchange of its prefix on the broker, retry tiers included', async () => {
    let stderr = '';
    const demo = spawn(process.execPath, [join(ROOT, 'scripts/demo.js'), 'dist'], {
      cwd: ROOT,
      env: {
        ...process.env,
        EXHUB_DEMO_DURATION: '2s',
        EXHUB_DEMO_RATE: '2',
        EXHUB_DEMO_LINGER: '1s',
        EXHUB_DEMO_SEED: '7',
        AMQP_URL,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    demo.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    expect({ code, stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining('stopped everything'),
    });
    const prefix = /queue prefix (demo[0-9a-f]+)/.exec(stderr)?.[1];
    expect(prefix).toBeDefined();

    // Every name the demo's hub declared (its retry tiers are 2s, 10s, 30s) must be gone.
    const topology = buildTopology({ prefix, retryDelaysMs: [2_000, 10_000, 30_000] });
    expect(topology.queues.map((q) => q.name)).toContain(`${prefix}.retry.2s`);
    const conn = await amqp.connect(AMQP_URL);
    try {
      const left: string[] = [];
      for (const { name } of topology.queues) {
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        const found = await ch.checkQueue(name).then(
          () => true,
          () => false,
        );
        if (found) {
          left.push(name);
          await ch.close();
        }
      }
      expect(left).toEqual([]);
    } finally {
      await conn.close();
    }
  }, 180_000);
});
