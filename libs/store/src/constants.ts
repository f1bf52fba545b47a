/** Every default of the store, named once. */

/** Worklist page size when the caller names none. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest worklist page a caller may ask for; more is refused, not silently trimmed. */
export const MAX_PAGE_SIZE = 200;
/** Entries read per round trip while verifying the audit chain (bounded memory). */
export const AUDIT_VERIFY_BATCH = 500;
/** `prevHash` of the first audit entry. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);
/** Actor recorded for changes the pipeline makes. */
export const PIPELINE_ACTOR = 'pipeline';
/** How long opening a PostgreSQL store waits for the server before it reports it unreachable. */
export const PG_CONNECT_TIMEOUT_MS = 5000;
/** Connections per hub process to PostgreSQL. */
export const PG_POOL_SIZE = 10;
/** SQLite waits this long for a lock held by another connection before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Random bytes in an API key's secret part and in its salt. */
export const API_KEY_SECRET_BYTES = 32;
export const API_KEY_SALT_BYTES = 16;
/** Random bytes in an API key's public id (hex). */
export const API_KEY_ID_BYTES = 6;
/** Every API key starts with this, so a leaked one is recognisable (secret scanners). */
export const API_KEY_PREFIX = 'exhub_';
/** Advisory-lock key namespace for connector polling. */
export const POLL_LOCK_NAMESPACE = 'exhub:poll:';
/** How long the readiness check waits for the store to answer. */
export const STORE_PING_TIMEOUT_MS = 2000;
/** How often a hub process deletes expired webhook event ids. */
export const WEBHOOK_EVENT_PURGE_INTERVAL_MS = 10 * 60 * 1000;
/**
 * Open exceptions read per statement by the periodic scans (backlog gauges, root-cause counts),
 * the event loop free between statements (open-scan.ts).
 */
export const OPEN_SCAN_BATCH = 200;
/** Exceptions read per round trip while the key index is filled for rows stored before it. */
export const KEY_BACKFILL_BATCH = 500;
/** Most exceptions one findOpenExceptions call returns (also the schema's `links` maximum). */
export const MAX_FIND_OPEN = 100;
/**
 * A pending webhook claim older than this may be taken over by a retry (its owner died or stalled
 * before recording the outcome) when the caller names no timeout of its own.
 */
export const DEFAULT_WEBHOOK_PENDING_TIMEOUT_MS = 10_000;
