import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import {
  ASK_TIMEOUT_MS,
  PipelineThread,
  READINESS_STALE_MS,
  RESTART_MIN_DELAY_MS,
} from './pipeline-thread';

const BUSY_MS = ASK_TIMEOUT_MS + 1000;

/** Stand-ins for pipeline-thread.main.js, speaking the same protocol (protocol.ts). */
const WORKS = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.kind === 'shutdown') process.exit(0);
  else if (m.kind === 'build') parentPort.postMessage({ kind: 'started' });
  else if (m.kind === 'ask') parentPort.postMessage({ kind: 'answer', id: m.id, readiness: { pipeline: { ok: true, detail: 'consuming work' } } });
});
`;
/** Answers once, then is busy (blocked, not spinning) longer than the main thread waits. */
const ANSWERS_THEN_BUSY = `
const { parentPort } = require('node:worker_threads');
let answered = false;
parentPort.on('message', (m) => {
  if (m.kind === 'shutdown') process.exit(0);
  if (m.kind !== 'ask' || answered) return;
  answered = true;
  parentPort.postMessage({ kind: 'answer', id: m.id, readiness: { pipeline: { ok: true, detail: 'consuming work' } } });
  setImmediate(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${BUSY_MS}));
});
parentPort.postMessage({ kind: 'started' });
`;
const FAILS_TO_START = `throw new Error('cannot reach the broker');`;
/** Its store meets a full disk once started, recovers on 'ask', and dies on the next 'ask'. */
const STORE_FULL_THEN_DIES = `
const { parentPort } = require('node:worker_threads');
let asks = 0;
parentPort.on('message', (m) => {
  if (m.kind === 'shutdown') process.exit(0);
  else if (m.kind === 'build') {
    parentPort.postMessage({ kind: 'started' });
    parentPort.postMessage({ kind: 'store-write', failure: 'cannot write: the disk is full' });
  } else if (m.kind === 'ask' && ++asks === 1) {
    parentPort.postMessage({ kind: 'store-write', failure: undefined });
    parentPort.postMessage({ kind: 'answer', id: m.id, readiness: { pipeline: { ok: true, detail: 'consuming work' } } });
  } else if (m.kind === 'ask') {
    parentPort.postMessage({ kind: 'store-write', failure: 'cannot write: the disk is full' });
    setImmediate(() => process.exit(3));
  }
});
`;

async function until(ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

describe('PipelineThread: the main thread’s handle on the pipeline worker thread', () => {
  let dir: string;
  const file = (name: string, code: string): string => {
    const path = join(dir, name);
    writeFileSync(path, code);
    return path;
  };
  const logger = pino({ level: 'silent' });

  /** A thread whose store meets a full disk (STORE_FULL_THEN_DIES); its reports count for `freshMs`. */
  const storeFullThread = (freshMs: number) =>
    new PipelineThread({
      data: { thread: 'pipeline', version: 't' },
      logger,
      onRestart: () => undefined,
      file: file('store-full.js', STORE_FULL_THEN_DIES),
      storeWriteFailureFreshMs: freshMs,
    });

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'exhub-thread-spec-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what the thread last said of its store writes, and forgets it when the thread dies', async () => {
    const thread = storeFullThread(60_000);
    thread.start();
    expect(thread.storeWriteFailure()).toBeUndefined();
    thread.release();
    await until(() => thread.storeWriteFailure() !== undefined);
    expect(thread.storeWriteFailure()).toBe('cannot write: the disk is full');
    // Messages arrive in order: the recovery is known before the answer that follows it.
    await thread.readiness();
    expect(thread.storeWriteFailure()).toBeUndefined();
    // A dead thread's connection is gone with it: its last word no longer stands.
    void thread.readiness();
    await until(async () => (await thread.readiness()).pipeline.detail.includes('died'));
    expect(thread.storeWriteFailure()).toBeUndefined();
    await thread.stop();
  });

  it('a write failure the thread does not meet again stops refusing after a while', async () => {
    const thread = storeFullThread(300);
    thread.start();
    thread.release();
    await until(() => thread.storeWriteFailure() !== undefined);
    await until(() => thread.storeWriteFailure() === undefined);
    // Still running: it is the age of the report, not the thread's death, that ended it.
    expect((await thread.readiness()).pipeline.ok).toBe(true);
    await thread.stop();
  });

  it('builds once released, then reports the thread’s own readiness; stops it with exit code 0', async () => {
    const restarts: number[] = [];
    const thread = new PipelineThread({
      data: { thread: 'pipeline', version: 't' },
      logger,
      onRestart: () => restarts.push(Date.now()),
      file: file('works.js', WORKS),
    });
    thread.start();
    expect((await thread.readiness()).pipeline).toEqual({
      ok: false,
      detail: 'pipeline worker thread starting',
    });
    // Not released yet: the thread has loaded but not built (the main thread's store not open).
    await new Promise((r) => setTimeout(r, 100));
    expect((await thread.readiness()).pipeline.ok).toBe(false);
    thread.release();
    await until(async () => (await thread.readiness()).pipeline.ok);
    expect(await thread.readiness()).toEqual({ pipeline: { ok: true, detail: 'consuming work' } });
    expect(await thread.stop()).toBe(0);
    expect((await thread.readiness()).pipeline).toEqual({
      ok: false,
      detail: 'pipeline worker thread stopping (shutdown)',
    });
    expect(restarts).toEqual([]);
  });

  it('keeps a busy thread’s last answer for a while instead of flapping to not ready', async () => {
    expect(READINESS_STALE_MS).toBeGreaterThan(BUSY_MS);
    const thread = new PipelineThread({
      data: { thread: 'pipeline', version: 't' },
      logger,
      onRestart: () => undefined,
      file: file('busy.js', ANSWERS_THEN_BUSY),
    });
    thread.start();
    try {
      await until(async () => (await thread.readiness()).pipeline.ok);
      // The thread is now blocked past ASK_TIMEOUT_MS: the answer above stands, marked as old.
      const stale = (await thread.readiness()).pipeline;
      expect(stale.ok).toBe(true);
      expect(stale.detail).toMatch(/^consuming work \(as of \d+ ms ago: the thread is busy\)$/);
    } finally {
      await thread.stop();
    }
  });

  it('restarts a thread that dies, naming why, and restarts nothing once stopped', async () => {
    let restarts = 0;
    const thread = new PipelineThread({
      data: { thread: 'pipeline', version: 't' },
      logger,
      onRestart: () => (restarts += 1),
      file: file('fails.js', FAILS_TO_START),
    });
    thread.start();
    await until(() => restarts === 1);
    const readiness = (await thread.readiness()).pipeline;
    expect(readiness.ok).toBe(false);
    expect(readiness.detail).toMatch(
      /^pipeline worker thread failed to start \(Error: cannot reach the broker\); restarting in \d+ ms$/,
    );
    // The first restart comes after RESTART_MIN_DELAY_MS; stopping before it cancels it.
    expect(await thread.stop()).toBe(0);
    await new Promise((r) => setTimeout(r, RESTART_MIN_DELAY_MS + 500));
    expect(restarts).toBe(1);
  });

  it('backs off: the second death in a row waits twice as long as the first', async () => {
    const delays: number[] = [];
    const thread = new PipelineThread({
      data: { thread: 'pipeline', version: 't' },
      logger: pino({ level: 'silent' }),
      onRestart: () => undefined,
      file: file('fails-again.js', FAILS_TO_START),
    });
    const spy = jest.spyOn(global, 'setTimeout');
    try {
      thread.start();
      await until(() => spy.mock.calls.some(([, ms]) => ms === RESTART_MIN_DELAY_MS * 2));
      for (const [, ms] of spy.mock.calls) if (ms && ms >= RESTART_MIN_DELAY_MS) delays.push(ms);
    } finally {
      await thread.stop();
      spy.mockRestore();
    }
    expect(delays.slice(0, 2)).toEqual([RESTART_MIN_DELAY_MS, RESTART_MIN_DELAY_MS * 2]);
  });
});
