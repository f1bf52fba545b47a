/**
 * How long a write failure a connection reported refuses webhooks unless it is met again. Past
 * it, ingress tries its own writes: with the disk still full they fail on their own; with room
 * again the new work lets the connection's next write end the failure (a pipeline thread whose
 * retries are all waiting would otherwise keep ingress closed indefinitely).
 */
export const STORE_WRITE_FAILURE_FRESH_MS = 30_000;

/**
 * A store connection's write failure as its listener last heard it (`watchWriteFailure`), which
 * counts for `freshMs` after it was last met: past that, whoever refuses work because of it tries
 * again (new work is what lets a connection find out whether the disk has room again).
 */
export class RecentWriteFailure {
  private last?: { failure: string; atMs: number };

  constructor(private readonly freshMs: number = STORE_WRITE_FAILURE_FRESH_MS) {}

  /** What the connection said: a failure, or undefined once a write worked again. */
  heard(failure: string | undefined): void {
    this.last = failure === undefined ? undefined : { failure, atMs: Date.now() };
  }

  current(): string | undefined {
    const last = this.last;
    return last && Date.now() - last.atMs < this.freshMs ? last.failure : undefined;
  }
}
