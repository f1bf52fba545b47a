import { sql, type RawBuilder } from 'kysely';
import { OPEN_SCAN_BATCH } from './constants';
import { StoreInputError } from './errors';
import { byIdOrder, scanInBatches } from './open-scan';
import type { StoreContext } from './store-context';

/** Statuses that still wait for someone. */
const OPEN_STATUSES = ['open', 'in_review'];
/** Audit actions that may move an exception's status (their details carry statusBefore/status). */
const STATUS_ACTIONS = ['exception.updated', 'exception.reopened'];
const STATUS_ACTION_PREFIXES = ['decision.%', 'outcome.%'];
const REOPENED = 'exception.reopened';
/** Most transitions one statusTransitions call returns. */
export const MAX_TRANSITIONS_PAGE = 5_000;
/** Most exceptions one openGroupMembers call lists (the schema's `links` maximum). */
export const MAX_GROUP_MEMBERS = 100;

/** One status change of one exception, read from the audit trail. */
export interface StatusTransition {
  /** The audit entry's sequence number (page with `afterSeq`). */
  seq: number;
  at: string;
  exceptionId: string;
  from: string;
  to: string;
  domain: string;
  type: string;
  /** The tier after the change (an override's new tier), else the exception's current tier. */
  tier: string;
  /**
   * When the exception last became open before this change: first stored, or its latest
   * re-opening. Time to triage and time to resolve are measured from here.
   */
  openedAt: string;
}

export interface TransitionPage {
  transitions: StatusTransition[];
  /** Pass as `afterSeq` to continue; the whole trail up to here was read. */
  lastSeq: number;
  /** The page was cut at `limit`: there may be more up to the head (call again from lastSeq). */
  more: boolean;
}

export interface TransitionQuery {
  afterSeq?: number;
  /** Only changes at or after this time. */
  since?: Date;
  limit?: number;
}

/** Open exceptions (not parents) sharing one root-cause key, by type. */
export interface RootCauseCount {
  key: string;
  type: string;
  open: number;
}

/** The open children of one root-cause group. */
export interface GroupMembers {
  /** How many open exceptions (parents excepted) carry the key. */
  open: number;
  /** The first MAX_GROUP_MEMBERS of them by id. */
  ids: string[];
}

/** `group.key` and `group.role` of the stored document, with the dialect's JSON operator. */
function groupField(ctx: StoreContext, field: 'key' | 'role'): RawBuilder<string | null> {
  return ctx.kind === 'postgres'
    ? sql<string | null>`(document::jsonb -> 'group' ->> ${sql.lit(field)})`
    : sql<string | null>`json_extract(document, ${sql.lit(`$.group.${field}`)})`;
}

/**
 * Status changes from the audit trail, oldest first, up to the audit head as it was when the call
 * began (entries appended meanwhile are left for the next page). Entries that did not change the
 * status (a re-score, an approve of something already in review) are skipped.
 */
export async function statusTransitions(
  ctx: StoreContext,
  query: TransitionQuery,
): Promise<TransitionPage> {
  const limit = query.limit ?? MAX_TRANSITIONS_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRANSITIONS_PAGE) {
    throw new StoreInputError(
      `limit must be a whole number from 1 to ${MAX_TRANSITIONS_PAGE} (got ${query.limit})`,
      'limit',
    );
  }
  const head = await ctx.db
    .selectFrom('audit_head')
    .select('seq')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  const headSeq = Number(head.seq);
  let q = ctx.db
    .selectFrom('audit_log')
    .innerJoin('exceptions', 'exceptions.id', 'audit_log.exception_id')
    .select([
      'audit_log.seq',
      'audit_log.at',
      'audit_log.action',
      'audit_log.exception_id',
      'audit_log.details',
      'exceptions.domain',
      'exceptions.type',
      'exceptions.tier',
      'exceptions.created_at',
    ])
    .where('audit_log.seq', '>', query.afterSeq ?? 0)
    .where('audit_log.seq', '<=', headSeq)
    .where((eb) =>
      eb.or([
        eb('audit_log.action', 'in', STATUS_ACTIONS),
        ...STATUS_ACTION_PREFIXES.map((p) => eb('audit_log.action', 'like', p)),
      ]),
    );
  if (query.since) q = q.where('audit_log.at', '>=', query.since.toISOString());
  const rows = await q.orderBy('audit_log.seq', 'asc').limit(limit).execute();
  const more = rows.length === limit;
  const lastSeq = more ? Number(rows[rows.length - 1].seq) : headSeq;

  // When each exception last became open before a change: its latest re-opening, if any.
  const reopenedIds = [...new Set(rows.map((r) => r.exception_id as string))];
  const reopenings = new Map<string, { seq: number; at: string }[]>();
  if (reopenedIds.length > 0) {
    const reopens = await ctx.db
      .selectFrom('audit_log')
      .select(['seq', 'at', 'exception_id'])
      .where('action', '=', REOPENED)
      .where('exception_id', 'in', reopenedIds)
      .where('seq', '<=', lastSeq)
      .orderBy('seq', 'asc')
      .execute();
    for (const r of reopens) {
      const list = reopenings.get(r.exception_id as string) ?? [];
      list.push({ seq: Number(r.seq), at: r.at });
      reopenings.set(r.exception_id as string, list);
    }
  }

  const transitions: StatusTransition[] = [];
  for (const r of rows) {
    const details = JSON.parse(r.details) as {
      statusBefore?: string;
      status?: string;
      tier?: string;
    };
    if (!details.statusBefore || !details.status || details.statusBefore === details.status)
      continue;
    const seq = Number(r.seq);
    const id = r.exception_id as string;
    const reopenedAt = (reopenings.get(id) ?? []).filter((x) => x.seq <= seq).pop()?.at;
    transitions.push({
      seq,
      at: r.at,
      exceptionId: id,
      from: details.statusBefore,
      to: details.status,
      domain: r.domain,
      type: r.type,
      tier: typeof details.tier === 'string' ? details.tier : r.tier,
      openedAt: reopenedAt ?? r.created_at,
    });
  }
  return { transitions, lastSeq, more };
}

/**
 * Open exceptions with a root-cause key, parents excepted, per key and type. Counted in batches of
 * `batchSize` (open-scan.ts): this runs every 30 s over the whole backlog, which must not stop the
 * event loop.
 */
export async function rootCauseStats(
  ctx: StoreContext,
  batchSize = OPEN_SCAN_BATCH,
): Promise<RootCauseCount[]> {
  const key = groupField(ctx, 'key');
  const role = groupField(ctx, 'role');
  const counts = new Map<string, RootCauseCount>();
  // The key and role are tested here, not in SQL: a batch is then `batchSize` open rows read,
  // however few carry a key (in SQL, one batch could walk every open row to find a full batch).
  await scanInBatches(
    (after, limit) =>
      ctx.db
        .selectFrom('exceptions')
        .select(['id', 'type', key.as('group_key'), role.as('group_role')])
        .where(byIdOrder(ctx), 'in', OPEN_STATUSES)
        .where('id', '>', after)
        .orderBy('id')
        .limit(limit)
        .execute(),
    (rows) => {
      for (const r of rows) {
        if (r.group_key === null || r.group_key === undefined || r.group_role === 'parent')
          continue;
        const groupKey = String(r.group_key);
        const id = `${groupKey}\u0000${r.type}`;
        const count = counts.get(id);
        if (count) count.open += 1;
        else counts.set(id, { key: groupKey, type: r.type, open: 1 });
      }
    },
    batchSize,
  );
  return [...counts.values()].sort(
    (a, b) => b.open - a.open || a.key.localeCompare(b.key) || a.type.localeCompare(b.type),
  );
}

/** The open exceptions (parents excepted) that carry one root-cause key. */
export async function openGroupMembers(
  ctx: StoreContext,
  groupKey: string,
  excludeId?: string,
): Promise<GroupMembers> {
  const key = groupField(ctx, 'key');
  const role = groupField(ctx, 'role');
  const base = ctx.db
    .selectFrom('exceptions')
    .where('status', 'in', OPEN_STATUSES)
    .where(key, '=', groupKey)
    .where((eb) => eb.or([eb(role, 'is', null), eb(role, '!=', 'parent')]))
    .where('id', '!=', excludeId ?? '');
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    base.select('id').orderBy('id', 'asc').limit(MAX_GROUP_MEMBERS).execute(),
  ]);
  return { open: Number(count.n), ids: rows.map((r) => r.id) };
}
