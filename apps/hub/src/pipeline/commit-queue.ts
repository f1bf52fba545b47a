import { writeTogether, type WritePart } from './write-together';

/**
 * One store transaction at a time for the worker's group commits, and the ones that queue up
 * meanwhile go together into the next (issue 17).
 *
 * Each consumer micro-batch has its group commit (group-commit.ts), and under load several are
 * ready at once. Run side by side, each took a pooled connection and a transaction of its own:
 * on SQLite they wait for one another anyway (one writer), and on PostgreSQL they all meet at the
 * audit chain's head row. The scale-out bench saw batches of 7–9 deliveries and up to 14 of two
 * hubs' 20 connections idle in a transaction, waiting their turn. Here at most `maxInFlight`
 * writes run at once; the batches that arrive meanwhile wait, and the next write takes all of
 * them (up to `maxItems` exceptions) in one transaction, in the order they arrived. A queue that
 * is empty adds no wait: the first write starts at once.
 *
 * Errors stay per batch: if a merged write fails, nothing of it was committed, and each batch is
 * written again on its own and settles with its own result or error (its group commit then falls
 * back to one transaction per delivery, as before).
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
}

export class CommitQueue<T, R> {
  private readonly queue: WritePart<T, R>[] = [];
  private inFlight = 0;

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
      this.pump();
    });
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

/** Group-commit transactions of one worker at once (see CommitQueue). */
export const COMMITS_IN_FLIGHT = 1;
/** Most exceptions one merged transaction stores (the store writes them 32 rows per statement). */
export const COMMIT_MAX_EXCEPTIONS = 256;
