/**
 * Every tunable default of libs/messaging, in one place. Logic never carries a bare number: it
 * reads one of these, or an option that defaults to one of these.
 *
 * Header names are not here: they are part of the AMQP contract, not tunables, and live in
 * `headers.ts` next to the code that reads and writes them.
 */
import type { Stage } from '@exhub/core';

/** Name prefix of every exchange and queue (`exhub.ingress`, `exhub.work`, …). */
export const DEFAULT_PREFIX = 'exhub';

/** Unacked deliveries per consumer channel: how many messages one worker handles at once. */
export const DEFAULT_PREFETCH = 32;

/** Publishes awaiting a broker confirm per publisher before `publish()` waits for a slot. */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/**
 * How long one `publish()` may take, waiting for a window slot plus the broker confirm, before it
 * rejects. Bounded so HTTP ingress answers 503 instead of hanging on a stuck broker.
 */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 5_000;

/**
 * A publish waiting this long for its confirm means the broker (or the path to it) has stalled:
 * readiness stops claiming that publishes are confirmed. Confirms normally take milliseconds.
 */
export const DEFAULT_CONFIRM_STALL_MS = 2_000;

/**
 * Retry tiers (ms): roughly ×6–×10 per step, i.e. exponential backoff. Attempt n waits in tier
 * min(n, tiers) — see `retryQueueFor` in topology.ts.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [5_000, 30_000, 300_000];

/**
 * Jitter of a retry delay, as a fraction: a message waits between delay × (1 − jitter) and delay,
 * so a burst that failed together does not come back together.
 */
export const DEFAULT_RETRY_JITTER = 0.2;

/** Failed handler attempts before a retryable failure is dead-lettered ("gave up after N"). */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** How long a message may keep failing (since its first failure) before retries stop: 1 hour. */
export const DEFAULT_MAX_RETRY_AGE_MS = 60 * 60 * 1000;

/**
 * `x-delivery-limit` of the work queue: redeliveries (worker crashed, channel lost, requeue after
 * a failed retry/DLQ publish) before the broker itself dead-letters the message to the DLX.
 */
export const DEFAULT_WORK_DELIVERY_LIMIT = 5;

/** `x-max-age` of the archive stream (RabbitMQ units: Y, M, D, h, m, s). */
export const DEFAULT_ARCHIVE_MAX_AGE = '7D';

/** `x-max-length-bytes` of the archive stream: 10 GiB. Whichever of age and size is hit first wins. */
export const DEFAULT_ARCHIVE_MAX_BYTES = 10 * 1024 ** 3;

/** Longest `x-exhub-error-message` header (characters); longer messages are cut with `…`. */
export const MAX_ERROR_MESSAGE_LENGTH = 1_000;

/**
 * Pause before a delivery is requeued because its retry/DLQ publish failed, so a broker that
 * cannot confirm is not hammered in a tight redelivery loop.
 */
export const DEFAULT_REQUEUE_DELAY_MS = 1_000;

/** TCP + AMQP handshake timeout of `connectAmqp`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Reconnect backoff of `ManagedConnection`: the first attempt after a loss waits about this long,
 * each further attempt `DEFAULT_RECONNECT_FACTOR` times longer, never more than
 * `DEFAULT_RECONNECT_MAX_DELAY_MS`, each ± `DEFAULT_RECONNECT_JITTER` at random. A broker restart of
 * a few seconds is thus noticed within about a second of the broker being back.
 */
export const DEFAULT_RECONNECT_INITIAL_DELAY_MS = 200;
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 5_000;
export const DEFAULT_RECONNECT_FACTOR = 2;
export const DEFAULT_RECONNECT_JITTER = 0.2;

/**
 * AMQP heartbeat of `ManagedConnection` (seconds). A connection whose peer vanished without closing
 * the socket (a network cut, a paused VM) is noticed after two missed heartbeats, ~20 s, instead
 * of RabbitMQ's default 60 s suggestion (~120 s).
 */
export const DEFAULT_HEARTBEAT_SECONDS = 10;

/**
 * Delays (ms) before a publisher or consumer re-opens a channel the broker closed while the
 * connection stayed up: the first, doubled per failed attempt, capped at the second.
 */
export const DEFAULT_CHANNEL_REOPEN_DELAY_MS = 100;
export const DEFAULT_CHANNEL_REOPEN_MAX_DELAY_MS = 5_000;

/** AMQP `type` property of a SourceEvent on `exhub.ingress`. */
export const SOURCE_EVENT_MESSAGE_TYPE = 'source-event.v1';

/**
 * Binding key of the review queue on the exceptions exchange. Exception routing keys always have
 * three dot-separated words, so this one-word key never collides with them; the pipeline adds it
 * as `BCC` to route one publish to both subscribers and review (see topology.ts).
 */
export const REVIEW_BINDING_KEY = 'review';

/** Stage a thrown error that is not a HubError is attributed to (the first stage a worker runs). */
export const DEFAULT_FALLBACK_STAGE: Stage = 'parse';

/** AMQP `type` property of a canonical exception on the exceptions exchange. */
export const EXCEPTION_MESSAGE_TYPE = 'exception.v1';

/**
 * AMQP `priority` of an exception by tier. Only classic queues declared with `x-max-priority`
 * (≥ 4 to tell all tiers apart) act on it; quorum queues ignore it. p1 is the most urgent.
 */
export const TIER_PRIORITY: Readonly<Record<string, number>> = { p1: 4, p2: 3, p3: 2, p4: 1 };

/**
 * `x-max-length` of the dead-letter ledger queue: copies wait there only until a worker records
 * them; if no worker runs, the oldest copies are dropped (the DLQ itself keeps everything).
 */
export const DLQ_LEDGER_MAX_LENGTH = 100_000;
