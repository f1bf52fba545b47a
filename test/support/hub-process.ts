/**
 * Runs the BUILT hub (`npm run build` → dist/apps/hub/src/main.js) as a child process on its own
 * topology prefix and port, as it runs in production: real signals, real exit codes, real RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
export const HUB_MAIN = join(ROOT, 'dist/apps/hub/src/main.js');
/** Log lines kept per process for failure output (the newest). */
const MAX_LOG_LINES = 400;
const POLL_MS = 50;
const KIB = 1024;

export interface HubProcessOptions {
  prefix: string;
  amqpUrl: string;
  stripeSecret: string;
  port?: number;
  env?: Record<string, string>;
  /** Another checkout's built hub (default: this one's dist/apps/hub/src/main.js). */
  main?: string;
  /** Its working directory (default: this checkout), where ./mappings and the config are read. */
  cwd?: string;
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Lifecycle lines kept in full (not only the newest): broker transitions, start, shutdown. */
const LIFECYCLE =
  /"component":"broker"|"msg":"(shutting down|stopped|pipeline worker|exception hub)|^exhub:/;

/**
 * The node flags the hub ships with (scripts/start.sh, docker/Dockerfile, `npm start`; README,
 * Operations, Memory): tests run the hub as it is run, its memory figures included.
 */
const SHIPPED_NODE_ARGS = ['--max-semi-space-size=16'];

export class HubProcess {
  /** The newest log lines (bounded). */
  readonly logs: string[] = [];
  /** Every lifecycle line (broker lost/recovered/blocked, start, shutdown). */
  readonly lifecycle: string[] = [];
  readonly exited: Promise<ExitResult>;
  private exitResult?: ExitResult;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.logs.push(line);
        if (this.logs.length > MAX_LOG_LINES) this.logs.shift();
        if (LIFECYCLE.test(line) && this.lifecycle.length < MAX_LOG_LINES)
          this.lifecycle.push(line);
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitResult = { code, signal };
        resolve(this.exitResult);
      }),
    );
  }

  static async start(options: HubProcessOptions): Promise<HubProcess> {
    const main = options.main ?? HUB_MAIN;
    if (!existsSync(main)) {
      throw new Error(`${main} is missing — run \`npm run build\` first (scripts/test.sh does)`);
    }
    const port = options.port ?? (await freePort());
    const child = spawn(process.execPath, [...SHIPPED_NODE_ARGS, main], {
      cwd: options.cwd ?? ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        AMQP_URL: options.amqpUrl,
        PORT: String(port),
        EXHUB_TOPOLOGY_PREFIX: options.prefix,
        STRIPE_WEBHOOK_SECRET: options.stripeSecret,
        LOG_LEVEL: process.env.E2E_HUB_LOG_LEVEL ?? 'info',
        // A store of this topology's own, outside the checkout: the default ./data/exhub.db would
        // carry webhook claims from one run to the next (a re-run's events answered "duplicate").
        // Keyed by prefix, so a hub restarted on the same topology (a crash test) keeps its store.
        EXHUB_STORE_URL: `sqlite:${join(tmpdir(), `exhub-e2e-${options.prefix}.db`)}`,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const hub = new HubProcess(child, port);
    await hub.waitReady(30_000);
    return hub;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.exitResult === undefined;
  }

  /** Polls /health/ready until 200; fails with the hub's last log lines. */
  async waitReady(timeoutMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      if (!this.running) {
        throw new Error(`the hub exited before it was ready:\n${this.tail()}`);
      }
      if ((await this.readyStatus()) === 200) return Date.now() - started;
      if (Date.now() - started > timeoutMs) {
        throw new Error(`the hub was not ready within ${timeoutMs} ms:\n${this.tail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** The status of GET /health/ready, or 0 when the hub does not answer. */
  async readyStatus(): Promise<number> {
    try {
      const res = await fetch(`${this.url}/health/ready`);
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  /** Resident set size in bytes (Linux /proc). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (!kib) throw new Error(`no VmRSS in /proc/${this.child.pid}/status`);
    return Number(kib[1]) * KIB;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ensure the process is gone (test cleanup): SIGKILL if still running. */
  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** True when a lifecycle line matching `pattern` was logged. */
  logged(pattern: RegExp): boolean {
    return this.lifecycle.some((line) => pattern.test(line));
  }

  /** The last warning and error lines the hub logged (to explain a failure). */
  problems(lines = 20): string {
    return this.logs
      .filter((line) => /"level":"(warn|error|fatal)"|^exhub:/.test(line))
      .slice(-lines)
      .join('\n');
  }

  tail(lines = 40): string {
    return this.logs.slice(-lines).join('\n');
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
