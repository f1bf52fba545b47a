import { writeTogether, type WritePart } from './write-together';

/**
 * At most `maxInFlight` store transactions at a time for callers that each bring some items, and
 * the submissions that queue up meanwhile go together into the next (issue 17).
 *
 * Used by the pipeline worker for its group commits (one per consumer micro-batch: run side by
 * side, each took a pooled connection and a transaction of its own; on SQLite they waited for one
 * another anyway, one writer, and on PostgreSQL they all met at the audit chain's head row) and by
 * the ingress for its dedupe claims and confirms (webhook-writes.ts). The next write takes the
 * waiting submissions (up to `maxItems` items) in one transaction, in the order they arrived. A
 * queue that is empty adds no wait unless `startOnNextTurn` asks for one turn of the event loop.
 *
 * Errors stay per submission: if a merged write fails, nothing of it was committed, and each
 * submission is written again on its own and settles with its own result or error
 * (write-together.ts).
 */
export interface CommitQueueOptions {
  /** Writes running at once (1: one transaction at a time). */
  maxInFlight: number;
  /** Most items one merged write takes; a single submission larger than this is written alone. */
  maxItems: number;
  /** Told after each merged write of more than one submission committed. */
  onMerged?(submissions: number, items: number): void;
  /** Told when a merged write failed and each submission is written on its own. */
  onFallback?(error: unknown, submissions: number): void;
  /**
   * Start a write on the next turn of the event loop instead of at once, so that the
   * submissions made in the same I/O phase (the requests read together) share it.
   */
  startOnNextTurn?: boolean;
}

export class CommitQueue<T, R> {
  private readonly queue: WritePart<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Settles when nothing is queued or being written (see idle()). */
  private drained?: { promise: Promise<void>; resolve: () => void };

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: CommitQueueOptions,
  ) {
    if (!(options.maxInFlight >= 1) || !(options.maxItems >= 1)) {
      throw new Error(
        `CommitQueue: maxInFlight and maxItems must be at least 1 (got ${options.maxInFlight}, ${options.maxItems})`,
      );
    }
  }

  /** Writes `items` in the next transaction; resolves with their results once it committed. */
  submit(items: T[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.options.startOnNextTurn) this.pump();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Resolves once every submission made so far has settled. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    if (!this.drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  /** Submissions waiting for a write (tests and diagnosis). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.queue.length === 0 && this.inFlight === 0 && this.drained) {
      this.drained.resolve();
      this.drained = undefined;
    }
  }

  /** The oldest submissions whose items fit in one write (at least one). */
  private take(): WritePart<T, R>[] {
    let items = this.queue[0].items.length;
    let n = 1;
    while (n < this.queue.length && items + this.queue[n].items.length <= this.options.maxItems) {
      items += this.queue[n].items.length;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private run(batch: WritePart<T, R>[]): Promise<void> {
    return writeTogether(this.write, batch, {
      onTogether: this.options.onMerged,
      onFallback: this.options.onFallback,
    });
  }
}
