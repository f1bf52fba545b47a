import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { CanonicalException, Status } from '@exhub/canonical';
import { appendAuditBatchIn, appendAuditIn } from './audit.repo';
import { DEFAULT_PAGE_SIZE, MAX_FIND_OPEN, MAX_PAGE_SIZE } from './constants';
import { DEGRADED_KEY, DUE_KEY, exceptionKeysOf } from './exception-keys';
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

function columnsOf(e: CanonicalException, contentHash: string, at: string) {
  return {
    version: e.version,
    domain: e.domain,
    type: e.type,
    tier: e.priority.tier,
    score: e.priority.score,
    status: e.status,
    references_json: JSON.stringify(e.references ?? {}),
    document: JSON.stringify(e),
    content_hash: contentHash,
    updated_at: at,
  };
}

async function writeParties(trx: Db, e: CanonicalException): Promise<void> {
  await trx.deleteFrom('exception_parties').where('exception_id', '=', e.id).execute();
  const ids = [...new Set((e.parties ?? []).map((p) => p.id).filter((id) => id !== ''))];
  if (ids.length > 0) {
    await trx
      .insertInto('exception_parties')
      .values(ids.map((party_id) => ({ exception_id: e.id, party_id })))
      .execute();
  }
}

async function writeKeys(trx: Db, e: CanonicalException): Promise<void> {
  await trx.deleteFrom('exception_keys').where('exception_id', '=', e.id).execute();
  const keys = exceptionKeysOf(e);
  if (keys.length > 0) {
    await trx
      .insertInto('exception_keys')
      .values(keys.map((k) => ({ exception_id: e.id, kind: k.kind, value: k.value })))
      .execute();
  }
}

async function writeVersion(trx: Db, e: CanonicalException, contentHash: string, at: string) {
  await trx
    .insertInto('exception_versions')
    .values({
      exception_id: e.id,
      version: e.version,
      content_hash: contentHash,
      document: JSON.stringify(e),
      recorded_at: at,
    })
    .execute();
}

/** One exception's write inside a transaction, and the audit entry it calls for (if any). */
interface UpsertWrite {
  result: UpsertResult;
  audit?: AuditInput;
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
    const inserted = await trx
      .insertInto('exceptions')
      .values({ id: stored.id, created_at: at, ...columnsOf(stored, contentHash, at) })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      await writeParties(trx, stored);
      await writeKeys(trx, stored);
      await writeVersion(trx, stored, contentHash, at);
      return {
        result: { exception: stored, created: true, changed: true, reopened: false },
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
  await trx
    .updateTable('exceptions')
    .set(columnsOf(stored, contentHash, at))
    .where('id', '=', stored.id)
    .execute();
  await writeParties(trx, stored);
  await writeKeys(trx, stored);
  await writeVersion(trx, stored, contentHash, at);
  return {
    result: { exception: stored, created: false, changed: true, reopened },
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
  return ctx.db.transaction().execute(async (trx) => {
    const write = await upsertIn(ctx, trx, incoming, context);
    if (write.audit) await appendAuditIn(trx, write.audit);
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
 */
export async function upsertExceptions(
  ctx: StoreContext,
  items: ReadonlyArray<{ exception: CanonicalException; context: UpsertContext }>,
): Promise<UpsertResult[]> {
  if (items.length === 0) return [];
  const order = items
    .map((item, index) => ({ item, index }))
    .sort((a, b) =>
      a.item.exception.id < b.item.exception.id
        ? -1
        : a.item.exception.id > b.item.exception.id
          ? 1
          : a.index - b.index,
    );
  return ctx.db.transaction().execute(async (trx) => {
    const writes: UpsertWrite[] = new Array<UpsertWrite>(items.length);
    for (const { item, index } of order) {
      writes[index] = await upsertIn(ctx, trx, item.exception, item.context);
    }
    const audits = writes.flatMap((w) => (w.audit ? [w.audit] : []));
    await appendAuditBatchIn(trx, audits);
    return writes.map((w) => w.result);
  });
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
  return ctx.db.transaction().execute(async (trx) => {
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
    await appendAuditIn(trx, {
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
    });
    return updated;
  });
}

/** An outcome reported on exhub.outcomes: recorded, status moved, audited. */
export async function applyOutcome(
  ctx: StoreContext,
  outcome: OutcomeInput,
): Promise<CanonicalException> {
  const at = iso(outcome.at);
  return ctx.db.transaction().execute(async (trx) => {
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
    await appendAuditIn(trx, {
      actor: outcome.actor,
      action: `outcome.${outcome.kind}`,
      exceptionId: outcome.exceptionId,
      details: { outcomeId: record.id, reason: record.reason, statusBefore: before, status, tier },
      at: outcome.at,
    });
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
  return ctx.db.transaction().execute(async (trx) => {
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
    await appendAuditIn(trx, {
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
    });
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
 * Open exceptions by what they share (keys), by due date or by degraded score: the one query behind
 * links and re-scoring. Every value is a bound parameter; the key index (exception_keys) answers it.
 */
export async function findOpenExceptions(
  ctx: StoreContext,
  query: OpenExceptionQuery,
): Promise<CanonicalException[]> {
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
  // Each key condition is an `id in (…)` over exception_keys, which its (kind, value) index
  // answers in microseconds. SQLite would still rather walk the status index (every open
  // exception: 100 ms at 15 000 open, once per event); `+status` keeps it off that index so the
  // plan starts from the keys. PostgreSQL's planner needs no such hint.
  const status = ctx.kind === 'sqlite' ? sql<string>`+${sql.ref('status')}` : sql.ref('status');
  let q = db.selectFrom('exceptions').select(['id', 'document']).where(status, 'in', OPEN_STATUSES);
  if (keys !== undefined) {
    q = q.where(
      'id',
      'in',
      db
        .selectFrom('exception_keys')
        .select('exception_id')
        .where((k) =>
          k.or(keys.map((key) => k.and([k('kind', '=', key.kind), k('value', '=', key.value)]))),
        ),
    );
  }
  const dueBefore = query.dueBefore;
  if (dueBefore !== undefined) {
    q = q.where(
      'id',
      'in',
      db
        .selectFrom('exception_keys')
        .select('exception_id')
        .where('kind', '=', DUE_KEY)
        .where('value', '<=', dueBefore),
    );
  }
  if (query.degraded) {
    q = q.where(
      'id',
      'in',
      db.selectFrom('exception_keys').select('exception_id').where('kind', '=', DEGRADED_KEY),
    );
  }
  if (query.excludeId !== undefined) q = q.where('id', '!=', query.excludeId);
  if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
  const rows = await q.orderBy('id', 'asc').limit(limit).execute();
  return rows.map((r) => parse(r.document));
}
