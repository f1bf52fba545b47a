import { writeTogether, type WritePart } from '@exhub/store';

/**
 * Group commit for the worker's micro-batches (issue 17): every delivery of a batch runs its own
 * stages up to `persist`, then waits here; once each delivery of the batch has either arrived or
 * left (failed earlier, or had nothing to store), the exceptions of all that arrived are written
 * in ONE store transaction, in the batch's order, and each delivery goes on to publish its own.
 * The first to arrive waits at most `maxWaitMs` for the others; a delivery later than that is
 * written on its own.
 *
 * If the batch transaction fails, each delivery is written again on its own (its own
 * transaction), so one bad row fails only its own delivery: that one is retried or dead-lettered
 * by the error policy, the others go on. Nothing is acknowledged before its write committed.
 */

/** Writes the items in one transaction; results in the same order. */
export type BatchWriter<T, R> = (items: T[]) => Promise<R[]>;

export interface GroupCommitMember<T, R> {
  /** This delivery's items; resolves with their results once the batch (or its own write) committed. */
  persist(items: T[]): Promise<R[]>;
  /** This delivery stores nothing (failed before persist, or nothing to store). Idempotent. */
  leave(): void;
}

export interface GroupCommitOptions<T, R> {
  /** The batch transaction; also used for one delivery on its own (the fallback). */
  write: BatchWriter<T, R>;
  /** Told when the batch transaction failed and each delivery is written on its own. */
  onFallback?(error: unknown, deliveries: number): void;
  /** Told after each batch transaction that committed (deliveries, items). */
  onCommit?(deliveries: number, items: number): void;
  /**
   * Longest the first delivery to arrive waits for the rest of its batch (default
   * GROUP_COMMIT_MAX_WAIT_MS): then those that arrived are written, and each later one is written
   * on its own, so one slow delivery (a slow lookup in `enrich`) cannot hold up the others' acks.
   */
  maxWaitMs?: number;
}

export const GROUP_COMMIT_MAX_WAIT_MS = 100;

/** Group-commit transactions of one worker at once (the store's CommitQueue). */
export const COMMITS_IN_FLIGHT = 1;
/** Most exceptions one merged transaction stores (the store writes them 32 rows per statement). */
export const COMMIT_MAX_EXCEPTIONS = 256;

export class GroupCommit<T, R> {
  /** Slots in the batch's order; undefined until the member arrives, null once it left. */
  private readonly slots: (WritePart<T, R> | null | undefined)[] = [];
  private settled = 0;
  private flushed = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  /** A member per delivery, in the batch's order; join every member before any persists. */
  join(): GroupCommitMember<T, R> {
    const index = this.slots.length;
    this.slots.push(undefined);
    let done = false;
    return {
      persist: (items) => {
        if (done) return Promise.reject(new Error('group commit: this delivery already persisted'));
        done = true;
        // Late for its batch (the others were written after maxWaitMs): written on its own.
        if (this.flushed) return this.options.write(items);
        return new Promise<R[]>((resolve, reject) => {
          this.slots[index] = { items, resolve, reject };
          this.arrived();
        });
      },
      leave: () => {
        if (done) return;
        done = true;
        this.slots[index] = null;
        this.arrived();
      },
    };
  }

  private arrived(): void {
    this.settled += 1;
    if (this.flushed) return;
    if (this.settled === this.slots.length) {
      this.flushNow();
    } else if (!this.timer && this.slots.some((s) => !!s)) {
      this.timer = setTimeout(
        () => this.flushNow(),
        this.options.maxWaitMs ?? GROUP_COMMIT_MAX_WAIT_MS,
      );
      this.timer.unref();
    }
  }

  private flushNow(): void {
    if (this.flushed) return;
    this.flushed = true;
    clearTimeout(this.timer);
    void this.flush();
  }

  private flush(): Promise<void> {
    const arrivals = this.slots.filter((s): s is WritePart<T, R> => !!s);
    return writeTogether(this.options.write, arrivals, {
      onTogether: this.options.onCommit,
      onFallback: this.options.onFallback,
    });
  }
}
