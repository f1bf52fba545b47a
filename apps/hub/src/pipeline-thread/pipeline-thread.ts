import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@exhub/observability';
import type { RemotePipeline, ThreadReadiness } from '../hub-runtime';
import type { MetricsJson } from './merge-metrics';
import type { FromThread, PipelineThreadData, ToThread } from './protocol';
import { RecentWriteFailure } from '../core/recent-write-failure';

/** The thread's entry point, compiled beside this file. */
export const PIPELINE_THREAD_MAIN = join(__dirname, 'pipeline-thread.main.js');
/** First restart delay after an unexpected death; doubles per death in a row, up to the max. */
export const RESTART_MIN_DELAY_MS = 1000;
export const RESTART_MAX_DELAY_MS = 30_000;
/** A thread that ran this long after it started consuming resets the doubling. */
export const RESTART_STABLE_MS = 60_000;
/** How long /health/ready and /metrics wait for the thread's answer. */
export const ASK_TIMEOUT_MS = 2000;
/**
 * A thread busy with one long synchronous step (a large statement's mapping may take seconds)
 * answers late; its last answer stands for this long, so readiness does not flap while it works.
 */
export const READINESS_STALE_MS = 15_000;

type State = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

export interface PipelineThreadOptions {
  data: PipelineThreadData;
  logger: Logger;
  /** Told once per unexpected death (exhub_pipeline_thread_restarts_total). */
  onRestart: () => void;
  /** The entry point (tests); default PIPELINE_THREAD_MAIN. */
  file?: string;
  /** Tests; default STORE_WRITE_FAILURE_FRESH_MS. */
  storeWriteFailureFreshMs?: number;
}

interface Pending {
  resolve: (value: Extract<FromThread, { kind: 'answer' }> | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * The pipeline worker (EXHUB_ROLES `pipeline`: consumer of exhub.work, mapping, scoring, the store
 * transaction, the publish; the outcomes consumer, context loops and DLQ ledger) in a
 * `node:worker_threads` Worker of this process, so it neither starves HTTP of the event loop nor
 * leaves the second core idle. The thread builds its own runtime (broker connection, publisher,
 * store connection) from the same environment; this class only starts it, asks it for its
 * readiness and metrics, drains it at shutdown, and restarts it when it dies unexpectedly.
 *
 * Unexpected death (an uncaught error, a failed start, out of memory): logged as an error with
 * the reason, counted, and the thread started again after 1 s, 2 s, 4 s … up to 30 s (reset once
 * a thread ran for a minute). Meanwhile /health/ready answers 503 naming it, HTTP keeps answering,
 * and the deliveries the dead thread held unacknowledged go back to exhub.work when its broker
 * connection closes with it: nothing accepted is lost (at-least-once, as with a process crash).
 */
export class PipelineThread implements RemotePipeline {
  private worker?: Worker;
  private state: State = 'starting';
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private deathsInARow = 0;
  private startedAt?: number;
  private lastError?: Error;
  private lastFailure?: string;
  private restartTimer?: NodeJS.Timeout;
  private restartAt?: number;
  private exited?: Promise<number>;
  private lastReadiness?: { at: number; value: ThreadReadiness };
  /** What the running thread last said of its store's writes (`store-write`), and when. */
  private readonly storeWrite: RecentWriteFailure;
  private released = false;
  private readonly log: Logger;

  constructor(private readonly options: PipelineThreadOptions) {
    this.storeWrite = new RecentWriteFailure(options.storeWriteFailureFreshMs);
    this.log = options.logger.child({ component: 'pipeline-thread' });
  }

  /**
   * Starts the thread: it loads its code at once, builds its runtime once `release` was called
   * (at once for a restart), and reports `started` when it consumes exhub.work.
   */
  start(): void {
    this.state = 'starting';
    this.startedAt = undefined;
    this.lastReadiness = undefined;
    this.lastError = undefined;
    this.storeWrite.heard(undefined);
    const worker = new Worker(this.options.file ?? PIPELINE_THREAD_MAIN, {
      workerData: this.options.data,
    });
    this.worker = worker;
    worker.on('message', (message: FromThread) => this.onMessage(worker, message));
    // An uncaught error ends the thread ('exit' follows); keep it for the log line.
    worker.on('error', (err) => {
      if (worker === this.worker) this.lastError = err;
    });
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        this.onExit(worker, code);
        resolve(code);
      }),
    );
    if (this.released) worker.postMessage({ kind: 'build' } satisfies ToThread);
  }

  /** Lets the thread build its runtime (once the main thread's store is open and migrated). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.worker?.postMessage({ kind: 'build' } satisfies ToThread);
  }

  private onMessage(worker: Worker, message: FromThread): void {
    if (worker !== this.worker) return;
    if (message.kind === 'store-write') {
      this.storeWrite.heard(message.failure);
      return;
    }
    if (message.kind === 'started') {
      if (this.state === 'starting') this.state = 'running';
      this.startedAt = Date.now();
      this.log.info(
        { threadId: worker.threadId },
        'pipeline worker thread started: consuming in its own thread',
      );
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    clearTimeout(waiting.timer);
    waiting.resolve(message);
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.storeWrite.heard(undefined);
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.resolve(undefined);
      this.pending.delete(id);
    }
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.state = 'stopped';
      return;
    }
    if (this.startedAt !== undefined && Date.now() - this.startedAt >= RESTART_STABLE_MS) {
      this.deathsInARow = 0;
    }
    const delayMs = Math.min(RESTART_MIN_DELAY_MS * 2 ** this.deathsInARow, RESTART_MAX_DELAY_MS);
    this.deathsInARow += 1;
    const reason = this.lastError
      ? `${this.lastError.name}: ${this.lastError.message}`
      : `exited with code ${code}`;
    this.lastFailure = `${this.startedAt === undefined ? 'failed to start' : 'died'} (${reason})`;
    this.log.error(
      {
        exitCode: code,
        err: this.lastError,
        restartInMs: delayMs,
        deathsInARow: this.deathsInARow,
      },
      `pipeline worker thread ${this.lastFailure}: restarting it in ${delayMs} ms; ` +
        'the broker redelivers what it held unacknowledged',
    );
    this.options.onRestart();
    this.state = 'restarting';
    this.restartAt = Date.now() + delayMs;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state === 'restarting') this.start();
    }, delayMs);
  }

  private ask(
    what: 'readiness' | 'metrics',
  ): Promise<Extract<FromThread, { kind: 'answer' }> | undefined> {
    const worker = this.worker;
    if (!worker || this.state !== 'running') return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, ASK_TIMEOUT_MS);
      this.pending.set(id, { resolve, timer });
      worker.postMessage({ kind: 'ask', id, what } satisfies ToThread);
    });
  }

  storeWriteFailure(): string | undefined {
    return this.storeWrite.current();
  }

  async readiness(): Promise<ThreadReadiness> {
    const notReady = (detail: string): ThreadReadiness => ({ pipeline: { ok: false, detail } });
    switch (this.state) {
      case 'starting':
        return notReady(
          this.lastFailure
            ? `pipeline worker thread starting again after it ${this.lastFailure}`
            : 'pipeline worker thread starting',
        );
      case 'restarting':
        return notReady(
          `pipeline worker thread ${this.lastFailure}; restarting in ${Math.max(0, (this.restartAt ?? 0) - Date.now())} ms`,
        );
      case 'stopping':
      case 'stopped':
        return notReady('pipeline worker thread stopping (shutdown)');
      case 'running': {
        const answer = (await this.ask('readiness'))?.readiness;
        if (answer) {
          this.lastReadiness = { at: Date.now(), value: answer };
          return answer;
        }
        const last = this.lastReadiness;
        const ageMs = last ? Date.now() - last.at : undefined;
        if (last && ageMs !== undefined && ageMs <= READINESS_STALE_MS) {
          const { pipeline } = last.value;
          return {
            ...last.value,
            pipeline: {
              ...pipeline,
              detail: `${pipeline.detail} (as of ${ageMs} ms ago: the thread is busy)`,
            },
          };
        }
        return notReady(
          `pipeline worker thread did not answer within ${ASK_TIMEOUT_MS} ms` +
            (ageMs !== undefined ? `; its last answer is ${ageMs} ms old` : ''),
        );
      }
    }
  }

  async metrics(): Promise<MetricsJson | undefined> {
    return (await this.ask('metrics'))?.metrics;
  }

  /**
   * Graceful stop (SIGTERM/SIGINT): the thread cancels its consumer, lets in-flight deliveries
   * finish and be acknowledged, closes its publisher, connection and store, and exits. Resolves
   * with its exit code (0 = drained), or at once when it is not running.
   */
  async stop(): Promise<number> {
    const previous = this.state;
    this.state = 'stopping';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const worker = this.worker;
    if (!worker || previous === 'stopped') {
      this.state = 'stopped';
      return 0;
    }
    worker.postMessage({ kind: 'shutdown' } satisfies ToThread);
    const code = (await this.exited) ?? 0;
    this.state = 'stopped';
    if (code !== 0)
      this.log.error({ exitCode: code }, 'pipeline worker thread stopped with an error');
    return code;
  }
}
