/**
 * Starts the built hub (dist/apps/hub/src/main.js) as a child process on its own topology prefix
 * and port, for the benchmarks. The hub is a separate process so its RSS is its own and the load
 * tool never shares its event loop. HUB_LOG_FILE=<file> appends the hub's log (stdout) to a file;
 * HUB_LOG_LEVEL sets its level (default info, as shipped). HUB_DIST=<dir> (or `dist` of the options)
 * starts the hub built into another directory instead of dist/ (an A/B of two builds in one run:
 * copy a build of the reference to e.g. dist-a/ first), absolute or relative to the repository;
 * the working directory, config and mappings stay this checkout's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = join(__dirname, '../..');
/**
 * The node flags the hub ships with (scripts/start.sh, docker/Dockerfile, `npm start`): V8's young
 * generation at 2 × 16 MiB per isolate (README, Operations, Memory). The bench measures the hub as
 * shipped; HUB_NODE_ARGS come after these, so a flag given there wins.
 */
export const SHIPPED_NODE_ARGS = ['--max-semi-space-size=16'];
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface HubProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Every stdout line seen so far that matched `watch` (with the ms since start). */
  seen: { atMs: number; line: string }[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface StartHubOptions {
  roles: string;
  prefix: string;
  amqpUrl: string;
  env?: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof), after SHIPPED_NODE_ARGS; defaults to HUB_NODE_ARGS. */
  nodeArgs?: string[];
  /** Log lines (stdout) to remember with their time, e.g. /blocked/. */
  watch?: RegExp;
  /** The build to start (a directory of the repository); defaults to HUB_DIST, else dist. */
  dist?: string;
}

export async function startHub(options: StartHubOptions): Promise<HubProcess> {
  const port = await freePort();
  const nodeArgs = [
    ...SHIPPED_NODE_ARGS,
    ...(options.nodeArgs ?? process.env.HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
  const dist = resolve(ROOT, options.dist ?? process.env.HUB_DIST ?? 'dist');
  const child = spawn(process.execPath, [...nodeArgs, join(dist, 'apps/hub/src/main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AMQP_URL: options.amqpUrl,
      EXHUB_TOPOLOGY_PREFIX: options.prefix,
      EXHUB_ROLES: options.roles,
      PORT: String(port),
      HOST: '127.0.0.1',
      // A fresh store per hub: exceptions left by earlier runs would make every store query (and
      // the links found) depend on what ran before.
      EXHUB_STORE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'exhub-bench-')), 'exhub.db')}`,
      // Readiness requires every configured connector to be usable, the shipped stripe one included.
      STRIPE_WEBHOOK_SECRET: 'whsec_bench',
      // The hub's own default (one line per accepted webhook / published exception): measured as shipped.
      LOG_LEVEL: process.env.HUB_LOG_LEVEL ?? 'info',
      ...options.env,
    },
  });
  const started = Date.now();
  const seen: HubProcess['seen'] = [];
  let buffered = '';
  // Always read stdout: an unread pipe fills up and blocks the hub's logging.
  const logFile = process.env.HUB_LOG_FILE;
  child.stdout?.on('data', (chunk: Buffer) => {
    if (logFile) appendFileSync(logFile, chunk);
    if (!options.watch) return;
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines)
      if (options.watch.test(line)) seen.push({ atMs: Date.now() - started, line });
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  // Ready = /health/ready answers 200 (broker confirmed, topology declared, mappings loaded).
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hub not ready within ${READY_TIMEOUT_MS} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, pid: child.pid as number, port, seen, stop };
}

/** Prometheus text → { 'name{labels}': value } for the lines whose name starts with `prefix`. */
export async function scrape(port: number, prefix: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}
