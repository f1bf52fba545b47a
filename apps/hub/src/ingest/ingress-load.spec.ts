import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { IngressLoad, LOOP_SAMPLE_MS } from './ingress-load';

describe('IngressLoad', () => {
  it('counts the webhooks in flight, and another thread sees the same count', async () => {
    const load = new IngressLoad();
    load.enter();
    load.enter();
    load.enter();
    load.leave();
    expect(load.inFlight).toBe(2);
    // A worker thread reading the shared buffer, as the pipeline worker thread does.
    const seen = await new Promise<number>((resolve, reject) => {
      const worker = new Worker(
        `const { workerData, parentPort } = require('node:worker_threads');
         parentPort.postMessage(Atomics.load(new Int32Array(workerData), 0));`,
        { eval: true, workerData: load.buffer },
      );
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(seen).toBe(2);
  });

  it('is saturated only with enough webhooks in flight on a busy enough event loop', async () => {
    const load = new IngressLoad();
    let utilization = 0;
    const elu = (last?: EventLoopUtilization): EventLoopUtilization =>
      ({ idle: 0, active: 0, utilization: last ? utilization : 0 }) as EventLoopUtilization;
    load.sampleLoop(elu);
    try {
      for (let i = 0; i < 10; i++) load.enter();
      utilization = 0.2;
      await new Promise((r) => setTimeout(r, LOOP_SAMPLE_MS * 3));
      expect(load.loopUtilization).toBeCloseTo(0.2, 3);
      // Many in flight, but the loop keeps up: a steady rate HTTP handles, nothing is held.
      expect(load.saturated(8, 0.5)).toBe(false);

      utilization = 0.95;
      await new Promise((r) => setTimeout(r, LOOP_SAMPLE_MS * 3));
      expect(load.saturated(8, 0.5)).toBe(true);
      // A busy loop with few webhooks (other HTTP work): not the webhooks' burst.
      expect(load.saturated(11, 0.5)).toBe(false);
      // One idle sample ends it at once (one busy sample alone does not start it: the next case).
      utilization = 0.1;
      await new Promise((r) => setTimeout(r, LOOP_SAMPLE_MS * 1.5));
      expect(load.saturated(8, 0.5)).toBe(false);
    } finally {
      load.stop();
    }
  });

  it('takes one busy sample between idle ones for a stall, not for saturation', () => {
    jest.useFakeTimers();
    const load = new IngressLoad();
    const samples = [0.1, 0.9, 0.1, 0.9, 0.9];
    let i = -1;
    const elu = (last?: EventLoopUtilization): EventLoopUtilization =>
      ({ idle: 0, active: 0, utilization: last ? samples[i] : 0 }) as EventLoopUtilization;
    try {
      load.sampleLoop(elu);
      for (let k = 0; k < 10; k++) load.enter();
      const seen: boolean[] = [];
      for (i = 0; i < samples.length; i++) {
        jest.advanceTimersByTime(LOOP_SAMPLE_MS);
        seen.push(load.saturated(8, 0.5));
      }
      // Busy, idle, busy alone: never held; busy twice in a row (50 ms): held.
      expect(seen).toEqual([false, false, false, false, true]);
    } finally {
      load.stop();
      jest.useRealTimers();
    }
  });
});
