/**
 * Remembers which source events were accepted, for a time window, so that a webhook redelivered by
 * its source (Stripe retries for days) is answered with the first acceptance instead of being
 * published twice. Bounded: the oldest entries go first when it is full.
 *
 * This is a per-process cache in front of the pipeline's own idempotency (deterministic exception
 * ids and message ids), not the only guard: a redelivery that reaches another hub process, or this
 * one after a restart, still yields the same exception id and message-id downstream.
 */
export interface Accepted {
  eventId: string;
  correlationId: string;
}

export class DedupeCache {
  private readonly entries = new Map<string, { value: Accepted; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<Accepted>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string, now: number): Accepted | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  /**
   * Runs `accept` once per key at a time: a concurrent duplicate waits for the first and gets its
   * answer. Only a successful acceptance is remembered, so a failed publish can be retried.
   */
  async once(
    key: string,
    now: number,
    accept: () => Promise<Accepted>,
  ): Promise<{ value: Accepted; duplicate: boolean }> {
    if (this.ttlMs <= 0) return { value: await accept(), duplicate: false };
    const known = this.get(key, now);
    if (known) return { value: known, duplicate: true };
    const inFlight = this.pending.get(key);
    if (inFlight) return { value: await inFlight, duplicate: true };
    const p = accept();
    this.pending.set(key, p);
    try {
      const value = await p;
      this.remember(key, value, now);
      return { value, duplicate: false };
    } finally {
      this.pending.delete(key);
    }
  }

  private remember(key: string, value: Accepted, now: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }
}
