import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { CanonicalException, Status } from '@exhub/canonical';
import { appendAuditBatchIn, appendAuditIn, auditedTransaction } from './audit.repo';
import { DEFAULT_PAGE_SIZE, MAX_FIND_OPEN, MAX_PAGE_SIZE } from './constants';
import { DEGRADED_KEY, DUE_KEY, exceptionKeysOf, linkKeysOf } from './exception-keys';
import { chunked } from './chunked';
import { exceptionContentHash } from './content-hash';
import { StoreInputError, StoreNotFoundError } from './errors';
import {
  isClosed,
  outcomeOfDecision,
  statusAfterDecision,
  statusAfterOutcome,
  statusAfterSource,
} from './lifecycle';
import type { StoreDatabase } from './schema';
import { iso, type StoreContext } from './store-context';
import { HOLDER_ROWS_PER_KEY, KEYS_PER_STATEMENT, keyId, readKeyHolders } from './key-probes';
import type {
  AuditInput,
  DecisionInput,
  ExceptionVersion,
  OutcomeInput,
  OutcomeKind,
  OutcomeRecord,
  OpenExceptionQuery,
  SourceTransitionInput,
  SourceTransitionResult,
  UpsertContext,
  UpsertResult,
  WorklistPage,
  WorklistQuery,
  OpenLink,
} from './types';
import { decodeWorklistCursor, encodeWorklistCursor } from './worklist-cursor';

type Db = Kysely<StoreDatabase>;
type Row = StoreDatabase['exceptions'];

const parse = (document: string): CanonicalException => JSON.parse(document) as CanonicalException;

/** The current row, locked for the rest of the transaction on PostgreSQL (SQLite: one writer). */
async function currentRow(ctx: StoreContext, trx: Db, id: string): Promise<Row | undefined> {
  return trx
    .selectFrom('exceptions')
    .selectAll()
    .where('id', '=', id)
    .$if(ctx.kind === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
}

function columnsOf(e: CanonicalException, contentHash: string, at: string, document: string) {
  return {
    version: e.version,
    domain: e.domain,
    type: e.type,
    tier: e.priority.tier,
    score: e.priority.score,
    status: e.status,
    references_json: JSON.stringify(e.references ?? {}),
    document,
    content_hash: contentHash,
    updated_at: at,
  };
}

/** The distinct non-empty party ids of an exception (exception_parties). */
const partyIdsOf = (e: CanonicalException): string[] => [
  ...new Set((e.parties ?? []).map((p) => p.id).filter((id) => id !== '')),
];

/**
 * Replaces an exception's parties. `fresh`: the row was just inserted, and rows of these tables
 * are only ever written with their exception's row (in its transaction) and never outlive it, so
 * there is nothing to delete.
 */
async function writeParties(trx: Db, e: CanonicalException, fresh = false): Promise<void> {
  if (!fresh) await trx.deleteFrom('exception_parties').where('exception_id', '=', e.id).execute();
  const ids = partyIdsOf(e);
  if (ids.length > 0) {
    await trx
      .insertInto('exception_parties')
      .values(ids.map((party_id) => ({ exception_id: e.id, party_id })))
      .execute();
  }
}

/** Replaces an exception's keys (exception_keys); `fresh` as for writeParties. */
async function writeKeys(trx: Db, e: CanonicalException, fresh = false): Promise<void> {
  if (!fresh) await trx.deleteFrom('exception_keys').where('exception_id', '=', e.id).execute();
  const keys = exceptionKeysOf(e);
  if (keys.length > 0) {
    await trx
      .insertInto('exception_keys')
      .values(keys.map((k) => ({ exception_id: e.id, kind: k.kind, value: k.value })))
      .execute();
  }
}

async function writeVersion(
  trx: Db,
  e: CanonicalException,
  contentHash: string,
  at: string,
  document: string = JSON.stringify(e),
) {
  await trx
    .insertInto('exception_versions')
    .values({
      exception_id: e.id,
      version: e.version,
      content_hash: contentHash,
      document,
      recorded_at: at,
    })
    .execute();
}

/** One exception's write inside a transaction, and the audit entry it calls for (if any). */
interface UpsertWrite {
  result: UpsertResult;
  audit?: AuditInput;
}

/** The result and audit entry of a new exception (version 1). */
function createdWrite(
  stored: CanonicalException,
  context: UpsertContext,
  document: string,
): UpsertWrite {
  return {
    result: { exception: stored, created: true, changed: true, reopened: false, document },
    audit: {
      actor: context.actor,
      action: 'exception.created',
      exceptionId: stored.id,
      details: {
        version: 1,
        status: stored.status,
        tier: stored.priority.tier,
        score: stored.priority.score,
      },
      at: context.at,
    },
  };
}

/**
 * Writes one exception inside `trx` (the row, parties, key index, version history) and says which
 * audit entry it needs; the caller appends it, alone or with the rest of a batch.
 */
async function upsertIn(
  ctx: StoreContext,
  trx: Db,
  incoming: CanonicalException,
  context: UpsertContext,
): Promise<UpsertWrite> {
  const contentHash = exceptionContentHash(incoming);
  const at = iso(context.at);
  let current = await currentRow(ctx, trx, incoming.id);
  if (!current) {
    const stored: CanonicalException = { ...incoming, version: 1 };
    const document = JSON.stringify(stored);
    const inserted = await trx
      .insertInto('exceptions')
      .values({ id: stored.id, created_at: at, ...columnsOf(stored, contentHash, at, document) })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      await writeParties(trx, stored, true);
      await writeKeys(trx, stored, true);
      await writeVersion(trx, stored, contentHash, at, document);
      return createdWrite(stored, context, document);
    }
    // Another process inserted it between our read and our insert: continue as an update.
    current = await currentRow(ctx, trx, incoming.id);
    if (!current) throw new Error(`exception ${incoming.id} vanished while being stored`);
  }
  if (current.content_hash === contentHash) {
    return {
      result: {
        exception: parse(current.document),
        created: false,
        changed: false,
        reopened: false,
      },
    };
  }
  const before = current.status as Status;
  const reopened = isClosed(before) && incoming.status === 'open';
  // The source decides when it reports a closing (e.g. a dispute won); otherwise people do.
  const status: Status = reopened || isClosed(incoming.status) ? incoming.status : before;
  const stored: CanonicalException = { ...incoming, version: current.version + 1, status };
  const document = JSON.stringify(stored);
  await trx
    .updateTable('exceptions')
    .set(columnsOf(stored, contentHash, at, document))
    .where('id', '=', stored.id)
    .execute();
  await writeParties(trx, stored);
  await writeKeys(trx, stored);
  await writeVersion(trx, stored, contentHash, at, document);
  return {
    result: { exception: stored, created: false, changed: true, reopened, document },
    audit: {
      actor: context.actor,
      action: reopened ? 'exception.reopened' : 'exception.updated',
      exceptionId: stored.id,
      details: {
        version: stored.version,
        previousVersion: current.version,
        statusBefore: before,
        status,
        tierBefore: current.tier,
        tier: stored.priority.tier,
        scoreBefore: current.score,
        score: stored.priority.score,
      },
      at: context.at,
    },
  };
}

/**
 * Stores one mapped and scored exception. Same id and same content (an idempotent redelivery) →
 * nothing changes and the stored version comes back; different content → version + 1, a history
 * row and an audit entry. A closed exception that comes back `open` from its source re-opens.
 */
export async function upsertException(
  ctx: StoreContext,
  incoming: CanonicalException,
  context: UpsertContext,
): Promise<UpsertResult> {
  return auditedTransaction(ctx, async (trx, audited) => {
    const write = await upsertIn(ctx, trx, incoming, context);
    if (write.audit) await appendAuditIn(trx, write.audit, audited);
    return write.result;
  });
}

/**
 * Group commit: stores many exceptions in ONE transaction, each exactly as `upsertException`
 * would (same versions, history rows and audit entries), and returns their results in the order
 * given. Rows are written in id order (so two processes' batches lock rows in the same order on
 * PostgreSQL and cannot deadlock on them; the same id twice keeps its given order); the audit
 * entries are appended afterwards in one go, in the order given, so the chain reads as the batch.
 * All or nothing: any failure rolls the whole batch back.
 *
 * The worker's batches are mostly exceptions the store has not seen, so those are written with a
 * few multi-row statements for the whole batch (bulkInsert) instead of ~7 per exception: the
 * current rows of every id are read (and locked) at once, the new ones inserted at once, then
 * their parties, keys and first versions. Everything else — an id already stored, an id twice in
 * the batch, or one another process inserted since the read — is written one by one as before.
 */
export async function upsertExceptions(
  ctx: StoreContext,
  items: ReadonlyArray<{ exception: CanonicalException; context: UpsertContext }>,
): Promise<UpsertResult[]> {
  if (items.length === 0) return [];
  const byId = (
    a: { item: (typeof items)[number]; index: number },
    b: { item: (typeof items)[number]; index: number },
  ) =>
    a.item.exception.id < b.item.exception.id
      ? -1
      : a.item.exception.id > b.item.exception.id
        ? 1
        : a.index - b.index;
  const order = items.map((item, index) => ({ item, index })).sort(byId);
  const times = new Map<string, number>();
  for (const { exception } of items) times.set(exception.id, (times.get(exception.id) ?? 0) + 1);
  return auditedTransaction(ctx, async (trx, audited) => {
    const writes: UpsertWrite[] = new Array<UpsertWrite>(items.length);
    const stored = await currentIds(ctx, trx, [...times.keys()].sort());
    const candidates = order.filter(
      ({ item }) => times.get(item.exception.id) === 1 && !stored.has(item.exception.id),
    );
    const inserted = await bulkInsert(ctx, trx, candidates, writes);
    // Stored already, twice in this batch, or inserted by another process since the read.
    const rest = order.filter(({ index }) => writes[index] === undefined);
    for (const { item, index } of rest) {
      writes[index] = await upsertIn(ctx, trx, item.exception, item.context);
    }
    if (inserted + rest.length !== items.length) {
      throw new Error(`group commit: ${inserted + rest.length} of ${items.length} written`);
    }
    const audits = writes.flatMap((w) => (w.audit ? [w.audit] : []));
    await appendAuditBatchIn(trx, audits, audited);
    return writes.map((w) => w.result);
  });
}

/** Rows per multi-row statement of the group commit (each row count is one compiled shape). */
const BULK_ROWS = 32;

/**
 * Which of `ids` have a row; on PostgreSQL the rows are locked (`FOR UPDATE`, in id order) for the
 * rest of the transaction, as `currentRow` locks one.
 */
async function currentIds(ctx: StoreContext, trx: Db, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const chunk of chunked(ids, BULK_ROWS)) {
    const { rows } = await trx.executeQuery(
      ctx.prepared.bind(
        `exceptions.current-ids:${chunk.length}`,
        (v) =>
          ctx.db
            .selectFrom('exceptions')
            .select('id')
            .where(
              'id',
              'in',
              chunk.map((_, i) => v(i)),
            )
            .orderBy('id', 'asc')
            .$if(ctx.kind === 'postgres', (q) => q.forUpdate()),
        chunk,
      ),
    );
    for (const r of rows) found.add(r.id);
  }
  return found;
}

const EXCEPTION_COLUMNS = [
  'id',
  'created_at',
  'version',
  'domain',
  'type',
  'tier',
  'score',
  'status',
  'references_json',
  'document',
  'content_hash',
  'updated_at',
] as const;
const KEY_COLUMNS = ['exception_id', 'kind', 'value'] as const;
const PARTY_COLUMNS = ['exception_id', 'party_id'] as const;
const VERSION_COLUMNS = [
  'exception_id',
  'version',
  'content_hash',
  'document',
  'recorded_at',
] as const;

/** Inserts `rows` (each a value per column, in `columns` order) with one statement per chunk. */
async function insertRows<T extends keyof StoreDatabase>(
  ctx: StoreContext,
  trx: Db,
  table: T,
  columns: readonly string[],
  rows: unknown[][],
  returning?: 'id',
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const chunk of chunked(rows, BULK_ROWS)) {
    const width = columns.length;
    const compiled = ctx.prepared.bind(
      `${table}.insert:${chunk.length}${returning ? ':returning' : ''}`,
      (v) => {
        const values = chunk.map((_, r) =>
          Object.fromEntries(columns.map((c, j) => [c, v(r * width + j)])),
        );
        const q = ctx.db.insertInto(table).values(values as never);
        // Only the exceptions row may already exist (another process); then it is not ours.
        return returning
          ? q.onConflict((oc) => oc.column('id' as never).doNothing()).returning('id' as never)
          : q;
      },
      chunk.flat(),
    );
    const { rows: out } = await trx.executeQuery(compiled);
    for (const r of out as unknown as { id: string }[]) ids.add(r.id);
  }
  return ids;
}

/**
 * Inserts the exceptions of `candidates` (ids neither stored nor repeated in the batch) as version
 * 1, with their parties, keys and first history rows, in a few multi-row statements; fills their
 * `writes` slot (exactly what upsertIn returns for a new one). A candidate another process
 * inserted since the read is left without a slot: the caller writes it as an update. Returns how
 * many were inserted.
 */
async function bulkInsert(
  ctx: StoreContext,
  trx: Db,
  candidates: ReadonlyArray<{
    item: { exception: CanonicalException; context: UpsertContext };
    index: number;
  }>,
  writes: UpsertWrite[],
): Promise<number> {
  if (candidates.length === 0) return 0;
  const prepared = candidates.map(({ item, index }) => {
    const stored: CanonicalException = { ...item.exception, version: 1 };
    const contentHash = exceptionContentHash(item.exception);
    const at = iso(item.context.at);
    const document = JSON.stringify(stored);
    const c = columnsOf(stored, contentHash, at, document);
    const row = [
      stored.id,
      at,
      c.version,
      c.domain,
      c.type,
      c.tier,
      c.score,
      c.status,
      c.references_json,
      c.document,
      c.content_hash,
      c.updated_at,
    ];
    return { item, index, stored, contentHash, at, document, row };
  });
  const inserted = await insertRows(
    ctx,
    trx,
    'exceptions',
    EXCEPTION_COLUMNS,
    prepared.map((p) => p.row),
    'id',
  );
  const mine = prepared.filter((p) => inserted.has(p.stored.id));
  const parties: unknown[][] = [];
  const keys: unknown[][] = [];
  const versions: unknown[][] = [];
  for (const p of mine) {
    const id = p.stored.id;
    for (const party of partyIdsOf(p.stored)) parties.push([id, party]);
    for (const k of exceptionKeysOf(p.stored)) keys.push([id, k.kind, k.value]);
    versions.push([id, 1, p.contentHash, p.document, p.at]);
    writes[p.index] = createdWrite(p.stored, p.item.context, p.document);
  }
  await insertRows(ctx, trx, 'exception_parties', PARTY_COLUMNS, parties);
  await insertRows(ctx, trx, 'exception_keys', KEY_COLUMNS, keys);
  await insertRows(ctx, trx, 'exception_versions', VERSION_COLUMNS, versions);
  return mine.length;
}

export async function getException(db: Db, id: string): Promise<CanonicalException | undefined> {
  const row = await db
    .selectFrom('exceptions')
    .select('document')
    .where('id', '=', id)
    .executeTakeFirst();
  return row && parse(row.document);
}

export async function exceptionHistory(db: Db, id: string): Promise<ExceptionVersion[]> {
  const rows = await db
    .selectFrom('exception_versions')
    .selectAll()
    .where('exception_id', '=', id)
    .orderBy('version', 'asc')
    .execute();
  return rows.map((r) => ({
    id: r.exception_id,
    version: Number(r.version),
    contentHash: r.content_hash,
    recordedAt: r.recorded_at,
    exception: parse(r.document),
  }));
}

/**
 * Highest score first, then id (a total order, so pages never overlap or skip). Every filter value
 * is a bound parameter, never part of the SQL text.
 */
export async function worklist(db: Db, query: WorklistQuery): Promise<WorklistPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new StoreInputError(
      `limit must be a whole number from 1 to ${MAX_PAGE_SIZE} (got ${query.limit})`,
      'limit',
    );
  }
  const after = query.cursor !== undefined ? decodeWorklistCursor(query.cursor) : undefined;
  let q = db.selectFrom('exceptions').select(['id', 'score', 'document']);
  if (query.domain !== undefined) q = q.where('domain', '=', query.domain);
  if (query.type !== undefined) q = q.where('type', '=', query.type);
  if (query.tier !== undefined) q = q.where('tier', '=', query.tier);
  if (query.status !== undefined) q = q.where('status', '=', query.status);
  const partyId = query.partyId;
  if (partyId !== undefined) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('exception_parties')
          .select('exception_parties.exception_id')
          .whereRef('exception_parties.exception_id', '=', 'exceptions.id')
          .where('exception_parties.party_id', '=', partyId),
      ),
    );
  }
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('score', '<', after.score),
        eb.and([eb('score', '=', after.score), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('score', 'desc')
    .orderBy('id', 'asc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => parse(r.document)),
    nextCursor:
      rows.length > limit && last
        ? encodeWorklistCursor({ score: Number(last.score), id: last.id })
        : undefined,
  };
}

async function requireRow(ctx: StoreContext, trx: Db, id: string): Promise<Row> {
  const row = await currentRow(ctx, trx, id);
  if (!row) throw new StoreNotFoundError(`exception ${id} is not in the store`);
  return row;
}

async function setStatus(
  trx: Db,
  row: Row,
  status: Status,
  tier: string,
  at: string,
): Promise<CanonicalException> {
  const doc = parse(row.document);
  const updated: CanonicalException = {
    ...doc,
    status,
    priority: { ...doc.priority, tier: tier as CanonicalException['priority']['tier'] },
  };
  await trx
    .updateTable('exceptions')
    .set({ status, tier, document: JSON.stringify(updated), updated_at: at })
    .where('id', '=', row.id)
    .execute();
  return updated;
}

async function insertOutcome(trx: Db, o: Omit<OutcomeRecord, 'id'>): Promise<OutcomeRecord> {
  const record: OutcomeRecord = { id: randomUUID(), ...o };
  await trx
    .insertInto('outcomes')
    .values({
      id: record.id,
      exception_id: record.exceptionId,
      version: record.version,
      kind: record.kind,
      actor: record.actor,
      reason: record.reason,
      at: record.at,
      tier_before: record.tierBefore,
      tier_after: record.tierAfter,
      resolved_by: record.resolvedBy,
    })
    .execute();
  return record;
}

/**
 * A person's review decision (approve, override priority, resolve, dismiss — with a reason): moves
 * the status, audits it with the actor, and records override/resolve/dismiss as an outcome (the
 * learned model trains on them).
 */
export async function applyDecision(
  ctx: StoreContext,
  id: string,
  decision: DecisionInput,
): Promise<CanonicalException> {
  if (decision.reason.trim() === '')
    throw new StoreInputError('a decision needs a reason', 'reason');
  if (decision.action === 'override' && decision.tier === undefined) {
    throw new StoreInputError('an override needs the new tier (p1…p4)', 'tier');
  }
  const at = iso(decision.at);
  return auditedTransaction(ctx, async (trx, audited) => {
    const row = await requireRow(ctx, trx, id);
    const before = row.status as Status;
    const status = statusAfterDecision(id, before, decision.action);
    const tier = decision.action === 'override' && decision.tier ? decision.tier : row.tier;
    const updated = await setStatus(trx, row, status, tier, at);
    const kind = outcomeOfDecision(decision.action);
    if (kind) {
      await insertOutcome(trx, {
        exceptionId: id,
        version: Number(row.version),
        kind,
        actor: decision.actor,
        reason: decision.reason,
        at,
        tierBefore: row.tier,
        tierAfter: tier,
        resolvedBy: 'person',
      });
    }
    await appendAuditIn(
      trx,
      {
        actor: decision.actor,
        action: `decision.${decision.action}`,
        exceptionId: id,
        details: {
          reason: decision.reason,
          statusBefore: before,
          status,
          tierBefore: row.tier,
          tier,
          version: Number(row.version),
        },
        at: decision.at,
      },
      audited,
    );
    return updated;
  });
}

/** An outcome reported on exhub.outcomes: recorded, status moved, audited. */
export async function applyOutcome(
  ctx: StoreContext,
  outcome: OutcomeInput,
): Promise<CanonicalException> {
  const at = iso(outcome.at);
  return auditedTransaction(ctx, async (trx, audited) => {
    const row = await requireRow(ctx, trx, outcome.exceptionId);
    const before = row.status as Status;
    const status = statusAfterOutcome(before, outcome.kind);
    const tier = outcome.kind === 'overridden' && outcome.tierAfter ? outcome.tierAfter : row.tier;
    const updated = await setStatus(trx, row, status, tier, at);
    const record = await insertOutcome(trx, {
      exceptionId: outcome.exceptionId,
      version: outcome.version ?? Number(row.version),
      kind: outcome.kind,
      actor: outcome.actor,
      reason: outcome.reason ?? null,
      at,
      tierBefore: outcome.tierBefore ?? row.tier,
      tierAfter: outcome.tierAfter ?? tier,
      resolvedBy: outcome.resolvedBy ?? 'workflow',
    });
    await appendAuditIn(
      trx,
      {
        actor: outcome.actor,
        action: `outcome.${outcome.kind}`,
        exceptionId: outcome.exceptionId,
        details: {
          outcomeId: record.id,
          reason: record.reason,
          statusBefore: before,
          status,
          tier,
        },
        at: outcome.at,
      },
      audited,
    );
    return updated;
  });
}

/**
 * The source ended or re-opened an exception it raised (a lifecycle mapping): a new version with
 * the new status and the source's `resolution`, a history row, an audit entry (`outcome.resolved`
 * or `exception.reopened`, with the status before and after, so time-to-resolve counts it) and,
 * for an end, an outcome with `resolvedBy: source` (model training reads outcomes). The content
 * hash stays the source fact's: a redelivery of the event that opened it does not re-open it.
 */
export async function applySourceTransition(
  ctx: StoreContext,
  input: SourceTransitionInput,
): Promise<SourceTransitionResult> {
  const at = iso(input.at);
  const { resolution } = input;
  return auditedTransaction(ctx, async (trx, audited) => {
    const row = await currentRow(ctx, trx, input.exceptionId);
    if (!row) return { kind: 'unknown' };
    const before = row.status as Status;
    const status = statusAfterSource(before, resolution.status);
    if (status === undefined) return { kind: 'unchanged', exception: parse(row.document) };
    const version = Number(row.version) + 1;
    const updated: CanonicalException = { ...parse(row.document), version, status, resolution };
    await trx
      .updateTable('exceptions')
      .set({ version, status, document: JSON.stringify(updated), updated_at: at })
      .where('id', '=', row.id)
      .execute();
    await writeVersion(trx, updated, row.content_hash, at);
    const outcome =
      status === 'resolved'
        ? await insertOutcome(trx, {
            exceptionId: row.id,
            version,
            kind: 'resolved',
            actor: input.actor,
            reason: resolution.reason,
            at: resolution.at,
            tierBefore: row.tier,
            tierAfter: row.tier,
            resolvedBy: 'source',
          })
        : undefined;
    await appendAuditIn(
      trx,
      {
        actor: input.actor,
        action: status === 'resolved' ? 'outcome.resolved' : 'exception.reopened',
        exceptionId: row.id,
        details: {
          resolvedBy: 'source',
          reason: resolution.reason,
          statusBefore: before,
          status,
          version,
          previousVersion: Number(row.version),
          tier: row.tier,
          ...(outcome ? { outcomeId: outcome.id } : {}),
          ...(resolution.eventId ? { sourceEventId: resolution.eventId } : {}),
          ...(resolution.mapping ? { mapping: resolution.mapping } : {}),
        },
        at: input.at,
      },
      audited,
    );
    return {
      kind: 'changed',
      exception: updated,
      statusBefore: before,
      ...(outcome ? { outcomeId: outcome.id } : {}),
    };
  });
}

export async function listOutcomes(db: Db, exceptionId?: string): Promise<OutcomeRecord[]> {
  let q = db.selectFrom('outcomes').selectAll().orderBy('at', 'asc').orderBy('id', 'asc');
  if (exceptionId !== undefined) q = q.where('exception_id', '=', exceptionId);
  return (await q.execute()).map((r) => ({
    id: r.id,
    exceptionId: r.exception_id,
    version: Number(r.version),
    kind: r.kind as OutcomeKind,
    actor: r.actor,
    reason: r.reason,
    at: r.at,
    tierBefore: r.tier_before,
    tierAfter: r.tier_after,
    resolvedBy: (r.resolved_by ?? null) as OutcomeRecord['resolvedBy'],
  }));
}

const OPEN_STATUSES = ['open', 'in_review'];

/**
 * Whether any exception but `excludeId` has one of `keys`: a look at the key index alone. Most
 * exceptions share no key with another (the worker asks before it stores one, and after when
 * the group commit's `sharingLinkKeys` did not rule it out), and this answers that case for a
 * fifth of the CPU the full query below takes (its IN-subquery, status filter and ordering cost
 * ~25 µs in SQLite even when nothing matches). The probes of concurrent callers (a micro-batch's
 * deliveries) are answered together, one statement per turn (key-probes.ts).
 */
function anyKeyOfAnother(
  ctx: StoreContext,
  keys: ReadonlyArray<{ kind: string; value: string }>,
  excludeId: string | undefined,
): Promise<boolean> {
  return ctx.keyProbes ? ctx.keyProbes.probe(keys, excludeId) : probeKeyIndex(ctx, keys, excludeId);
}

/** `anyKeyOfAnother` of one caller alone: one statement. */
export async function probeKeyIndex(
  ctx: StoreContext,
  keys: ReadonlyArray<{ kind: string; value: string }>,
  excludeId: string | undefined,
): Promise<boolean> {
  const values: unknown[] = [];
  for (const key of keys) values.push(key.kind, key.value);
  if (excludeId !== undefined) values.push(excludeId);
  values.push(1);
  const compiled = ctx.prepared.bind(
    `find-open-probe:${keys.length}:${excludeId !== undefined ? 'exclude' : '-'}`,
    (v) => {
      let next = 0;
      const value = () => v(next++);
      let q = ctx.db
        .selectFrom('exception_keys')
        .select('exception_id')
        .where((k) =>
          k.or(keys.map(() => k.and([k('kind', '=', value()), k('value', '=', value())]))),
        );
      if (excludeId !== undefined) q = q.where('exception_id', '!=', value());
      return q.limit(value());
    },
    values,
  );
  return (await ctx.db.executeQuery(compiled)).rows.length > 0;
}

/**
 * Of `exceptions` (stored, committed), the ids with a link key (linkKeysOf) that some other
 * exception has too: for each other one, `findOpenExceptions` by its link keys would find nothing.
 * One look at the key index for a whole group commit instead of one per exception (the worker's
 * after-publish step): per distinct key, how many exceptions hold it (a bounded read of the
 * holders; past its bound, counted up to one more than the exceptions of this call that hold it).
 * Asked after the commit, so of two exceptions sharing a key, the one committed later always sees
 * the other.
 */
export async function sharingLinkKeys(
  ctx: StoreContext,
  exceptions: ReadonlyArray<CanonicalException>,
): Promise<Set<string>> {
  // Each distinct key with the ids (of this call) holding it.
  const holders = new Map<string, { kind: string; value: string; ids: Set<string> }>();
  for (const e of exceptions) {
    for (const k of linkKeysOf(e)) {
      const id = keyId(k);
      let h = holders.get(id);
      if (!h) holders.set(id, (h = { kind: k.kind, value: k.value, ids: new Set() }));
      h.ids.add(e.id);
    }
  }
  const shared = new Set<string>();
  for (const chunk of chunked([...holders.values()], KEYS_PER_STATEMENT)) {
    const counts = (await holderRows(ctx, chunk)) ?? (await holderCounts(ctx, chunk));
    chunk.forEach((h, i) => {
      // More holders than this call's: another exception has it; two of this call's: they share it.
      if (counts[i] > h.ids.size || h.ids.size > 1) {
        for (const id of h.ids) shared.add(id);
      }
    });
  }
  return shared;
}

/**
 * Per key of `chunk`, how many exceptions hold it, from one bounded read of the holders
 * (readKeyHolders: HOLDER_ROWS_PER_KEY per key beyond the call's own holders); undefined when it
 * hits the bound (a key many hold), and `holderCounts` answers instead.
 */
async function holderRows(
  ctx: StoreContext,
  chunk: ReadonlyArray<{ kind: string; value: string; ids: Set<string> }>,
): Promise<number[] | undefined> {
  let limit = HOLDER_ROWS_PER_KEY * chunk.length;
  for (const h of chunk) limit += h.ids.size;
  const rows = await readKeyHolders(ctx.db, ctx.prepared, chunk, limit);
  if (rows.length >= limit) return undefined;
  const n = new Map<string, number>();
  for (const r of rows) n.set(keyId(r), (n.get(keyId(r)) ?? 0) + 1);
  return chunk.map((h) => n.get(keyId(h)) ?? 0);
}

/** Per key of `chunk`, its holders counted up to one more than the call's own. */
async function holderCounts(
  ctx: StoreContext,
  chunk: ReadonlyArray<{ kind: string; value: string; ids: Set<string> }>,
): Promise<number[]> {
  const values = chunk.flatMap((h) => [h.kind, h.value, h.ids.size + 1]);
  const compiled = ctx.prepared.bind(
    `exception-keys.holders:${chunk.length}`,
    (v) =>
      ctx.db.selectNoFrom((eb) =>
        chunk.map((_, i) =>
          eb
            .selectFrom(
              eb
                .selectFrom('exception_keys')
                .select('exception_id')
                .where('kind', '=', v(3 * i))
                .where('value', '=', v(3 * i + 1))
                .limit(v(3 * i + 2))
                .as('holder'),
            )
            .select(eb.fn.countAll<number>().as('n'))
            .as(`k${i}`),
        ),
      ),
    values,
  );
  const { rows } = await ctx.db.executeQuery(compiled);
  const counts = (rows[0] ?? {}) as Record<string, number | string | bigint>;
  return chunk.map((_, i) => Number(counts[`k${i}`]));
}

/**
 * Open exceptions by what they share (keys), by due date or by degraded score: the one query behind
 * links and re-scoring. Every value is a bound parameter; the key index (exception_keys) answers it.
 */
export async function findOpenExceptions(
  ctx: StoreContext,
  query: OpenExceptionQuery,
): Promise<CanonicalException[]> {
  const rows = await openRows(ctx, query, 'document');
  return rows.map((r) => parse(r.document as string));
}

/**
 * What `findOpenExceptions` finds, without reading the documents: each one's id, domain, type,
 * tier and link keys, from their columns and the key index. What an exception's context needs of
 * its related ones (issue 17): an account with a hundred open exceptions costs two indexed reads
 * per new one instead of a hundred documents parsed.
 */
export async function findOpenLinks(
  ctx: StoreContext,
  query: OpenExceptionQuery,
): Promise<OpenLink[]> {
  const rows = await openRows(ctx, query, 'summary');
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const compiled = ctx.prepared.bind(
    `open-link-keys:${ids.length}`,
    (v) =>
      ctx.db
        .selectFrom('exception_keys')
        .select(['exception_id', 'kind', 'value'])
        .where(
          'exception_id',
          'in',
          ids.map((_, i) => v(i)),
        )
        .where('kind', 'not in', [v(ids.length), v(ids.length + 1)]),
    [...ids, DUE_KEY, DEGRADED_KEY],
  );
  const keys = new Map<string, { kind: string; value: string }[]>(ids.map((id) => [id, []]));
  for (const k of (await ctx.db.executeQuery(compiled)).rows) {
    keys.get(k.exception_id)?.push({ kind: k.kind, value: k.value });
  }
  return rows.map((r) => ({
    id: r.id,
    domain: r.domain as string,
    type: r.type as string,
    tier: r.tier as string,
    keys: keys.get(r.id) ?? [],
  }));
}

/** The rows behind both: the document, or the columns a summary needs. */
async function openRows(
  ctx: StoreContext,
  query: OpenExceptionQuery,
  projection: 'document' | 'summary',
): Promise<{ id: string; document?: string; domain?: string; type?: string; tier?: string }[]> {
  const db = ctx.db;
  const limit = query.limit ?? MAX_FIND_OPEN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FIND_OPEN) {
    throw new StoreInputError(
      `limit must be a whole number from 1 to ${MAX_FIND_OPEN} (got ${query.limit})`,
      'limit',
    );
  }
  const keys = query.keys;
  if (keys !== undefined && keys.length === 0) return [];
  const { dueBefore, degraded, excludeId, afterId } = query;
  if (keys !== undefined && !(await anyKeyOfAnother(ctx, keys, excludeId))) return [];
  // The values in the order the template below takes them (`v(i)`); the shape names what is set.
  const values: unknown[] = [...OPEN_STATUSES];
  for (const key of keys ?? []) values.push(key.kind, key.value);
  if (dueBefore !== undefined) values.push(DUE_KEY, dueBefore);
  if (degraded) values.push(DEGRADED_KEY);
  if (excludeId !== undefined) values.push(excludeId);
  if (afterId !== undefined) values.push(afterId);
  values.push(limit);
  const shape = [
    projection === 'document' ? 'find-open' : 'find-open-summary',
    keys?.length ?? '-',
    dueBefore !== undefined ? 'due' : '-',
    degraded ? 'degraded' : '-',
    excludeId !== undefined ? 'exclude' : '-',
    afterId !== undefined ? 'after' : '-',
  ].join(':');
  const compiled = ctx.prepared.bind(
    shape,
    (v) => {
      let next = 0;
      const value = () => v(next++);
      // Each key condition is an `id in (…)` over exception_keys, which its (kind, value) index
      // answers in microseconds. SQLite would still rather walk the status index (every open
      // exception: 100 ms at 15 000 open, once per event); `+status` keeps it off that index so
      // the plan starts from the keys. PostgreSQL's planner needs no such hint.
      const status = ctx.kind === 'sqlite' ? sql<string>`+${sql.ref('status')}` : sql.ref('status');
      const statuses = OPEN_STATUSES.map(() => value());
      const columns =
        projection === 'document'
          ? (['id', 'document'] as const)
          : (['id', 'domain', 'type', 'tier'] as const);
      let q = db
        .selectFrom('exceptions')
        .select([...columns])
        .where(status, 'in', statuses);
      if (keys !== undefined) {
        q = q.where(
          'id',
          'in',
          db
            .selectFrom('exception_keys')
            .select('exception_id')
            .where((k) =>
              k.or(keys.map(() => k.and([k('kind', '=', value()), k('value', '=', value())]))),
            ),
        );
      }
      if (dueBefore !== undefined) {
        q = q.where(
          'id',
          'in',
          db
            .selectFrom('exception_keys')
            .select('exception_id')
            .where('kind', '=', value())
            .where('value', '<=', value()),
        );
      }
      if (degraded) {
        q = q.where(
          'id',
          'in',
          db.selectFrom('exception_keys').select('exception_id').where('kind', '=', value()),
        );
      }
      if (excludeId !== undefined) q = q.where('id', '!=', value());
      if (afterId !== undefined) q = q.where('id', '>', value());
      return q.orderBy('id', 'asc').limit(value());
    },
    values,
  );
  return (await db.executeQuery(compiled)).rows as {
    id: string;
    document?: string;
    domain?: string;
    type?: string;
    tier?: string;
  }[];
}
