/**
 * Count-and-classify for "loses nothing" tests. Every event a test sends carries a sequence number
 * (Stripe event id `evt_seq_<n>`, dispute id `du_seq_<n>`, so each maps to its own exception);
 * the checker reads the exceptions that came out and says, by sequence number, what was lost
 * (sent, never arrived), duplicated (arrived more than once — allowed, at-least-once), unexpected
 * (arrived, never sent) and invalid (not a valid canonical exception).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { validateCanonicalException } from '@exhub/canonical';
import type { SourceEventMeta } from '@exhub/core';
import { sourceEventPublishOptions } from '@exhub/messaging';
import { signStripePayload } from '@exhub/connectors/stripe';

const FIXTURE = join(__dirname, '../../connectors/stripe/fixtures/charge.dispute.created.json');
const SEQ_EVENT_ID = /^evt_seq_(\d+)$/;
/** Sequence numbers listed in a failure message before it says "… and N more". */
const MAX_LISTED = 50;
const MS_PER_S = 1000;
const HTTP_ACCEPTED = 202;

let template: Record<string, unknown> | undefined;

/** A Stripe `charge.dispute.created` event with sequence number `n` (its own dispute and charge). */
export function sequenceEvent(n: number): Buffer {
  template ??= JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
  const data = template.data as { object: Record<string, unknown> };
  return Buffer.from(
    JSON.stringify({
      ...template,
      id: `evt_seq_${n}`,
      // Each dispute of its own charge, as in life: one shared charge links every event to every
      // other (cross-domain links) and the run would measure re-scoring, not delivery.
      data: {
        ...data,
        object: {
          ...data.object,
          id: `du_seq_${n}`,
          charge: `ch_seq_${n}`,
          payment_intent: `pi_seq_${n}`,
        },
      },
    }),
  );
}

/** What the Stripe webhook connector would publish for `sequenceEvent(n)`. */
export function sequenceEventMeta(n: number, connectorId = 'stripe'): SourceEventMeta {
  return {
    eventId: randomUUID(),
    correlationId: `corr_seq_${n}`,
    connectorId,
    system: 'stripe',
    objectType: 'event',
    sourceEventId: `evt_seq_${n}`,
    receivedAt: new Date().toISOString(),
    contentType: 'application/json',
  };
}

/**
 * Publish sequence events `from`..`to` (inclusive) straight to the ingress exchange at full speed,
 * each confirmed by the broker; resolves once all are confirmed (throws if any is not).
 */
export async function publishSequence(
  channel: ConfirmChannel,
  ingressExchange: string,
  from: number,
  to: number,
): Promise<void> {
  for (let n = from; n <= to; n += 1) {
    const ok = channel.publish(
      ingressExchange,
      '',
      sequenceEvent(n),
      sourceEventPublishOptions(sequenceEventMeta(n)),
    );
    if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
  }
  await channel.waitForConfirms();
}

export interface SequenceReport {
  expected: number;
  received: number;
  distinct: number;
  lost: number[];
  /** Sequence number → times received, for those received more than once. */
  duplicated: Map<number, number>;
  unexpected: string[];
  invalid: string[];
}

export class SequenceChecker {
  private readonly counts = new Map<number, number>();
  private readonly unexpectedIds: string[] = [];
  private readonly invalidIds: string[] = [];
  private total = 0;

  constructor(private readonly sent: ReadonlySet<number>) {}

  /** Sequence numbers 1..count. */
  static forRange(count: number): SequenceChecker {
    return new SequenceChecker(new Set(Array.from({ length: count }, (_, i) => i + 1)));
  }

  /** Classify one message from the exceptions exchange. */
  record(msg: Pick<ConsumeMessage, 'content' | 'properties'>): void {
    this.total += 1;
    let body: unknown;
    try {
      body = JSON.parse(msg.content.toString('utf8'));
    } catch {
      this.invalidIds.push(`${String(msg.properties.messageId)}: not JSON`);
      return;
    }
    const result = validateCanonicalException(body);
    if (!result.ok) {
      this.invalidIds.push(`${String(msg.properties.messageId)}: not a valid canonical exception`);
    }
    const eventId = (body as { source?: { eventId?: unknown } }).source?.eventId;
    const match = typeof eventId === 'string' ? SEQ_EVENT_ID.exec(eventId) : null;
    const n = match ? Number(match[1]) : NaN;
    if (!this.sent.has(n)) {
      this.unexpectedIds.push(String(eventId ?? msg.properties.messageId));
      return;
    }
    this.counts.set(n, (this.counts.get(n) ?? 0) + 1);
  }

  /** Distinct sent sequence numbers seen so far. */
  get distinct(): number {
    return this.counts.size;
  }

  /** True once every sent sequence number arrived at least once. */
  get complete(): boolean {
    return this.counts.size === this.sent.size;
  }

  report(): SequenceReport {
    const lost = [...this.sent].filter((n) => !this.counts.has(n)).sort((a, b) => a - b);
    const duplicated = new Map([...this.counts].filter(([, count]) => count > 1));
    return {
      expected: this.sent.size,
      received: this.total,
      distinct: this.counts.size,
      lost,
      duplicated,
      unexpected: [...this.unexpectedIds],
      invalid: [...this.invalidIds],
    };
  }

  /** One line for the console, and the failure message naming what was lost by number. */
  summary(label: string): string {
    const r = this.report();
    const extra = [...r.duplicated.values()].reduce((sum, count) => sum + count - 1, 0);
    return (
      `${label}: sent ${r.expected}, received ${r.received} (${r.distinct} distinct), ` +
      `lost ${r.lost.length}${r.lost.length ? ` [${listed(r.lost)}]` : ''}, ` +
      `duplicated ${r.duplicated.size} events (${extra} extra copies), ` +
      `unexpected ${r.unexpected.length}${r.unexpected.length ? ` [${listed(r.unexpected)}]` : ''}, ` +
      `invalid ${r.invalid.length}${r.invalid.length ? ` [${listed(r.invalid)}]` : ''}`
    );
  }
}

function listed(values: readonly (number | string)[]): string {
  const shown = values.slice(0, MAX_LISTED).join(', ');
  return values.length > MAX_LISTED ? `${shown}, … and ${values.length - MAX_LISTED} more` : shown;
}

/**
 * Consume `queue` into the checker (acking each) until it is complete and nothing more arrived
 * for `quietMs`, or until `timeoutMs`. Returns the checker's report.
 */
export async function drainInto(
  channel: Channel,
  queue: string,
  checker: SequenceChecker,
  { timeoutMs, quietMs }: { timeoutMs: number; quietMs: number },
): Promise<SequenceReport> {
  let last = Date.now();
  await channel.prefetch(500);
  const { consumerTag } = await channel.consume(
    queue,
    (msg) => {
      if (!msg) return;
      checker.record(msg);
      channel.ack(msg);
      last = Date.now();
    },
    { noAck: false },
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(checker.complete && Date.now() - last >= quietMs)) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(quietMs, 100)));
  }
  await channel.cancel(consumerTag);
  return checker.report();
}

export interface PostResult {
  status: number;
  retryAfter: string | null;
  ms: number;
}

/** POST sequence event `n` to the hub's Stripe webhook, signed with `secret`, as Stripe would. */
export async function postSequenceEvent(
  baseUrl: string,
  secret: string,
  n: number,
): Promise<PostResult> {
  const body = sequenceEvent(n);
  const started = Date.now();
  try {
    const res = await fetch(`${baseUrl}/v1/ingest/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signStripePayload(body, secret, Math.floor(Date.now() / MS_PER_S)),
      },
      body: new Uint8Array(body),
    });
    await res.arrayBuffer();
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      ms: Date.now() - started,
    };
  } catch {
    // Connection refused or reset: the sender retries like any other failure.
    return { status: 0, retryAfter: null, ms: Date.now() - started };
  }
}

/**
 * A webhook sender that does what Stripe does: POST each event until it is answered 202, pausing
 * between attempts. Resolves with the number of non-202 answers it retried through.
 */
export async function sendUntilAccepted(
  baseUrl: string,
  secret: string,
  from: number,
  to: number,
  { retryPauseMs, deadline }: { retryPauseMs: number; deadline: number },
): Promise<{ retries: number }> {
  let retries = 0;
  for (let n = from; n <= to; n += 1) {
    for (;;) {
      const { status } = await postSequenceEvent(baseUrl, secret, n);
      if (status === HTTP_ACCEPTED) break;
      retries += 1;
      if (Date.now() > deadline) {
        throw new Error(
          `event evt_seq_${n} was still not accepted (last status ${status}) at the deadline`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, retryPauseMs));
    }
  }
  return { retries };
}
