/** Defaults of the environment settings in ARCHITECTURE.md ("Environment"). */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@localhost:5672';
export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_STORE_URL = 'sqlite:./data/exhub.db';
export const DEFAULT_ROLES = 'all';
export const DEFAULT_MAPPINGS_DIR = 'mappings';
export const DEFAULT_POLICIES_DIR = 'policies';
export const DEFAULT_CONFIG_FILE = 'exhub.config.yaml';
export const DEFAULT_LOG_LEVEL = 'info';
/** The levels LOG_LEVEL may name: pino's, most to least severe, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_DEDUPE_WINDOW_SECONDS = 24 * 60 * 60;
/** Seconds a client is asked to wait (Retry-After) when the broker cannot confirm. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** How long shutdown may take before the process exits anyway. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 20_000;
/**
 * Deliveries the pipeline worker holds unacknowledged at once (EXHUB_WORKER_PREFETCH). The worker
 * is CPU-bound and costs less per event in larger group commits (128 gave ~20 % less CPU per event
 * than 32 on bench:pipeline), but 32 is RabbitMQ's `quorum_commands_soft_limit`: a channel holds
 * settles beyond it unsent, and a graceful stop that closes the channel right after acking more
 * than that many loses them — the broker redelivers those deliveries and the next hub processes
 * them again (test/e2e/reliability/crash-and-shutdown: 15–93 of 1,000 events twice in 3 of 5 runs
 * at 128, none at 32). Raise it only with the broker's limit raised to match.
 */
export const DEFAULT_WORKER_PREFETCH = 32;
/**
 * Channels the pipeline worker consumes exhub.work on (EXHUB_WORKER_CHANNELS), each with the
 * prefetch: more deliveries in hand for one group commit than one channel may safely hold unacked
 * (above). Two gave ~21 deliveries a group commit instead of ~11 and ~6 % less CPU per event on
 * bench:pipeline, with the backlog's peak RSS unchanged; three, ~30 a commit, no less CPU than two,
 * and a peak ~60 MiB higher.
 */
export const DEFAULT_WORKER_CHANNELS = 2;
/**
 * Deliveries the pipeline worker stores in one transaction at most (EXHUB_WORKER_BATCH_MAX) when
 * unset: everything it can hold, the prefetch × the channels, so every delivery that is ready can
 * join one group commit.
 */
export function defaultWorkerBatchMax(prefetch: number, channels: number): number {
  return prefetch * channels;
}
/**
 * EXHUB_WORKER_THREAD: with the `pipeline` role beside others in one process, run the pipeline
 * worker in its own worker thread (`on`) or on the HTTP event loop (`off`).
 */
export const DEFAULT_WORKER_THREAD = 'on';
/**
 * EXHUB_PIPELINE_THREAD_NICE: the pipeline worker thread's nice value (Linux, 0–19). Above the
 * HTTP thread's 0, when the cores are busy the scheduler gives webhook ingress (and the broker it
 * waits on) the CPU first and the pipeline drains with what is left; idle cores are used all the
 * same. Off (0, the same priority as HTTP) by default: on a busy shared host it also loses to
 * every other process, and the pipeline's latency grows (apps/hub/README.md has the figures).
 */
export const DEFAULT_PIPELINE_THREAD_NICE = 0;
/**
 * EXHUB_INGRESS_FIRST: while this many webhooks (or more) are being handled in this process, the
 * pipeline worker holds its next batch (unacknowledged, at most EXHUB_INGRESS_FIRST_MAX_WAIT), so
 * a burst is answered first and drained after. 0 = never hold.
 */
export const DEFAULT_INGRESS_FIRST = 8;
/** EXHUB_INGRESS_FIRST_MAX_WAIT: the longest a batch is held for webhooks, busy or not. */
export const DEFAULT_INGRESS_FIRST_MAX_WAIT_MS = 250;
/**
 * EXHUB_INGRESS_FIRST_LOOP: the HTTP event loop's utilisation (0–1, in each of the last two 25 ms samples) from which
 * the webhooks count as saturating it: below it, HTTP keeps up and the pipeline never waits,
 * however many are in flight.
 */
export const DEFAULT_INGRESS_FIRST_LOOP = 0.5;
/** How often a held batch asks again whether the webhooks are still busy. */
export const INGRESS_FIRST_POLL_MS = 5;
/** The highest (least favoured) nice value Linux accepts. */
export const MAX_NICE = 19;
export const WORKER_THREAD_SETTINGS = ['on', 'off'] as const;
/**
 * EXHUB_PG_NAMED_STATEMENTS: `on` = each statement text is prepared once per PostgreSQL connection
 * (libs/store `pg-named-statements.ts`); `off` = every query unnamed, for a connection pooler that
 * cannot carry prepared statements across its server connections (PgBouncer before 1.21, or
 * without `max_prepared_statements`, in transaction mode).
 */
export const DEFAULT_PG_NAMED_STATEMENTS = 'on';
export type WorkerThreadSetting = (typeof WORKER_THREAD_SETTINGS)[number];
/**
 * Who checkpoints the embedded SQLite store's WAL (EXHUB_SQLITE_CHECKPOINT): a thread of its own
 * (`background`), or SQLite's automatic checkpoint inside the commit that fills it (`commit`).
 */
export const SQLITE_CHECKPOINT_MODES = ['background', 'commit'] as const;
export type SqliteCheckpoint = (typeof SQLITE_CHECKPOINT_MODES)[number];
export const DEFAULT_SQLITE_CHECKPOINT: SqliteCheckpoint = 'background';

export const ROLES = ['ingress', 'pipeline'] as const;
export type Role = (typeof ROLES)[number];
/** Enrichment (exhub.config.yaml `enrichment`): lookup cache, recovery re-check, due-date sweep. */
export const DEFAULT_ENRICHMENT_CACHE_TTL_SECONDS = 300;
export const DEFAULT_ENRICHMENT_RECHECK_SECONDS = 30;
export const DEFAULT_DUE_SWEEP_SECONDS = 300;
export const DEFAULT_DUE_WITHIN_HOURS = 72;
/**
 * Webhook ingress rate limit per connector and client IP (EXHUB_INGRESS_RATE_LIMIT requests per
 * EXHUB_INGRESS_RATE_WINDOW), per process. Above the hub's ingest target, so it stops floods and
 * signature-guessing loops without ever limiting a real source; 0 turns it off.
 */
export const DEFAULT_INGRESS_RATE_LIMIT = 10_000;
export const DEFAULT_INGRESS_RATE_WINDOW = '1s';
