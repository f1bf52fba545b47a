/**
 * The audit head's row lock, queued in the process first (PostgreSQL).
 *
 * Every transaction that appends to the audit chain bumps the single `audit_head` row and so holds
 * its row lock until it commits; every other writer, of this process or another, waits for it. A
 * hub's worker runs many write transactions at once (one per micro-batch in flight, as many as
 * the pool has connections), so without a queue of its own each of them waits inside PostgreSQL:
 * the bench's scale-out pass sampled 6 backends of one hub, and 15 of two, waiting on that lock,
 * and PostgreSQL's CPU per event doubled from one hub to two. Here at most `permits` transactions
 * of a process are past this point at once (by default two: the one holding the lock and the next,
 * already queued in PostgreSQL so that the hand-over needs no round trip to Node); the rest wait
 * in this queue, which costs nothing, and their turn passes on when a transaction has ended,
 * committed or rolled back. Order: first come, first served.
 *
 * No deadlock: a transaction takes its turn right before the bump, and after the bump it only
 * inserts audit entries (keys nobody else holds) and commits; so a transaction holding a turn
 * never waits for one that is queued here. SQLite needs none of this (`begin immediate` queues
 * whole write transactions).
 */
export class AuditHeadQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly permits = AUDIT_HEAD_PERMITS) {
    if (!(permits >= 1))
      throw new Error(`AuditHeadQueue: permits must be at least 1, not ${permits}`);
  }

  /** Resolves on this caller's turn with the function that gives it back (idempotent). */
  async enter(): Promise<() => void> {
    if (this.active < this.permits) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The turn goes straight to the next in line (active stays the same), or back to the pool.
      if (next) next();
      else this.active--;
    };
  }

  /** Transactions past the queue now, and waiting in it (for tests and diagnosis). */
  get state(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}

/** Transactions of one process past the queue at once: the lock's holder and the next in line. */
export const AUDIT_HEAD_PERMITS = 2;

/** One transaction's turn in the queue: taken before its first bump, given back when it ended. */
export interface AuditTurn {
  release?: () => void;
}
