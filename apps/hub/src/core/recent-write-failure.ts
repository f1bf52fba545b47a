/**
 * A store connection's write failure as its listener last heard it (`watchWriteFailure`), which
 * counts for `freshMs` after it was last met: past that, whoever refuses work because of it tries
 * again (new work is what lets a connection find out whether the disk has room again).
 */
export class RecentWriteFailure {
  private last?: { failure: string; atMs: number };

  constructor(private readonly freshMs: number) {}

  /** What the connection said: a failure, or undefined once a write worked again. */
  heard(failure: string | undefined): void {
    this.last = failure === undefined ? undefined : { failure, atMs: Date.now() };
  }

  current(): string | undefined {
    const last = this.last;
    return last && Date.now() - last.atMs < this.freshMs ? last.failure : undefined;
  }
}
