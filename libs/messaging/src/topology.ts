/**
 * THE RabbitMQ topology of the hub — every exchange, queue, argument and binding — as one data
 * object (`buildTopology`) and one function that declares it (`declareTopology`). Nothing else in
 * the codebase declares broker objects or spells their names: callers take names from
 * `topology.names` (or `names(prefix)`).
 *
 * ```
 * <p>.ingress (fanout) ─┬─► <p>.archive   stream: x-max-age, x-max-length-bytes (raw, replayable)
 *                       └─► <p>.work      quorum: x-delivery-limit, DLX <p>.dlx (at-least-once)
 * <p>.retry.<label>     quorum: x-message-ttl = delay, dead-letters via the default exchange with
 *                       routing key <p>.work, i.e. back to work (at-least-once)
 * <p>.dlx (fanout) ────► <p>.dlq         quorum: permanent failures with x-exhub-error-* headers
 * <p>.dlq.quarantine    quorum, unbound: dead letters a DLQ replay re-validated and that still fail
 * <p>.dlx (fanout) ────► <p>.dlq.ledger  quorum, bounded: a copy of each dead letter for the hub's
 *                                      ledger (age of the oldest dead letter), consumed at once
 * <p>.exceptions (topic, keys <domain>.<type>.<tier>) ─► subscriber queues (bound by them)
 *                  └─ key `review` ─► <p>.review   quorum: exceptions that need a human
 * <p>.outcomes (topic) ─ # ─► <p>.outcomes   quorum: outcomes reported by workflow tools
 * ```
 *
 * Review routing: the review queue is bound to the exceptions exchange with the one-word key
 * `review`, which no `<domain>.<type>.<tier>` key can match. The pipeline publishes an exception
 * that needs review once, to the exceptions exchange, with `BCC: names.reviewKey`: the broker
 * routes it to the subscribers' queues and to review atomically, under one confirm (one publish
 * per hop), and strips BCC before delivery. A subscriber bound with `#` still gets one copy.
 *
 * Backoff: attempt n (1-based count of failed attempts) waits in retry tier min(n, tiers); the
 * default tiers 5s → 30s → 5m grow roughly exponentially, so the tier choice IS the exponential
 * backoff. Jitter is added per message by the consumer as an AMQP `expiration` below the tier's
 * TTL (see error-policy.ts). A tier is a FIFO queue whose per-message expirations never exceed its
 * TTL, so head-of-line blocking can shrink the jitter but never make a message wait past the TTL.
 *
 * Quorum at-least-once dead-lettering (RabbitMQ ≥ 3.10) needs `x-overflow: reject-publish`; it
 * is set on every queue that dead-letters (work and retry tiers) so no hop can drop a message.
 * Queue arguments cannot change in place: a changed option on an existing broker makes
 * `declareTopology` fail with a `TopologyMismatchError` that says which queue and argument.
 */
import type { Channel } from 'amqplib';
import {
  DEFAULT_ARCHIVE_MAX_AGE,
  DEFAULT_ARCHIVE_MAX_BYTES,
  DLQ_LEDGER_MAX_LENGTH,
  DEFAULT_PREFIX,
  DEFAULT_RETRY_DELAYS_MS,
  DEFAULT_WORK_DELIVERY_LIMIT,
  REVIEW_BINDING_KEY,
} from './constants';

export interface TopologyOptions {
  /** Prefix of every name: `exhub` in production, a random one in tests. */
  prefix: string;
  /** Retry tier delays in ms, strictly increasing. */
  retryDelaysMs: readonly number[];
  /** `x-delivery-limit` of the work queue. */
  workDeliveryLimit: number;
  /** `x-max-age` of the archive stream, e.g. `7D`, `12h`. */
  archiveMaxAge: string;
  /** `x-max-length-bytes` of the archive stream. */
  archiveMaxBytes: number;
}

export interface TopologyNames {
  prefix: string;
  ingress: string;
  archive: string;
  work: string;
  dlx: string;
  dlq: string;
  /** Dead letters a DLQ replay re-validated and that still fail (published via the default exchange). */
  quarantine: string;
  /** A copy of every dead letter, recorded by the hub for the oldest-dead-letter age. */
  dlqLedger: string;
  exceptions: string;
  review: string;
  /** Binding key of the review queue on the exceptions exchange; publish with `BCC: reviewKey`. */
  reviewKey: string;
  /** Exchange and queue share this name (they live in different namespaces). */
  outcomes: string;
  /** Retry queue of a delay, e.g. `exhub.retry.5s`. */
  retry(delayMs: number): string;
}

export type ExchangeType = 'fanout' | 'topic' | 'direct';
export type QueueArguments = Readonly<Record<string, string | number>>;

export interface ExchangeDeclaration {
  name: string;
  type: ExchangeType;
  purpose: string;
}

export interface QueueDeclaration {
  name: string;
  arguments: QueueArguments;
  purpose: string;
}

export interface BindingDeclaration {
  exchange: string;
  queue: string;
  pattern: string;
}

export interface RetryTier {
  /** `5s`, `30s`, `5m`, `200ms` … */
  label: string;
  delayMs: number;
  queue: string;
}

export interface Topology {
  options: Readonly<TopologyOptions>;
  names: TopologyNames;
  exchanges: readonly ExchangeDeclaration[];
  queues: readonly QueueDeclaration[];
  bindings: readonly BindingDeclaration[];
  /** In increasing delay order. */
  retryTiers: readonly RetryTier[];
}

const UNITS: readonly (readonly [number, string])[] = [
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1_000, 's'],
];

/** `5000` → `5s`, `300000` → `5m`, `200` → `200ms`: the largest unit that divides the delay. */
export function delayLabel(delayMs: number): string {
  for (const [size, unit] of UNITS) {
    if (delayMs % size === 0) return `${delayMs / size}${unit}`;
  }
  return `${delayMs}ms`;
}

/** Every name of the topology under a prefix. */
export function names(prefix: string = DEFAULT_PREFIX): TopologyNames {
  return {
    prefix,
    ingress: `${prefix}.ingress`,
    archive: `${prefix}.archive`,
    work: `${prefix}.work`,
    dlx: `${prefix}.dlx`,
    dlq: `${prefix}.dlq`,
    quarantine: `${prefix}.dlq.quarantine`,
    dlqLedger: `${prefix}.dlq.ledger`,
    exceptions: `${prefix}.exceptions`,
    review: `${prefix}.review`,
    reviewKey: REVIEW_BINDING_KEY,
    outcomes: `${prefix}.outcomes`,
    retry: (delayMs: number) => `${prefix}.retry.${delayLabel(delayMs)}`,
  };
}

function validate(options: TopologyOptions): void {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(options.prefix)) {
    problems.push(`prefix "${options.prefix}" must be letters, digits, '.', '_' or '-'`);
  }
  const delays = options.retryDelaysMs;
  if (delays.length === 0) problems.push('retryDelaysMs must name at least one delay');
  delays.forEach((delay, i) => {
    if (!Number.isInteger(delay) || delay <= 0) {
      problems.push(`retryDelaysMs[${i}] = ${delay} must be a positive integer (ms)`);
    } else if (i > 0 && delay <= delays[i - 1]) {
      problems.push(`retryDelaysMs[${i}] = ${delay} must be greater than ${delays[i - 1]}`);
    }
  });
  if (!Number.isInteger(options.workDeliveryLimit) || options.workDeliveryLimit < 1) {
    problems.push(`workDeliveryLimit = ${options.workDeliveryLimit} must be a positive integer`);
  }
  if (!/^[0-9]+[YMDhms]$/.test(options.archiveMaxAge)) {
    problems.push(`archiveMaxAge "${options.archiveMaxAge}" must look like 7D, 12h or 30m`);
  }
  if (!Number.isInteger(options.archiveMaxBytes) || options.archiveMaxBytes < 1) {
    problems.push(`archiveMaxBytes = ${options.archiveMaxBytes} must be a positive integer`);
  }
  if (problems.length > 0) {
    throw new RangeError(`invalid messaging topology options: ${problems.join('; ')}`);
  }
}

/** The whole topology as data. Pure: declares nothing. Throws a RangeError on invalid options. */
export function buildTopology(overrides: Partial<TopologyOptions> = {}): Topology {
  const options: TopologyOptions = {
    prefix: overrides.prefix ?? DEFAULT_PREFIX,
    retryDelaysMs: [...(overrides.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)],
    workDeliveryLimit: overrides.workDeliveryLimit ?? DEFAULT_WORK_DELIVERY_LIMIT,
    archiveMaxAge: overrides.archiveMaxAge ?? DEFAULT_ARCHIVE_MAX_AGE,
    archiveMaxBytes: overrides.archiveMaxBytes ?? DEFAULT_ARCHIVE_MAX_BYTES,
  };
  validate(options);
  const n = names(options.prefix);
  const atLeastOnce = {
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  } as const;

  const retryTiers: RetryTier[] = options.retryDelaysMs.map((delayMs) => ({
    label: delayLabel(delayMs),
    delayMs,
    queue: n.retry(delayMs),
  }));

  const exchanges: ExchangeDeclaration[] = [
    { name: n.ingress, type: 'fanout', purpose: 'every SourceEvent, published with confirm' },
    { name: n.dlx, type: 'fanout', purpose: 'permanent failures, routed to the DLQ' },
    {
      name: n.exceptions,
      type: 'topic',
      purpose: 'prioritized exceptions, routing key <domain>.<type>.<tier>',
    },
    { name: n.outcomes, type: 'topic', purpose: 'outcomes reported by workflow tools' },
  ];

  const queues: QueueDeclaration[] = [
    {
      name: n.archive,
      purpose: 'the replayable raw log of every SourceEvent',
      arguments: {
        'x-queue-type': 'stream',
        'x-max-age': options.archiveMaxAge,
        'x-max-length-bytes': options.archiveMaxBytes,
      },
    },
    {
      name: n.work,
      purpose: 'pipeline input (competing consumers)',
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': options.workDeliveryLimit,
        'x-dead-letter-exchange': n.dlx,
        ...atLeastOnce,
      },
    },
    ...retryTiers.map((tier) => ({
      name: tier.queue,
      purpose: `retry tier: waits ${tier.label}, then dead-letters back to ${n.work}`,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': tier.delayMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': n.work,
        ...atLeastOnce,
      },
    })),
    {
      name: n.dlq,
      purpose: 'permanent failures with x-exhub-error-* headers, original payload untouched',
      arguments: { 'x-queue-type': 'quorum' },
    },
    {
      name: n.quarantine,
      purpose: 'dead letters that still failed when a DLQ replay re-validated them (no loop)',
      arguments: { 'x-queue-type': 'quorum' },
    },
    {
      name: n.dlqLedger,
      purpose:
        'a copy of each dead letter, recorded by the hub (age of the oldest dead letter); bounded',
      arguments: {
        'x-queue-type': 'quorum',
        'x-max-length': DLQ_LEDGER_MAX_LENGTH,
        'x-overflow': 'drop-head',
      },
    },
    {
      name: n.review,
      purpose: 'exceptions that require human review',
      arguments: { 'x-queue-type': 'quorum' },
    },
    {
      name: n.outcomes,
      purpose: 'outcomes reported by workflow tools',
      arguments: { 'x-queue-type': 'quorum' },
    },
  ];

  const bindings: BindingDeclaration[] = [
    { exchange: n.ingress, queue: n.archive, pattern: '' },
    { exchange: n.ingress, queue: n.work, pattern: '' },
    { exchange: n.dlx, queue: n.dlq, pattern: '' },
    { exchange: n.dlx, queue: n.dlqLedger, pattern: '' },
    { exchange: n.exceptions, queue: n.review, pattern: n.reviewKey },
    { exchange: n.outcomes, queue: n.outcomes, pattern: '#' },
  ];

  return { options, names: n, exchanges, queues, bindings, retryTiers };
}

/**
 * The retry tier for a failed attempt: attempt n (1-based) → tier min(n, tiers). `minDelayMs`
 * (e.g. a rate limit's Retry-After) moves it up to the first tier at least that long, or the last.
 */
export function retryQueueFor(
  topology: Pick<Topology, 'retryTiers'>,
  attempt: number,
  minDelayMs = 0,
): RetryTier {
  const tiers = topology.retryTiers;
  if (tiers.length === 0) throw new RangeError('topology has no retry tiers');
  const byAttempt = Math.min(Math.max(Math.floor(attempt), 1), tiers.length) - 1;
  if (tiers[byAttempt].delayMs >= minDelayMs) return tiers[byAttempt];
  return tiers.find((tier) => tier.delayMs >= minDelayMs) ?? tiers[tiers.length - 1];
}

/** An existing exchange or queue differs from the topology (the broker answered PRECONDITION_FAILED). */
export class TopologyMismatchError extends Error {
  constructor(
    readonly kind: 'exchange' | 'queue',
    readonly objectName: string,
    readonly argument: string | undefined,
    brokerMessage: string,
    options?: { cause?: unknown },
  ) {
    const what = argument ? `a different ${argument}` : 'different settings';
    const fix =
      kind === 'queue'
        ? `delete it (rabbitmqctl delete_queue ${objectName} — its messages are lost) or align the topology options with it`
        : `delete it (rabbitmqctl delete_exchange ${objectName}) or align the topology with it`;
    super(
      `${kind} ${objectName} already exists with ${what} than the topology declares ` +
        `(broker: ${brokerMessage}) — arguments cannot change in place: ${fix}`,
      options,
    );
    this.name = 'TopologyMismatchError';
  }
}

interface AmqpServerError {
  code?: unknown;
  message?: unknown;
}

const PRECONDITION_FAILED = 406;

function mismatchFrom(
  error: unknown,
  kind: 'exchange' | 'queue',
  objectName: string,
): TopologyMismatchError | undefined {
  const { code, message } = (error ?? {}) as AmqpServerError;
  if (code !== PRECONDITION_FAILED || typeof message !== 'string') return undefined;
  const detail = /PRECONDITION_FAILED - (.*?)"?$/.exec(message)?.[1] ?? message;
  const argument = /inequivalent arg '([^']+)'/.exec(detail)?.[1];
  return new TopologyMismatchError(kind, objectName, argument, detail, { cause: error });
}

async function step<T>(
  kind: 'exchange' | 'queue',
  objectName: string,
  action: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const mismatch = mismatchFrom(error, kind, objectName);
    if (mismatch) throw mismatch;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${action} ${kind} ${objectName} failed: ${reason}`, { cause: error });
  }
}

/**
 * Declare the whole topology. Idempotent: re-declaring identical objects is a no-op on the broker.
 * On a mismatch the broker closes the channel, so the channel is unusable after a rejection.
 */
export async function declareTopology(
  channel: Pick<Channel, 'assertExchange' | 'assertQueue' | 'bindQueue'>,
  topology: Topology,
): Promise<void> {
  for (const exchange of topology.exchanges) {
    await step('exchange', exchange.name, 'declaring', () =>
      channel.assertExchange(exchange.name, exchange.type, { durable: true }),
    );
  }
  for (const queue of topology.queues) {
    await step('queue', queue.name, 'declaring', () =>
      channel.assertQueue(queue.name, { durable: true, arguments: { ...queue.arguments } }),
    );
  }
  for (const binding of topology.bindings) {
    await step('queue', binding.queue, `binding ${binding.exchange} →`, () =>
      channel.bindQueue(binding.queue, binding.exchange, binding.pattern),
    );
  }
}

/**
 * Delete every queue and exchange of a topology (tests and tooling on a throwaway prefix). Queues
 * lose their messages; missing objects are fine. Refuses the production prefix unless forced.
 */
export async function deleteTopology(
  channel: Pick<Channel, 'deleteQueue' | 'deleteExchange'>,
  topology: Topology,
  options: { force?: boolean } = {},
): Promise<void> {
  if (topology.options.prefix === DEFAULT_PREFIX && !options.force) {
    throw new Error(
      `refusing to delete the ${DEFAULT_PREFIX}.* topology and its messages; pass { force: true } if you mean it`,
    );
  }
  for (const queue of topology.queues) await channel.deleteQueue(queue.name);
  for (const exchange of topology.exchanges) await channel.deleteExchange(exchange.name);
}
