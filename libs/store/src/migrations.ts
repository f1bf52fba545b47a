import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { CanonicalException } from '@exhub/canonical';
import { AUDIT_GENESIS_HASH, KEY_BACKFILL_BATCH } from './constants';
import { exceptionKeysOf } from './exception-keys';
import { StoreOpenError } from './errors';

/*
 * Migrations live in code, in order, and never change once released: a new change is a new entry.
 * Kysely's schema builder expresses all of them on both databases (types are chosen to mean the
 * same on SQLite and PostgreSQL: text, integer, double precision).
 */
// Migrations run against a schema that is not typed yet.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('exceptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('score', 'double precision', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('references_json', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('exceptions_worklist')
      .on('exceptions')
      .columns(['score desc', 'id'])
      .execute();
    await db.schema
      .createIndex('exceptions_filters')
      .on('exceptions')
      .columns(['status', 'domain', 'type', 'tier'])
      .execute();

    await db.schema
      .createTable('exception_parties')
      .addColumn('exception_id', 'text', (c) => c.notNull())
      .addColumn('party_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('exception_parties_pk', ['exception_id', 'party_id'])
      .execute();
    await db.schema
      .createIndex('exception_parties_party')
      .on('exception_parties')
      .columns(['party_id', 'exception_id'])
      .execute();

    await db.schema
      .createTable('exception_versions')
      .addColumn('exception_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('exception_versions_pk', ['exception_id', 'version'])
      .execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('exception_id', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('audit_log_exception')
      .on('audit_log')
      .columns(['exception_id', 'seq'])
      .execute();
    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.insertInto('audit_head').values({ id: 1, seq: 0, hash: AUDIT_GENESIS_HASH }).execute();

    await db.schema
      .createTable('connector_cursors')
      .addColumn('connector_id', 'text', (c) => c.primaryKey())
      .addColumn('cursor', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('webhook_events')
      .addColumn('connector_id', 'text', (c) => c.notNull())
      .addColumn('source_event_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_events_pk', ['connector_id', 'source_event_id'])
      .execute();
    await db.schema
      .createIndex('webhook_events_expiry')
      .on('webhook_events')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('context_facts')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('outcomes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('exception_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('tier_before', 'text')
      .addColumn('tier_after', 'text')
      .execute();
    await db.schema
      .createIndex('outcomes_exception')
      .on('outcomes')
      .columns(['exception_id', 'at'])
      .execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('salt', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * The index by which related exceptions are found (links, re-scoring): one row per party id,
 * reference, due date and degraded flag of an exception. Filled for the rows already stored.
 */
const exceptionKeys: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('exception_keys')
      .addColumn('exception_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('exception_keys_pk', ['exception_id', 'kind', 'value'])
      .execute();
    await db.schema
      .createIndex('exception_keys_lookup')
      .on('exception_keys')
      .columns(['kind', 'value', 'exception_id'])
      .execute();
    let after = '';
    for (;;) {
      const rows = (await db
        .selectFrom('exceptions')
        .select(['id', 'document'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(KEY_BACKFILL_BATCH)
        .execute()) as { id: string; document: string }[];
      if (rows.length === 0) break;
      const values = rows.flatMap((r) =>
        exceptionKeysOf(JSON.parse(r.document) as CanonicalException).map((k) => ({
          exception_id: r.id,
          ...k,
        })),
      );
      if (values.length > 0) await db.insertInto('exception_keys').values(values).execute();
      after = rows[rows.length - 1].id;
    }
  },
};

/**
 * The dead-letter ledger: when each message still in the DLQ entered it, so the age of the
 * oldest dead letter is one indexed read (exhub_dlq_oldest_message_age_seconds).
 */
const deadLetters: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('dead_letters')
      .addColumn('message_key', 'text', (c) => c.primaryKey())
      .addColumn('dead_at', 'text', (c) => c.notNull())
      .addColumn('connector', 'text')
      .addColumn('error_class', 'text')
      .execute();
    await db.schema
      .createIndex('dead_letters_age')
      .on('dead_letters')
      .columns(['dead_at', 'message_key'])
      .execute();
  },
};

/**
 * A webhook claim is `pending` until the broker confirmed its publish: a retry finding a pending
 * claim is told to come back (or takes it over once stale) instead of being answered "duplicate"
 * for an event that may never have been published. Rows from before were written by the old
 * claim-then-publish code and count as confirmed (their outcome is unknowable now).
 */
const webhookClaimState: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('webhook_events')
      .addColumn('state', 'text', (c) => c.notNull().defaultTo('confirmed'))
      .execute();
  },
};

/**
 * Who ended an exception, beside each outcome: `person` (a review decision), `workflow` (a tool on
 * exhub.outcomes) or `source` (the system that raised it, e.g. Stripe closed the dispute). Outcomes
 * recorded before this migration have none.
 */
const outcomeResolvedBy: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('outcomes').addColumn('resolved_by', 'text').execute();
  },
};

/** In order; the key is the migration's permanent name. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_exception_keys': exceptionKeys,
  '0003_dead_letters': deadLetters,
  '0004_webhook_claim_state': webhookClaimState,
  '0005_outcome_resolved_by': outcomeResolvedBy,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the database to the latest schema. Idempotent: applied migrations are recorded in
 * `kysely_migration` and skipped; Kysely's migration lock keeps two processes from racing.
 */
export async function migrateToLatest(db: AnyDb, migrationTableSchema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreOpenError(
      `store migration ${failed} failed: ${(error as Error).message ?? String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
