import type { Kysely } from 'kysely';
import type { StoreDatabase } from './schema';

/** Most writes one batch transaction takes; the rest wait for the next. */
export const WEBHOOK_WRITE_BATCH_MAX = 256;

interface Queued {
  run: (db: Kysely<StoreDatabase>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the ingress's dedupe writes (issue 17): every webhook claims its source event id
 * before publishing and confirms the claim after the broker confirmed, two small writes per
 * request. Run alone, each is a transaction of its own (on SQLite a commit appending the same
 * table and index pages to the WAL again; on PostgreSQL a WAL flush). Here the writes that
 * concurrent requests submit while one batch is being written are queued, and the next batch
 * runs them in order in one transaction.
 *
 * Durability per request is unchanged: a write's promise settles only after the transaction that
 * holds it committed, so a claim is durable before its publish starts and a confirm before its
 * `202`. Errors stay per request: if the batch's transaction fails (one write throws, a busy
 * database, a failed commit), nothing of it was committed, and each of its writes is run again
 * on its own, settling with its own result or error.
 */
export class WebhookWriteBatcher {
  private queue: Queued[] = [];
  private running?: Promise<void>;
  /** Transactions run and writes they held (for tests and the bench). */
  readonly stats = { batches: 0, writes: 0, fallbacks: 0 };

  constructor(private readonly db: Kysely<StoreDatabase>) {}

  /** Runs `write` (with the batch's transaction, or the database alone) in the next batch. */
  submit<T>(write: (db: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        run: write,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      // Start on the next turn of the loop, so the requests read in this I/O phase join.
      this.running ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  /** Resolves once every write submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, WEBHOOK_WRITE_BATCH_MAX);
        await this.write(batch);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async write(batch: Queued[]): Promise<void> {
    this.stats.batches++;
    this.stats.writes += batch.length;
    if (batch.length === 1) {
      await settle(batch[0], this.db);
      return;
    }
    let results: unknown[];
    try {
      results = await this.db.transaction().execute(async (trx) => {
        const out: unknown[] = [];
        for (const item of batch) out.push(await item.run(trx));
        return out;
      });
    } catch {
      // Rolled back as a whole: each write again on its own, with its own outcome.
      this.stats.fallbacks++;
      for (const item of batch) await settle(item, this.db);
      return;
    }
    batch.forEach((item, i) => item.resolve(results[i]));
  }
}

async function settle(item: Queued, db: Kysely<StoreDatabase>): Promise<void> {
  try {
    item.resolve(await item.run(db));
  } catch (err) {
    item.reject(err);
  }
}
