import type { Kysely } from 'kysely';
import { CommitQueue } from './commit-queue';
import type { StoreDatabase } from './schema';
import type { StoreContext } from './store-context';
import type { WebhookEventInput } from './types';
import {
  claimFreeWebhookEvents,
  confirmWebhookEvents,
  type WebhookClaimRequest,
} from './webhook-events.repo';

/** Most writes one batch transaction takes; the rest wait for the next. */
export const WEBHOOK_WRITE_BATCH_MAX = 256;

/**
 * What a write is, where the batch can do it for many requests in one statement: a claim (its
 * common case, a free id) or a confirm. A write without one runs alone within the batch.
 */
type ConfirmInput = Pick<WebhookEventInput, 'connectorId' | 'sourceEventId' | 'eventId'>;

export type BulkWrite =
  { kind: 'claim'; request: WebhookClaimRequest } | { kind: 'confirm'; input: ConfirmInput };

interface Queued {
  run: (db: Kysely<StoreDatabase>) => Promise<unknown>;
  bulk?: BulkWrite;
}

/**
 * Group commit for the ingress's dedupe writes (issue 17): every webhook claims its source event id
 * before publishing and confirms the claim after the broker confirmed, two small writes per
 * request. Run alone, each is a transaction of its own (on SQLite a commit appending the same
 * table and index pages to the WAL again; on PostgreSQL a WAL flush). Here the writes that
 * concurrent requests submit while one batch is being written are queued, and the next batch
 * runs them in one transaction: the confirms in one statement per 32, the claims of free ids in
 * one statement per 32 (on PostgreSQL each statement is a round trip, so a batch of 50 requests
 * took about 100 of them one by one), then, one by one, each claim whose id was not free (it
 * finds the record and answers duplicate, retry or takeover) and any other write.
 *
 * Durability per request is unchanged: a write's promise settles only after the transaction that
 * holds it committed, so a claim is durable before its publish starts and a confirm before its
 * `202`. Errors stay per request: if the batch's transaction fails (one write throws, a busy
 * database, a failed commit), nothing of it was committed, and each of its writes is run again
 * on its own, settling with its own result or error.
 */
export class WebhookWriteBatcher {
  /** One batch transaction at a time, started on the next turn so concurrent requests join. */
  private readonly queue = new CommitQueue<Queued, unknown>((batch) => this.write(batch), {
    maxInFlight: 1,
    maxItems: WEBHOOK_WRITE_BATCH_MAX,
    startOnNextTurn: true,
    onFallback: () => this.stats.fallbacks++,
  });
  /** Transactions run, writes they held, multi-row passes over claims or confirms (tests, bench). */
  readonly stats = { batches: 0, writes: 0, fallbacks: 0, multiRowPasses: 0 };

  constructor(private readonly ctx: StoreContext) {}

  /**
   * Runs `write` (with the batch's transaction, or the database alone) in the next batch; with
   * `bulk`, the batch may do it in a multi-row statement instead, with the same outcome.
   */
  async submit<T>(write: (db: Kysely<StoreDatabase>) => Promise<T>, bulk?: BulkWrite): Promise<T> {
    const [result] = await this.queue.submit([{ run: write, bulk }]);
    return result as T;
  }

  /** Resolves once every write submitted so far has settled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** One write alone on the database, or a batch in one transaction; the result of each. */
  private async write(batch: Queued[]): Promise<unknown[]> {
    this.stats.batches++;
    this.stats.writes += batch.length;
    if (batch.length === 1) return [await batch[0].run(this.ctx.db)];
    return this.ctx.db.transaction().execute((trx) => this.writeIn(trx, batch));
  }

  /** The batch's writes in `trx`; the result of each, in the batch's order. */
  private async writeIn(trx: Kysely<StoreDatabase>, batch: Queued[]): Promise<unknown[]> {
    // A slot stays undefined until its write is done (a multi-row pass answers none undefined).
    const out = new Array<unknown>(batch.length);
    const confirms: { index: number; input: ConfirmInput }[] = [];
    const claims: { index: number; request: WebhookClaimRequest }[] = [];
    batch.forEach(({ bulk }, index) => {
      if (bulk?.kind === 'confirm') confirms.push({ index, input: bulk.input });
      else if (bulk?.kind === 'claim') claims.push({ index, request: bulk.request });
    });
    if (confirms.length > 1) {
      this.stats.multiRowPasses++;
      const owned = await confirmWebhookEvents(
        this.ctx,
        trx,
        confirms.map((c) => c.input),
      );
      confirms.forEach(({ index }, k) => (out[index] = owned[k]));
    }
    if (claims.length > 1) {
      this.stats.multiRowPasses++;
      const won = await claimFreeWebhookEvents(
        this.ctx,
        trx,
        claims.map((c) => c.request),
      );
      claims.forEach(({ index, request: { input } }, k) => {
        if (!won[k]) return;
        out[index] = {
          isNew: true,
          eventId: input.eventId,
          correlationId: input.correlationId,
          state: 'pending',
        };
      });
    }
    for (let i = 0; i < batch.length; i++) {
      if (out[i] === undefined) out[i] = await batch[i].run(trx);
    }
    return out;
  }
}
