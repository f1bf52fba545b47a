/*
 * The write gate: one writer at a time among the threads of a process that share a SQLite file,
 * queued in the process instead of in SQLite's busy handler (issue 17, the p99 at 200 events/s).
 *
 * The hub writes one SQLite file from two threads: the HTTP thread (the ingress's dedupe claims
 * and confirms) and the pipeline worker thread (its group commits). SQLite lets one connection
 * write at a time; the other's `begin immediate` meets SQLITE_BUSY and SQLite's busy handler
 * sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries, on the thread that asked: node:sqlite is
 * synchronous, so that thread's event loop stops for the whole wait. Measured in a paced pass at
 * 200 webhooks/s: 26–36 such waits of 3–18 ms on the HTTP thread in 10 s (the sleeps' steps, 8.5 ms
 * being 1 + 2 + 5), while the other thread's transaction took 2–5 ms.
 *
 * Here a connection takes the gate before `begin immediate` (and before a write outside a
 * transaction) and gives it back after `commit` or `rollback`. Waiting for it is asynchronous
 * (`Atomics.waitAsync`): the event loop goes on with other work, and the waiter is woken the
 * moment the holder gives the gate back. It is a ticket lock (first come, first served), so a
 * thread that writes back to back cannot keep the other one out.
 *
 * The gate is advice, not the lock: SQLite's own lock and busy timeout still guard the file (and
 * other processes on it, which do not share this gate). So a thread that dies holding the gate,
 * or a turn whose thread died before it came, cannot block the others: a waiter that sees no turn
 * pass for `stallMs` skips that turn and goes on to SQLite's own waiting, as before the gate.
 */

/**
 * Turn number of the next caller (cell 0), of the caller being served (cell 1), and how many
 * callers are waiting (cell 2: a release with nobody waiting skips `Atomics.notify`, which takes
 * a process-wide lock in V8).
 */
const NEXT = 0;
const SERVING = 1;
const WAITERS = 2;
const CELLS = 3;

/**
 * How long a waiter lets one turn last before it skips it (its thread died, or a transaction is
 * that long): SQLite's own lock and busy timeout take over from there.
 */
export const WRITE_GATE_STALL_MS = 1000;

/** What the gate did, for tests and the bench. */
export interface WriteGateStats {
  /** Turns taken. */
  turns: number;
  /** Of which had to wait for another holder. */
  waited: number;
  /** Milliseconds spent waiting, in all. */
  waitedMs: number;
  /** Turns skipped because no turn passed for `stallMs`. */
  skipped: number;
}

/** A turn at the gate; give it back with `release` exactly once. */
export interface WriteTurn {
  release(): void;
}

export class WriteGate {
  private readonly cells: Int32Array;
  readonly stats: WriteGateStats = { turns: 0, waited: 0, waitedMs: 0, skipped: 0 };
  /** Told of each turn this caller waited for (ms), and of each turn it skipped (metrics). */
  onWaited?: (ms: number) => void;
  onSkipped?: () => void;

  /** `buffer`: another thread's gate (`gate.buffer`), to share it; a new gate without one. */
  constructor(
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(
      CELLS * Int32Array.BYTES_PER_ELEMENT,
    ),
    private readonly stallMs: number = WRITE_GATE_STALL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.cells = new Int32Array(buffer);
  }

  /** Waits (without blocking the event loop) for this caller's turn. */
  async acquire(): Promise<WriteTurn> {
    const ticket = Atomics.add(this.cells, NEXT, 1);
    this.stats.turns += 1;
    let serving = Atomics.load(this.cells, SERVING);
    if (serving !== ticket) {
      const began = this.now();
      this.stats.waited += 1;
      let since = began;
      while (serving !== ticket) {
        const left = this.stallMs - (this.now() - since);
        if (left <= 0) {
          // No turn passed for stallMs: skip the one being served (nobody will give it back, or
          // SQLite will make us wait for it anyway).
          if (Atomics.compareExchange(this.cells, SERVING, serving, serving + 1) === serving) {
            this.stats.skipped += 1;
            this.onSkipped?.();
            this.wake();
          }
        } else {
          // Counted before the value is compared: a release that moved SERVING on before this
          // either sees the count and notifies, or makes waitAsync return "not-equal" at once.
          Atomics.add(this.cells, WAITERS, 1);
          try {
            const waiting = Atomics.waitAsync(this.cells, SERVING, serving, left);
            if (waiting.async) await waiting.value;
          } finally {
            Atomics.sub(this.cells, WAITERS, 1);
          }
        }
        const next = Atomics.load(this.cells, SERVING);
        if (next !== serving) since = this.now();
        serving = next;
      }
      const waitedMs = this.now() - began;
      this.stats.waitedMs += waitedMs;
      this.onWaited?.(waitedMs);
    }
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        // Only this turn is given back: if a waiter skipped it meanwhile, nothing changes.
        if (Atomics.compareExchange(this.cells, SERVING, ticket, ticket + 1) === ticket) {
          this.wake();
        }
      },
    };
  }

  /** Wakes every waiter (each one checks whether it is served now). */
  private wake(): void {
    if (Atomics.load(this.cells, WAITERS) > 0) Atomics.notify(this.cells, SERVING);
  }
}
