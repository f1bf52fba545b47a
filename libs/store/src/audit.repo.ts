import type { Kysely } from 'kysely';
import { AuditChainVerifier, auditEntryHash } from './audit-chain';
import { AUDIT_GENESIS_HASH, AUDIT_VERIFY_BATCH } from './constants';
import type { StoreDatabase } from './schema';
import { iso } from './store-context';
import type { AuditEntry, AuditInput, AuditVerification } from './types';
import { canonicalJson } from './canonical-json';
import type { PreparedQueries } from './prepared';

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
 * Appends one entry; must run inside a transaction. Bumping the single head row first takes its
 * row lock on PostgreSQL, so concurrent appends (from any process) queue up and each one links to
 * the entry committed before it.
 */
export async function appendAuditIn(
  trx: Kysely<StoreDatabase>,
  input: AuditInput,
): Promise<AuditEntry> {
  const head = await trx
    .updateTable('audit_head')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', 1)
    .returning(['seq', 'hash'])
    .executeTakeFirstOrThrow();
  const unhashed = {
    seq: Number(head.seq),
    at: iso(input.at),
    actor: input.actor,
    action: input.action,
    exceptionId: input.exceptionId ?? null,
    details: canonicalJson(input.details ?? {}),
    prevHash: head.hash,
  };
  const entry: AuditEntry = { ...unhashed, hash: auditEntryHash(unhashed) };
  await trx
    .insertInto('audit_log')
    .values({
      seq: entry.seq,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      exception_id: entry.exceptionId,
      details: entry.details,
      prev_hash: entry.prevHash,
      hash: entry.hash,
    })
    .execute();
  await trx.updateTable('audit_head').set({ hash: entry.hash }).where('id', '=', 1).execute();
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
 */
export async function appendAuditBatchIn(
  trx: Kysely<StoreDatabase>,
  inputs: ReadonlyArray<AuditInput>,
  prepared: PreparedQueries,
): Promise<AuditEntry[]> {
  if (inputs.length === 0) return [];
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
  for (let i = 0; i < entries.length; i += AUDIT_INSERT_CHUNK) {
    const chunk = entries.slice(i, i + AUDIT_INSERT_CHUNK);
    const values = chunk.flatMap((e) => [
      e.seq,
      e.at,
      e.actor,
      e.action,
      e.exceptionId,
      e.details,
      e.prevHash,
      e.hash,
    ]);
    const insert = prepared.bind(
      `audit_log.insert:${chunk.length}`,
      (v) =>
        trx
          .insertInto('audit_log')
          .values(
            chunk.map((_, r) =>
              Object.fromEntries(AUDIT_COLUMNS.map((c, j) => [c, v(r * AUDIT_COLUMNS.length + j)])),
            ) as never,
          ),
      values,
    );
    await trx.executeQuery(insert);
  }
  const setHash = prepared.bind(
    'audit.set-hash',
    (v) =>
      trx
        .updateTable('audit_head')
        .set({ hash: v(0) })
        .where('id', '=', v(1)),
    [prevHash, 1],
  );
  await trx.executeQuery(setHash);
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
