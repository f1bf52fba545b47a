import { sql, type Kysely } from 'kysely';
import type { CanonicalException } from '@exhub/canonical';
import * as apiKeys from './api-keys.repo';
import * as audit from './audit.repo';
import { backlogStats } from './backlog.repo';
import * as cursors from './connector-cursors.repo';
import * as facts from './context-facts.repo';
import * as deadLetters from './dead-letters.repo';
import * as insights from './insights.repo';
import * as exceptions from './exceptions.repo';
import type { NodeSqliteDatabase, WriteFailure } from './node-sqlite.database';
import { withPollLock } from './poll-lock';
import { AuditHeadQueue } from './audit-head-queue';
import { PreparedQueries } from './prepared';
import type { StoreDatabase } from './schema';
import type { StoreContext } from './store-context';
import type { ExceptionStore } from './store';
import type {
  AuditInput,
  ContextFact,
  DecisionInput,
  OpenExceptionQuery,
  OutcomeInput,
  SourceTransitionInput,
  StoreKind,
  UpsertContext,
  WebhookEventInput,
} from './types';
import * as webhookEvents from './webhook-events.repo';
import { KeyProbes } from './key-probes';
import { WebhookWriteBatcher } from './webhook-writes';

function describeWriteFailure(failure: WriteFailure | undefined): string | undefined {
  return failure ? `${failure.message} (since ${failure.at})` : undefined;
}

/** The one implementation: both adapters differ only in their Kysely dialect and `kind`. */
export class KyselyStore implements ExceptionStore {
  private readonly ctx: StoreContext;
  /** Group commit of the ingress's dedupe claims and confirms (webhook-writes.ts). */
  readonly webhookWrites: WebhookWriteBatcher;

  constructor(
    readonly db: Kysely<StoreDatabase>,
    readonly kind: StoreKind,
    readonly location: string,
    /** The SQLite adapter, which tracks write failures; PostgreSQL reports them per statement. */
    private readonly sqlite?: NodeSqliteDatabase,
  ) {
    this.ctx = {
      db,
      kind,
      prepared: new PreparedQueries(),
      auditHead: kind === 'postgres' ? new AuditHeadQueue() : undefined,
    };
    const ctx = this.ctx;
    this.ctx.keyProbes = new KeyProbes(db, ctx.prepared, (keys, excludeId) =>
      exceptions.probeKeyIndex(ctx, keys, excludeId),
    );
    this.webhookWrites = new WebhookWriteBatcher(this.ctx);
  }

  recordDeadLetter(entry: deadLetters.DeadLetterRecord) {
    return deadLetters.recordDeadLetter(this.db, entry);
  }
  oldestDeadLetter(depth: number) {
    return deadLetters.oldestDeadLetter(this.db, depth);
  }

  writeFailure(): string | undefined {
    return describeWriteFailure(this.sqlite?.writeFailure);
  }

  watchWriteFailure(listener: (failure: string | undefined) => void): void {
    const sqlite = this.sqlite;
    if (!sqlite) return;
    const before = sqlite.onWriteFailure;
    sqlite.onWriteFailure = (f) => {
      before?.(f);
      listener(describeWriteFailure(f));
    };
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.webhookWrites.idle();
    await this.db.destroy();
    await this.sqlite?.closed();
  }

  upsertException(exception: CanonicalException, context: UpsertContext) {
    return exceptions.upsertException(this.ctx, exception, context);
  }
  upsertExceptions(
    items: ReadonlyArray<{ exception: CanonicalException; context: UpsertContext }>,
  ) {
    return exceptions.upsertExceptions(this.ctx, items);
  }
  getException(id: string) {
    return exceptions.getException(this.db, id);
  }
  exceptionHistory(id: string) {
    return exceptions.exceptionHistory(this.db, id);
  }
  worklist(query: Parameters<typeof exceptions.worklist>[1]) {
    return exceptions.worklist(this.db, query);
  }
  applyDecision(id: string, decision: DecisionInput) {
    return exceptions.applyDecision(this.ctx, id, decision);
  }
  applyOutcome(outcome: OutcomeInput) {
    return exceptions.applyOutcome(this.ctx, outcome);
  }
  applySourceTransition(input: SourceTransitionInput) {
    return exceptions.applySourceTransition(this.ctx, input);
  }
  listOutcomes(exceptionId?: string) {
    return exceptions.listOutcomes(this.db, exceptionId);
  }
  findOpenExceptions(query: OpenExceptionQuery) {
    return exceptions.findOpenExceptions(this.ctx, query);
  }
  findOpenLinks(query: OpenExceptionQuery) {
    return exceptions.findOpenLinks(this.ctx, query);
  }

  sharingLinkKeys(list: ReadonlyArray<CanonicalException>) {
    return exceptions.sharingLinkKeys(this.ctx, list);
  }

  backlogStats(now: Date = new Date()) {
    return backlogStats(this.ctx, now);
  }
  statusTransitions(query: insights.TransitionQuery = {}) {
    return insights.statusTransitions(this.ctx, query);
  }
  rootCauseStats() {
    return insights.rootCauseStats(this.ctx);
  }
  openGroupMembers(key: string, excludeId?: string) {
    return insights.openGroupMembers(this.ctx, key, excludeId);
  }

  appendAudit(entry: AuditInput) {
    return audit.auditedTransaction(this.ctx, (trx, audited) =>
      audit.appendAuditIn(trx, entry, audited),
    );
  }
  auditTrail(filter: { exceptionId?: string; afterSeq?: number; limit?: number } = {}) {
    return audit.auditTrail(this.db, filter);
  }
  verifyAudit() {
    return audit.verifyAuditChain(this.db);
  }

  getCursor(connectorId: string) {
    return cursors.getCursor(this.db, connectorId);
  }
  putCursor(connectorId: string, cursor: string, at: Date = new Date()) {
    return cursors.putCursor(this.db, connectorId, cursor, at);
  }

  async rememberWebhookEvent(
    event: WebhookEventInput,
    ttlMs: number,
    now: Date = new Date(),
    pendingTimeoutMs?: number,
  ) {
    webhookEvents.refuseNul(event);
    return this.webhookWrites.submit(
      (db) => webhookEvents.rememberWebhookEvent(this.ctx, db, event, ttlMs, now, pendingTimeoutMs),
      { kind: 'claim', request: { input: event, ttlMs, now } },
    );
  }
  confirmWebhookEvent(event: Pick<WebhookEventInput, 'connectorId' | 'sourceEventId' | 'eventId'>) {
    return this.webhookWrites.submit(
      (db) => webhookEvents.confirmWebhookEvent(this.ctx, db, event),
      {
        kind: 'confirm',
        input: event,
      },
    );
  }
  forgetWebhookEvent(event: Pick<WebhookEventInput, 'connectorId' | 'sourceEventId' | 'eventId'>) {
    return webhookEvents.forgetWebhookEvent(this.db, event);
  }
  purgeWebhookEvents(now: Date = new Date()) {
    return webhookEvents.purgeWebhookEvents(this.db, now);
  }

  putContextFact(fact: ContextFact) {
    return facts.putContextFact(this.db, fact);
  }
  getContextFact(key: string) {
    return facts.getContextFact(this.db, key);
  }

  createApiKey(role: string, name: string) {
    return apiKeys.createApiKey(this.db, role, name, new Date());
  }
  findApiKey(plaintext: string) {
    return apiKeys.findApiKey(this.db, plaintext);
  }
  listApiKeys() {
    return apiKeys.listApiKeys(this.db);
  }
  revokeApiKey(id: string) {
    return apiKeys.revokeApiKey(this.db, id);
  }

  withPollLock<T>(connectorId: string, fn: () => Promise<T>) {
    return withPollLock(this.ctx, connectorId, fn);
  }
}
