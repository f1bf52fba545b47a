/**
 * Fault (a): the path to the broker stalls (the proxy stops forwarding: publishes are sent but
 * never confirmed), then the hub is killed with SIGKILL while webhook requests wait for their
 * confirms. The senders retry as Stripe does; a new hub starts on the same store and port. Every
 * event must come out as an exception: a dedupe claim whose publish was never confirmed must not
 * answer the retry "duplicate" (issue 20, finding 1: 16 of 600 events were lost this way).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { account, faultCase, sendAll, statsLine, type FaultCase } from './fault-harness';

const EVENTS = 400;
/** Concurrent senders: each has one request waiting for its confirm when the broker stalls. */
const SENDERS = 16;
const STALL_AFTER_ACCEPTED = 100;
const STALL_BEFORE_KILL_MS = 2_000;
const RETRY_PAUSE_MS = 200;
const SEND_DEADLINE_MS = 90_000;
const DRAIN = { timeoutMs: 60_000, quietMs: 1_000 };
const TEST_TIMEOUT_MS = 180_000;
const POLL_MS = 20;

describe('fault: broker stall, then kill -9 of the hub, the sender retrying', () => {
  let c: FaultCase;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-fault-stall-'));
    c = await faultCase();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await c?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }, TEST_TIMEOUT_MS);

  it(
    `${EVENTS} events, ${SENDERS} senders: 0 lost, unconfirmed claims taken over by the retries`,
    async () => {
      // Warnings only: the takeover line must stay among the lines the harness keeps.
      const env = { EXHUB_STORE_URL: `sqlite:${join(dir, 'hub.db')}`, LOG_LEVEL: 'warn' };
      const first = await c.startHub(env);
      const url = () => `http://127.0.0.1:${c.port}`;
      const sending = sendAll(url, c.fixture.stripeSecret, 1, EVENTS, {
        concurrency: SENDERS,
        retryPauseMs: RETRY_PAUSE_MS,
        deadline: Date.now() + SEND_DEADLINE_MS,
      });
      // Stall mid-flow: once this many exceptions came out.
      for (;;) {
        const { messageCount } = await c.channel.checkQueue(c.fixture.collectQueue);
        if (messageCount >= STALL_AFTER_ACCEPTED) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      c.brokerProxy.stall();
      await new Promise((resolve) => setTimeout(resolve, STALL_BEFORE_KILL_MS));
      first.signal('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      // What the stalled path held never reaches the broker: those publishes are gone.
      c.brokerProxy.cut();
      c.brokerProxy.resume();

      const second = await c.startHub(env);
      const sent = await sending;
      console.log(`broker stall + kill -9: senders ${statsLine(sent)}`);
      const report = await account(c, 'broker stall + kill -9', EVENTS, DRAIN);

      expect({ lost: report.lost, unexpected: report.unexpected, invalid: report.invalid }).toEqual(
        { lost: [], unexpected: [], invalid: [] },
      );
      // The case did hit the window: retries found claims left pending by the killed hub.
      expect(second.logs.some((line) => /took over an unconfirmed acceptance/.test(line))).toBe(
        true,
      );
      expect(second.running).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
