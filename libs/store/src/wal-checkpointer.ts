import { Worker } from 'node:worker_threads';

/*
 * WAL checkpoints off the event loop (issue 17, the p99 at 200 events/s).
 *
 * SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages: that
 * commit copies the pages into the database file and fsyncs the WAL and the database file, all
 * on the calling thread. node:sqlite is synchronous, so in the hub that is the event loop: with
 * the ingress's dedupe claims and the worker's transactions, a checkpoint came about once a
 * second at 200 events/s (three fsyncs each, 10–50 ms on a quiet disk, and as long as the disk
 * makes an fsync wait when it is busy), and every request and delivery in flight waited for it.
 *
 * Here the connection the hub writes with never checkpoints (`wal_autocheckpoint = 0`); a worker
 * thread with its own connection to the same file runs a PASSIVE checkpoint every `intervalMs`.
 * PASSIVE takes no lock a writer waits for (SQLite: "checkpoint as many frames as possible
 * without waiting for any database readers or writers"), so the event loop never waits for it.
 * Durability is unchanged: a transaction is durable once its commit is in the WAL, whoever
 * copies it into the database file later (synchronous = NORMAL: it survives a crash of the
 * process; a power loss may lose the last commits, as before).
 *
 * A PASSIVE checkpoint cannot restart the WAL while writes keep coming (the next writer starts
 * it over only if every frame was copied). When one catches up, the writer that starts the WAL
 * over also trims the file to `truncateAboveBytes` (the store's connection sets
 * `journal_size_limit` to it). The thread itself runs a TRUNCATE, which brings the file back to
 * zero bytes, only when the file is past that size and nobody wrote since its last tick, or
 * when writes that never pause have grown it past `FORCE_TRUNCATE_FACTOR` × that size. A
 * TRUNCATE holds the hub's writers while it syncs and truncates: run after every PASSIVE that
 * caught up, the hub's `begin immediate` stalled 30–105 ms about once a second while the worker
 * drained a backlog (its busy handler sleeps in steps of 25–100 ms). The thread's connection has
 * no busy timeout: a TRUNCATE that cannot take the write lock at once is tried at the next tick.
 *
 * If the thread fails (it cannot open the file, or it exits), the connection goes back to
 * SQLite's automatic checkpoint (`wal_autocheckpoint = 1000`, the default) and `failure` says why:
 * the WAL is never left to grow without a checkpoint.
 */

/** How often the thread checkpoints, by default: about half of what the default 1,000 pages took at 200 events/s. */
export const WAL_CHECKPOINT_INTERVAL_MS = 500;
/**
 * The WAL file's size limit: the writer that starts the WAL over trims it to this
 * (journal_size_limit); the thread truncates a file past it when nobody wrote since its last tick.
 */
export const WAL_TRUNCATE_ABOVE_BYTES = 32 * 1024 * 1024;
/**
 * Past this many times `truncateAboveBytes`, the thread truncates even while writes keep coming
 * (holding them while it copies what is left); below it, only once a PASSIVE caught up.
 */
export const FORCE_TRUNCATE_FACTOR = 4;
/** SQLite's own default `wal_autocheckpoint`, restored when the thread fails. */
export const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointerOptions {
  intervalMs?: number;
  truncateAboveBytes?: number;
}

/** What the thread did, for tests and diagnostics. */
export interface WalCheckpointStats {
  /** Checkpoints run (PASSIVE and TRUNCATE). */
  runs: number;
  /** Of which TRUNCATE (the WAL file had grown past `truncateAboveBytes`). */
  truncates: number;
  /** Checkpoints that could not finish (SQLITE_BUSY: another checkpoint, a writer or a reader). */
  busy: number;
  /** Frames in the WAL and frames checkpointed, as the last checkpoint reported them. */
  lastLogFrames: number;
  lastCheckpointedFrames: number;
}

type FromThread =
  | { kind: 'stats'; id: number; stats: WalCheckpointStats }
  | { kind: 'error'; message: string }
  | { kind: 'warning'; message: string };

/*
 * The thread's code, evaluated as CommonJS in the worker (no separate file to find in dist/ or
 * under ts-jest). It only reads the file's size and runs checkpoint pragmas.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { statSync } = require('node:fs');
const { path, intervalMs, truncateAboveBytes } = workerData;
const stats = { runs: 0, truncates: 0, busy: 0, lastLogFrames: 0, lastCheckpointedFrames: 0 };
// Ends the thread after telling why: no timer, a closed port, nothing left to run.
function fail(message) {
  parentPort.postMessage({ kind: 'error', message });
  parentPort.close();
}
function main() {
  let db;
  try {
    db = new DatabaseSync(path, { timeout: 0 });
    db.exec('PRAGMA wal_autocheckpoint = 0');
  } catch (err) {
    return fail('cannot open the store for checkpoints: ' + err.message);
  }
  const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const truncate = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');
  const walBytes = () => {
    try { return statSync(path + '-wal').size; } catch { return 0; }
  };
  let lastLog = -1;
  const run = () => {
    const bytes = walBytes();
    let row = passive.get();
    // A TRUNCATE holds the hub's writers while it syncs the database file and truncates the WAL
    // (tens of ms on a busy disk, and their busy handler sleeps in steps of 25-100 ms). While
    // they write, the writer that starts the WAL over trims the file itself (journal_size_limit);
    // the thread truncates only a WAL nobody wrote to since the last tick, or one past
    // ${FORCE_TRUNCATE_FACTOR}× the threshold (writes that never let a PASSIVE catch up).
    const idle = row.busy === 0 && row.log === row.checkpointed && row.log === lastLog;
    lastLog = row.log;
    const truncating =
      bytes > truncateAboveBytes && (idle || bytes > truncateAboveBytes * ${FORCE_TRUNCATE_FACTOR});
    if (truncating) {
      row = truncate.get();
      lastLog = row.log;
    }
    stats.runs += 1;
    if (truncating) stats.truncates += 1;
    if (row.busy) stats.busy += 1;
    stats.lastLogFrames = row.log;
    stats.lastCheckpointedFrames = row.checkpointed;
  };
  // A connection that will not close is reported, not hidden: the thread ends either way.
  const stop = () => {
    clearInterval(timer);
    try { db.close(); } catch (err) {
      parentPort.postMessage({ kind: 'warning', message: 'closing its connection failed: ' + err.message });
    }
  };
  const timer = setInterval(() => {
    try { run(); } catch (err) {
      stop();
      fail('checkpoint failed: ' + err.message);
    }
  }, intervalMs);
  parentPort.on('message', (m) => {
    if (m.kind === 'stop') {
      stop();
      parentPort.close();
      return;
    }
    if (m.kind === 'checkpoint') {
      try { run(); } catch (err) {
        stop();
        return fail('checkpoint failed: ' + err.message);
      }
    }
    parentPort.postMessage({ kind: 'stats', id: m.id, stats: { ...stats } });
  });
}
main();
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped = false;
  private readonly exited: Promise<void>;
  private nextId = 0;
  private readonly waiting = new Map<number, (s: WalCheckpointStats) => void>();
  /** Why the thread stopped checkpointing, once it did (then SQLite's automatic checkpoint is back). */
  failure?: string;

  /**
   * Starts the thread. `onFailure` runs once if the thread fails, so the connection can go back
   * to checkpointing itself.
   */
  constructor(
    path: string,
    options: WalCheckpointerOptions,
    private readonly onFailure: (reason: string) => void,
  ) {
    this.worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        path,
        intervalMs: options.intervalMs ?? WAL_CHECKPOINT_INTERVAL_MS,
        truncateAboveBytes: options.truncateAboveBytes ?? WAL_TRUNCATE_ABOVE_BYTES,
      },
      // Its own heap stays small: it holds a connection and a few statements.
      resourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    // The thread never keeps the process alive: closing the store, or the process ending, stops it.
    this.worker.unref();
    this.worker.on('message', (m: FromThread) => {
      if (m.kind === 'stats') {
        this.waiting.get(m.id)?.(m.stats);
        this.waiting.delete(m.id);
      } else if (m.kind === 'error') {
        this.fail(m.message);
      } else {
        process.emitWarning(`SQLite store ${path}: the checkpoint thread: ${m.message}`, {
          type: 'ExhubStoreWarning',
        });
      }
    });
    this.worker.on('error', (err) => this.fail(`the checkpoint thread failed: ${err.message}`));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('exit', (code) => {
      if (!this.stopped) this.fail(`the checkpoint thread exited (code ${code})`);
      for (const resolve of this.waiting.values()) resolve(emptyStats());
      this.waiting.clear();
    });
  }

  /** What the thread did so far. */
  stats(): Promise<WalCheckpointStats> {
    return this.ask('stats');
  }

  /** Runs one checkpoint now (tests; the timer does it otherwise). */
  checkpointNow(): Promise<WalCheckpointStats> {
    return this.ask('checkpoint');
  }

  /** Stops the thread; resolves once it closed its connection and ended. Idempotent. */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      // Held open until the thread is gone: an awaited close() must not let the process end
      // (an empty event loop) half-way, with the caller's next step never run.
      this.worker.ref();
      this.worker.postMessage({ kind: 'stop' });
    }
    return this.exited;
  }

  private ask(kind: 'stats' | 'checkpoint'): Promise<WalCheckpointStats> {
    if (this.stopped || this.failure) return Promise.resolve(emptyStats());
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ kind, id });
    });
  }

  private fail(reason: string): void {
    if (this.failure || this.stopped) return;
    this.failure = reason;
    this.onFailure(reason);
  }
}

function emptyStats(): WalCheckpointStats {
  return { runs: 0, truncates: 0, busy: 0, lastLogFrames: 0, lastCheckpointedFrames: 0 };
}
