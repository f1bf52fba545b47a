import type { Kysely } from 'kysely';
import { AuditChainVerifier, auditEntryHash } from './audit-chain';
import { AUDIT_GENESIS_HASH, AUDIT_VERIFY_BATCH } from './constants';
import type { StoreDatabase } from './schema';
import { iso } from './store-context';
import type { AuditEntry, AuditInput, AuditVerification } from './types';
import { canonicalJson } from './canonical-json';
import type { ValueOf } from './prepared';
import type { AuditTurn } from './audit-head-queue';
import type { StoreContext } from './store-context';

type Row = StoreDatabase['audit_log'];

const toEntry = (r: Row): AuditEntry => ({
  seq: Number(r.seq),
  at: r.at,
  actor: r.actor,
  action: r.action,
  exceptionId: r.exception_id,
  details: r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * What appending needs besides the transaction: the compiled statements, which database, and on
 * PostgreSQL the process's queue for the head with this transaction's turn in it (given by
 * `auditedTransaction`; without a turn the append does not queue in the process).
 */
export type AuditAppendContext = Pick<StoreContext, 'prepared' | 'kind' | 'auditHead'> & {
  turn?: AuditTurn;
};

/**
 * Runs `fn` in one transaction in which audit entries may be appended (with `audited`): an
 * append waits for the transaction's turn in the process's queue for the audit head first
 * (audit-head-queue.ts), and the turn is given back once the transaction has ended, committed or
 * rolled back.
 */
export async function auditedTransaction<T>(
  ctx: StoreContext,
  fn: (trx: Kysely<StoreDatabase>, audited: AuditAppendContext) => Promise<T>,
): Promise<T> {
  const turn: AuditTurn = {};
  try {
    return await ctx.db.transaction().execute((trx) => fn(trx, { ...ctx, turn }));
  } finally {
    turn.release?.();
  }
}

/**
 * Appends one entry; must run inside a transaction. The same steps as a batch of one
 * (`appendAuditBatchIn`): bumping the single head row first takes its row lock on PostgreSQL, so
 * concurrent appends (from any process) queue up and each one links to the entry committed before
 * it.
 */
export async function appendAuditIn(
  trx: Kysely<StoreDatabase>,
  input: AuditInput,
  ctx: AuditAppendContext,
): Promise<AuditEntry> {
  const [entry] = await appendAuditBatchIn(trx, [input], ctx);
  return entry;
}

/** Rows per INSERT when a batch of entries is appended (well under SQLite's bound parameters). */
const AUDIT_INSERT_CHUNK = 32;

const AUDIT_COLUMNS = [
  'seq',
  'at',
  'actor',
  'action',
  'exception_id',
  'details',
  'prev_hash',
  'hash',
] as const;

/**
 * Appends many entries in the order given, as one step of the chain: the head row is bumped once
 * by their number (one row lock on PostgreSQL for the whole batch), each entry links to the one
 * before it exactly as `appendAuditIn` would link them one by one, and the head's hash is set
 * once. Must run inside a transaction; `verifyAuditChain` cannot tell the two apart. Its
 * statements are compiled once per shape (prepared.ts): this is the worker's group commit.
 *
 * The head's row lock is held from the bump to the commit, and every writer of any process waits
 * for it: each statement in between is a round trip to a Node process that may be busy. So on
 * PostgreSQL the head's new hash is set by the same statement that inserts the (last) entries, a
 * data-modifying WITH: bump, insert, commit. SQLite has no such WITH, and needs none: its writers
 * queue for the whole transaction anyway (`begin immediate`).
 */
export async function appendAuditBatchIn(
  trx: Kysely<StoreDatabase>,
  inputs: ReadonlyArray<AuditInput>,
  { prepared, kind, auditHead, turn }: AuditAppendContext,
): Promise<AuditEntry[]> {
  if (inputs.length === 0) return [];
  // This transaction's turn for the head's row lock (once per transaction, however many appends).
  if (auditHead && turn && !turn.release) turn.release = await auditHead.enter();
  const bump = prepared.bind(
    'audit.bump',
    (v) =>
      trx
        .updateTable('audit_head')
        .set((eb) => ({ seq: eb('seq', '+', v(0)) }))
        .where('id', '=', v(1))
        .returning(['seq', 'hash']),
    [inputs.length, 1],
  );
  const [head] = (await trx.executeQuery(bump)).rows;
  if (!head) throw new Error('audit: the audit_head row is missing');
  let seq = Number(head.seq) - inputs.length;
  let prevHash = head.hash;
  const entries = inputs.map((input): AuditEntry => {
    seq += 1;
    const unhashed = {
      seq,
      at: iso(input.at),
      actor: input.actor,
      action: input.action,
      exceptionId: input.exceptionId ?? null,
      details: canonicalJson(input.details ?? {}),
      prevHash,
    };
    const entry: AuditEntry = { ...unhashed, hash: auditEntryHash(unhashed) };
    prevHash = entry.hash;
    return entry;
  });
  const headHash = prevHash;
  const setHeadInInsert = kind === 'postgres';
  for (let i = 0; i < entries.length; i += AUDIT_INSERT_CHUNK) {
    const chunk = entries.slice(i, i + AUDIT_INSERT_CHUNK);
    const values: unknown[] = chunk.flatMap((e) => [
      e.seq,
      e.at,
      e.actor,
      e.action,
      e.exceptionId,
      e.details,
      e.prevHash,
      e.hash,
    ]);
    const rows = (v: ValueOf) =>
      chunk.map((_, r) =>
        Object.fromEntries(AUDIT_COLUMNS.map((c, j) => [c, v(r * AUDIT_COLUMNS.length + j)])),
      ) as never;
    const last = i + AUDIT_INSERT_CHUNK >= entries.length;
    const insert =
      setHeadInInsert && last
        ? prepared.bind(
            `audit_log.insert+head:${chunk.length}`,
            (v) =>
              trx
                .with('head', (db) =>
                  db
                    .updateTable('audit_head')
                    .set({ hash: v(values.length) })
                    .where('id', '=', v(values.length + 1)),
                )
                .insertInto('audit_log')
                .values(rows(v)),
            [...values, headHash, 1],
          )
        : prepared.bind(
            `audit_log.insert:${chunk.length}`,
            (v) => trx.insertInto('audit_log').values(rows(v)),
            values,
          );
    await trx.executeQuery(insert);
  }
  if (!setHeadInInsert) {
    const setHash = prepared.bind(
      'audit.set-hash',
      (v) =>
        trx
          .updateTable('audit_head')
          .set({ hash: v(0) })
          .where('id', '=', v(1)),
      [headHash, 1],
    );
    await trx.executeQuery(setHash);
  }
  return entries;
}

export async function auditTrail(
  db: Kysely<StoreDatabase>,
  filter: { exceptionId?: string; afterSeq?: number; limit?: number },
): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().orderBy('seq', 'asc');
  if (filter.exceptionId !== undefined) q = q.where('exception_id', '=', filter.exceptionId);
  if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  return (await q.execute()).map(toEntry);
}

/**
 * Walks the whole trail in sequence order, in bounded batches, up to the head as it was when the
 * walk began (entries appended meanwhile are left for the next run).
 */
export async function verifyAuditChain(db: Kysely<StoreDatabase>): Promise<AuditVerification> {
  const head = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  const headSeq = Number(head.seq);
  const verifier = new AuditChainVerifier(AUDIT_GENESIS_HASH);
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .where('seq', '<=', headSeq)
      .orderBy('seq', 'asc')
      .limit(AUDIT_VERIFY_BATCH)
      .execute();
    if (rows.length === 0) break;
    const broken = verifier.check(rows.map(toEntry));
    if (broken) return broken;
    after = Number(rows[rows.length - 1].seq);
  }
  return verifier.finish({ seq: headSeq, hash: head.hash });
}
