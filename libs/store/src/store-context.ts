import type { Kysely } from 'kysely';
import type { AuditHeadQueue } from './audit-head-queue';
import type { KeyProbes } from './key-probes';
import type { PreparedQueries } from './prepared';
import type { StoreDatabase } from './schema';
import type { StoreKind } from './types';

/** What every repository function needs: the database (or a transaction) and which one it is. */
export interface StoreContext {
  db: Kysely<StoreDatabase>;
  kind: StoreKind;
  /** The hot path's queries, compiled once per shape for this dialect (prepared.ts). */
  prepared: PreparedQueries;
  /** PostgreSQL: this process's queue for the audit head's row lock (audit-head-queue.ts). */
  auditHead?: AuditHeadQueue;
  /** The key-index probes of concurrent callers, one statement per turn (key-probes.ts). */
  keyProbes?: KeyProbes;
}

export const iso = (at: Date | undefined): string => (at ?? new Date()).toISOString();
