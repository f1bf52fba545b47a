/*
 * Preloaded into the built hub by test/e2e/hub/pipeline-thread.e2e-spec.ts (NODE_OPTIONS
 * --require; worker threads run preloads too). In the pipeline worker thread only, it waits for
 * the file named by EXHUB_TEST_CRASH_FILE to appear, deletes it, and throws an uncaught error
 * there: the thread dies as it would on a bug, and the test sees how the hub handles it. The hub
 * itself has no test hook; the main thread ignores this file.
 */
'use strict';
const { existsSync, rmSync } = require('node:fs');
const { isMainThread, workerData } = require('node:worker_threads');

const trigger = process.env.EXHUB_TEST_CRASH_FILE;
const POLL_MS = 50;

// Other threads (the SQLite store's checkpoint thread) run this preload too: only the pipeline's.
if (!isMainThread && trigger && workerData && workerData.thread === 'pipeline') {
  const timer = setInterval(() => {
    if (!existsSync(trigger)) return;
    rmSync(trigger, { force: true });
    clearInterval(timer);
    throw new Error('injected crash of the pipeline worker thread (test)');
  }, POLL_MS);
  timer.unref();
}
