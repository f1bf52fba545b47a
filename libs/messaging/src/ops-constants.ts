/**
 * Defaults of the replay and dead-letter tooling (replay.ts, dlq.ts, replay-checkpoint.ts). Kept
 * apart from constants.ts so the operations tools can change without touching the pipeline's own
 * tunables.
 */

/** Republishes per second of a replay when no `--rate` is given. */
export const DEFAULT_REPLAY_RATE_PER_SECOND = 50;

/** Stream deliveries the archive reader holds unacked at once (streams need a prefetch). */
export const DEFAULT_ARCHIVE_PREFETCH = 100;

/**
 * Stream offsets by timestamp attach at chunk granularity: a chunk that started before the window
 * may hold messages inside it. The reader starts this much earlier and filters by receive time.
 */
export const DEFAULT_ARCHIVE_START_MARGIN_MS = 60_000;

/**
 * Ingress receive times are taken just before the publish, so concurrent webhooks can land in the
 * stream slightly out of time order. The reader stops only once a message is this much past the
 * window end; messages in between are skipped, not replayed.
 */
export const DEFAULT_ARCHIVE_ORDER_SKEW_MS = 5_000;

/**
 * How long the end probe (a consumer at `x-stream-offset: last`) waits for the last chunk's
 * deliveries. An empty stream delivers nothing, so this is also how long "empty" takes to know.
 */
export const DEFAULT_ARCHIVE_END_PROBE_MS = 500;

/**
 * Safety stop of the archive reader: no delivery for this long ends the run (retention removed
 * the rest of the window, or the stream shrank). Normal runs end at the end offset first.
 */
export const DEFAULT_ARCHIVE_IDLE_TIMEOUT_MS = 5_000;

/** A checkpoint is written after this many archive messages (and always at the end). */
export const DEFAULT_CHECKPOINT_EVERY = 100;

/** Folder of replay checkpoints (`<dir>/<name>.json`), relative to the working directory. */
export const DEFAULT_REPLAY_CHECKPOINT_DIR = 'data/replay';

/** The DLQ tools look at no more than this many dead letters per run (they are held unacked). */
export const DEFAULT_DLQ_SCAN_LIMIT = 10_000;

/** basic.qos prefetch-count is a 16-bit field: a scan can hold at most this many unacked. */
export const MAX_PREFETCH = 65_535;

/** No DLQ delivery for this long ends a scan early (the queue had fewer messages than counted). */
export const DEFAULT_DLQ_IDLE_TIMEOUT_MS = 1_000;

/** Longest wait after a scan for the dead letters it gave back to count as ready again. */
export const DEFAULT_DLQ_SETTLE_MS = 3_000;

/** Poll interval of that wait. */
export const SETTLE_POLL_MS = 25;

/** Ids listed per group by `dlq ls` / `GET /v1/dlq`. */
export const DEFAULT_DLQ_SAMPLE_IDS = 5;

/** Characters of a dead letter's body shown by `dlq show`. */
export const DEFAULT_BODY_PREVIEW_CHARS = 2_000;

/** Error class of a dead letter the broker dead-lettered itself (work queue delivery limit). */
export const DELIVERY_LIMIT_CLASS = 'DELIVERY_LIMIT';

/** Stage of such a dead letter: no pipeline stage failed, the broker gave up on redelivery. */
export const BROKER_STAGE = 'broker';

/** Error class of a dead letter without error headers or x-death (published by hand?). */
export const UNKNOWN_CLASS = 'UNKNOWN';

/** Error class given to a replayed dead letter that no current mapping turns into an exception. */
export const UNMAPPED_CLASS = 'UNMAPPED';
