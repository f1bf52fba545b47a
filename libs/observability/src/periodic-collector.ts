/** How long stop() waits for a round in progress: shutdown must not hang on an outage. */
const STOP_WAIT_MS = 1_000;

/**
 * A metric collector that polls a source (the broker, the store) every interval: one round at a
 * time, a first round at start so the first scrape has values, and a stop that does not wait on
 * a round stuck behind an outage for longer than STOP_WAIT_MS. Subclasses supply `pollOnce`,
 * which must never reject (count and log failures instead).
 */
export abstract class PeriodicCollector {
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  protected stopped = false;

  protected constructor(private readonly intervalMs: number) {}

  protected abstract pollOnce(): Promise<void>;

  /** Runs after polling stopped (close a channel, …). */
  protected async afterStop(): Promise<void> {}

  /** Polls once now (so the first scrape has values), then every interval. */
  async start(): Promise<void> {
    await this.poll();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops polling; a round in progress is waited for at most STOP_WAIT_MS. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.polling,
      new Promise((resolve) => (timeout = setTimeout(resolve, STOP_WAIT_MS))),
    ]);
    clearTimeout(timeout);
    await this.afterStop();
  }

  /** One round; a round already running is joined rather than started twice. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }
}
