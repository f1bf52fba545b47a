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
    } finally {
      load.stop();
    }
  });
});
