import type { ThreadReadiness } from '../hub-runtime';
import type { MetricsJson } from './merge-metrics';

/** What the main thread asks the pipeline worker thread. */
export type ToThread =
  | { kind: 'ask'; id: number; what: 'readiness' | 'metrics' }
  /** Build the runtime and start consuming (sent once the main thread's runtime is up). */
  | { kind: 'build' }
  /** Drain: cancel the consumer, let in-flight deliveries finish and be acked, close, exit 0. */
  | { kind: 'shutdown' };

/** What the pipeline worker thread tells the main thread. */
export type FromThread =
  /** Built and consuming exhub.work. */
  | { kind: 'started' }
  /**
   * Its store connection failed a write (what it says), or wrote again after failures
   * (undefined): the HTTP thread refuses webhooks meanwhile, as readiness does.
   */
  | { kind: 'store-write'; failure: string | undefined }
  | {
      kind: 'answer';
      id: number;
      readiness?: ThreadReadiness;
      metrics?: MetricsJson;
    };

/** `workerData` of the thread. */
export interface PipelineThreadData {
  /** Names the thread for whoever looks at a thread's workerData (a preload, a debugger). */
  thread: 'pipeline';
  version: string;
  /** The main thread's IngressLoad counter (the webhooks it is handling), which the worker yields to. */
  ingressLoad?: SharedArrayBuffer;
  /** The main thread's SQLite write gate (its `buffer`), so both threads' writers queue at one gate. */
  writeGate?: SharedArrayBuffer;
}
