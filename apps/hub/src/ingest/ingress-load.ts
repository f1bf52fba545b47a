import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** How often the HTTP thread measures how busy its event loop is. */
export const LOOP_SAMPLE_MS = 25;

const IN_FLIGHT = 0;
const LOOP_PERMILLE = 1;
const CELLS = 2;

/**
 * How busy the HTTP side of the process is, readable from every thread: the webhooks being handled
 * now, and the share of the last LOOP_SAMPLE_MS its event loop spent working (not waiting), in a
 * SharedArrayBuffer that main.ts hands to the pipeline worker thread. The pipeline worker holds its
 * next batch while both say HTTP is saturated (EXHUB_INGRESS_FIRST, PipelineService), so a burst of
 * webhooks is answered first and the backlog it leaves on exhub.work is drained after; at a rate
 * HTTP keeps up with, the loop is mostly idle and nothing is held.
 */
export class IngressLoad {
  private readonly cells: Int32Array;
  private sampler?: NodeJS.Timeout;

  constructor(
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(
      CELLS * Int32Array.BYTES_PER_ELEMENT,
    ),
  ) {
    this.cells = new Int32Array(buffer);
  }

  /** A webhook is being handled (call `leave` exactly once when it is answered). */
  enter(): void {
    Atomics.add(this.cells, IN_FLIGHT, 1);
  }

  leave(): void {
    Atomics.sub(this.cells, IN_FLIGHT, 1);
  }

  /** Webhooks being handled now, in any thread. */
  get inFlight(): number {
    return Atomics.load(this.cells, IN_FLIGHT);
  }

  /**
   * The HTTP event loop's utilisation over the last two samples, the lower of the two, 0–1 (0
   * until sampling started): a loop that was busy for one sample only (the thread stalled for a
   * moment, a GC, the host) does not count as saturated; one busy for 50 ms and more does.
   */
  get loopUtilization(): number {
    return Atomics.load(this.cells, LOOP_PERMILLE) / 1000;
  }

  /** Busy enough that the pipeline should wait: `minInFlight` webhooks or more on a loop ≥ `minLoop`. */
  saturated(minInFlight: number, minLoop: number): boolean {
    return this.inFlight >= minInFlight && this.loopUtilization >= minLoop;
  }

  /** Measures this thread's event loop (the HTTP thread's) every LOOP_SAMPLE_MS until `stop`. */
  sampleLoop(
    elu: (last?: EventLoopUtilization) => EventLoopUtilization = (last) =>
      performance.eventLoopUtilization(last),
  ): void {
    if (this.sampler) return;
    let last = elu();
    let previous = 0;
    this.sampler = setInterval(() => {
      const now = elu();
      const permille = Math.round(elu(last).utilization * 1000);
      last = now;
      Atomics.store(this.cells, LOOP_PERMILLE, Math.min(permille, previous));
      previous = permille;
    }, LOOP_SAMPLE_MS);
    this.sampler.unref();
  }

  stop(): void {
    clearInterval(this.sampler);
    this.sampler = undefined;
  }
}
