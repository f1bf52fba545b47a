/**
 * The built hub as a child process, under load: killed with SIGKILL and restarted, then stopped
 * with SIGTERM. Every event carries a sequence number; the checker says what was lost by number.
 */
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { HubProcess } from '../../support/hub-process';
import {
  AMQP_URL,
  connectTest,
  reliabilityFixture,
  type ReliabilityFixture,
} from '../../support/reliability-fixture';
import { SequenceChecker, drainInto, publishSequence } from '../../support/sequence-checker';

/** Events published while the hub is killed. */
const CRASH_EVENTS = 5_000;
/** Exceptions out before the kill, so it lands mid-flow. */
const KILL_AFTER_EXCEPTIONS = 500;
/** Events in flight when SIGTERM arrives. */
const SHUTDOWN_EVENTS = 1_000;
const SHUTDOWN_AFTER_EXCEPTIONS = 100;
const SHUTDOWN_DEADLINE_MS = 10_000;
const DRAIN = { timeoutMs: 60_000, quietMs: 1_000 };
const WAIT_POLL_MS = 20;
/** Per test: a hub start, the load, a restart and the drain. */
const TEST_TIMEOUT_MS = 120_000;

async function waitForCount(
  channel: ConfirmChannel,
  queue: string,
  atLeast: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { messageCount } = await channel.checkQueue(queue);
    if (messageCount >= atLeast) return messageCount;
    if (Date.now() > deadline) {
      throw new Error(
        `only ${messageCount} of ${atLeast} exceptions in ${queue} after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

describe('the built hub loses nothing when it crashes or is stopped (real broker)', () => {
  let fixture: ReliabilityFixture;
  let client: ChannelModel;
  let channel: ConfirmChannel;
  const hubs: HubProcess[] = [];

  const startHub = async (): Promise<HubProcess> => {
    const hub = await HubProcess.start({
      prefix: fixture.prefix,
      amqpUrl: AMQP_URL,
      stripeSecret: fixture.stripeSecret,
      env: { EXHUB_SHUTDOWN_DEADLINE_MS: String(SHUTDOWN_DEADLINE_MS), LOG_LEVEL: 'info' },
    });
    hubs.push(hub);
    return hub;
  };

  beforeAll(async () => {
    fixture = await reliabilityFixture();
    client = await connectTest('crash');
    channel = await client.createConfirmChannel();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const hub of hubs) await hub.stop();
    await client?.close().catch(() => undefined);
    await fixture?.cleanup();
  }, TEST_TIMEOUT_MS);

  it(
    `kill -9 while ${CRASH_EVENTS} events flow, restart: none lost, duplicates counted`,
    async () => {
      const first = await startHub();
      const publishing = publishSequence(channel, fixture.topology.names.ingress, 1, CRASH_EVENTS);
      await waitForCount(channel, fixture.collectQueue, KILL_AFTER_EXCEPTIONS, 30_000);
      first.signal('SIGKILL');
      const exit = await first.exited;
      expect(exit.signal).toBe('SIGKILL');
      await publishing; // every event confirmed by the broker: the hub owes an exception for each

      const restarted = Date.now();
      await startHub();
      const checker = SequenceChecker.forRange(CRASH_EVENTS);
      const report = await drainInto(channel, fixture.collectQueue, checker, DRAIN);
      console.log(
        `${checker.summary('kill -9 and restart')}; drained in ${Date.now() - restarted} ms after the restart`,
      );
      if (report.lost.length > 0)
        console.log(`hub warnings:\n${hubs.map((h) => h.problems()).join('\n')}`);

      expect({ lost: report.lost, unexpected: report.unexpected, invalid: report.invalid }).toEqual(
        {
          lost: [],
          unexpected: [],
          invalid: [],
        },
      );
      expect(report.distinct).toBe(CRASH_EVENTS);
      // Nothing went to the dead-letter queue on the way (redeliveries stay under the limit).
      expect((await channel.checkQueue(fixture.topology.names.dlq)).messageCount).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `SIGTERM while ${SHUTDOWN_EVENTS} events flow: exits 0 within the deadline, nothing lost or redone`,
    async () => {
      const hub = hubs[hubs.length - 1];
      const from = CRASH_EVENTS + 1;
      const to = CRASH_EVENTS + SHUTDOWN_EVENTS;
      await publishSequence(channel, fixture.topology.names.ingress, from, to);
      await waitForCount(channel, fixture.collectQueue, SHUTDOWN_AFTER_EXCEPTIONS, 30_000);

      const signalled = Date.now();
      hub.signal('SIGTERM');
      const exit = await hub.exited;
      const tookMs = Date.now() - signalled;
      console.log(`SIGTERM under load: exit code ${exit.code} after ${tookMs} ms`);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(tookMs).toBeLessThan(SHUTDOWN_DEADLINE_MS);
      expect(hub.logged(/stopped: in-flight work finished and acknowledged/)).toBe(true);

      // What the stopped hub did not take is still on the work queue, ready (none left unacked:
      // with no consumer, an unacked message would only show up after the connection closed).
      const { consumerCount } = await channel.checkQueue(fixture.topology.names.work);
      expect(consumerCount).toBe(0);

      await startHub();
      const sent = new Set(Array.from({ length: SHUTDOWN_EVENTS }, (_, i) => from + i));
      const checker = new SequenceChecker(sent);
      const report = await drainInto(channel, fixture.collectQueue, checker, DRAIN);
      console.log(checker.summary('SIGTERM and restart'));
      if (report.lost.length > 0)
        console.log(`hub warnings:\n${hubs.map((h) => h.problems()).join('\n')}`);
      expect({ lost: report.lost, unexpected: report.unexpected, invalid: report.invalid }).toEqual(
        {
          lost: [],
          unexpected: [],
          invalid: [],
        },
      );
      // A graceful stop acks every exception it published: nothing is processed twice.
      expect([...report.duplicated.keys()]).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
