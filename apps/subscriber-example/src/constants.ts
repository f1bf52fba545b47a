/**
 * Every default of the example subscriber in one place. The queue name and binding keys are this
 * subscriber's own choice (the hub owns only the exchange); the rest tune the consumer.
 */

/** What this subscriber wants: every finance exception. A topic pattern on `<prefix>.exceptions`. */
export const FINANCE_EXCEPTIONS = 'finance.#';

/** Chargebacks of any tier, handled by their own method. */
export const CHARGEBACK_EXCEPTIONS = 'finance.chargeback_dispute.*';

/** The subscriber's queue is `<prefix>.<suffix>`, e.g. `exhub.example.finance`. */
export const DEFAULT_QUEUE_SUFFIX = 'example.finance';

/** Unacked messages this consumer holds at once. */
export const DEFAULT_PREFETCH = 16;

/**
 * `x-delivery-limit` of the subscriber's quorum queue: a message requeued after a failure (or
 * redelivered after a crash) this many times is dropped by the broker instead of looping forever.
 * Give the queue an `x-dead-letter-exchange` too if you want to keep those messages.
 */
export const DEFAULT_DELIVERY_LIMIT = 10;

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@localhost:5672';
