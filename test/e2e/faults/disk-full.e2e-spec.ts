/**
 * Fault (c): the disk under the SQLite store fills up while events flow. The store lives on a tiny
 * tmpfs mounted for this test (the test runs as root; it fails, loudly, where mounting is not
 * permitted) and a filler file takes the last free byte. Readiness must name the store's write
 * failure (issue 20, finding 8: it stayed 200), failures must say the disk is full (not "cannot
 * rollback - no transaction is active"), and once space returns nothing is lost.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishSequence } from '../../support/sequence-checker';
import { account, faultCase, postProbe, readiness, type FaultCase } from './fault-harness';

const EVENTS = 300;
/** Room for the store, its WAL and the hub's first writes; the filler takes the rest. */
const TMPFS_SIZE = '8m';
const FILL_CHUNK_BYTES = 64 * 1024;
const NOTICE_TIMEOUT_MS = 20_000;
const RECOVERY_TIMEOUT_MS = 60_000;
const DRAIN = { timeoutMs: 60_000, quietMs: 1_000 };
const TEST_TIMEOUT_MS = 180_000;
const POLL_MS = 200;

/** Writes `path` until the volume refuses (ENOSPC); returns the bytes written. */
function fillVolume(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(FILL_CHUNK_BYTES, 1);
  let written = 0;
  try {
    for (;;) {
      try {
        written += writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
    // The last partial chunk: byte by byte fills what a whole chunk no longer fits.
    const one = Buffer.alloc(1, 1);
    for (;;) {
      try {
        written += writeSync(fd, one);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('fault: a full disk under the SQLite store', () => {
  let c: FaultCase;
  let dir: string;
  let mounted = false;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-fault-disk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir]);
      mounted = true;
    } catch (err) {
      throw new Error(
        `this case needs a small tmpfs for the store and could not mount one on ${dir} ` +
          `(${(err as Error).message.trim()}); run the suite as root or with CAP_SYS_ADMIN`,
        { cause: err },
      );
    }
    c = await faultCase();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await c?.cleanup();
    if (mounted) execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }, TEST_TIMEOUT_MS);

  it(
    'readiness names the write failure, failures say the disk is full, 0 lost once space returns',
    async () => {
      const hub = await c.startHub({
        EXHUB_STORE_URL: `sqlite:${join(dir, 'hub.db')}`,
        EXHUB_RETRY_DELAYS: '1s,2s,4s',
        EXHUB_MAX_ATTEMPTS: '100',
        LOG_LEVEL: 'warn',
      });
      const filler = join(dir, 'filler');
      const filled = fillVolume(filler);
      await publishSequence(c.channel, c.fixture.topology.names.ingress, 1, EVENTS);

      let ready = await readiness(hub);
      const deadline = Date.now() + NOTICE_TIMEOUT_MS;
      while (ready.status === 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        ready = await readiness(hub);
      }
      expect(ready.status).toBe(503);
      expect(ready.checks.store).toEqual({
        ok: false,
        detail: expect.stringMatching(/^sqlite store .+ cannot write: the disk is full/),
      });

      // A webhook now is refused with Retry-After and the reason (outside the accounted range).
      const res = await postProbe(hub, c.fixture.stripeSecret, EVENTS + 1);
      expect(res.status).toBe(503);
      expect(Number(res.retryAfter)).toBeGreaterThan(0);
      expect(res.json).toMatchObject({
        error: 'store_unavailable',
        message: expect.stringMatching(/the disk is full/),
      });

      // Failed work says why, and the real error is not masked by the rollback.
      const failures = hub.logs.filter((line) => /source event failed/.test(line));
      expect(failures.length).toBeGreaterThan(0);
      // The store's failures say so (a failure of another stage in the same window, e.g. the
      // broker hop of a retry, may say something else: not every line has to).
      expect(failures.some((line) => /the disk is full/.test(line))).toBe(true);
      expect(hub.logs.some((line) => /cannot rollback/.test(line))).toBe(false);

      rmSync(filler);
      const recoveredMs = await hub.waitReady(RECOVERY_TIMEOUT_MS);
      console.log(
        `disk full (filler ${filled} bytes): readiness "${ready.checks.store.detail}"; ready ` +
          `again ${recoveredMs} ms after space returned`,
      );
      const report = await account(c, 'full disk under SQLite', EVENTS, DRAIN);
      expect({ lost: report.lost, unexpected: report.unexpected, invalid: report.invalid }).toEqual(
        { lost: [], unexpected: [], invalid: [] },
      );
      expect((await c.channel.checkQueue(c.fixture.topology.names.dlq)).messageCount).toBe(0);
      expect(hub.running).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
