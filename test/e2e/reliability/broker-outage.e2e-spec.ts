/**
 * The built hub against a broker that goes away: RabbitMQ restarted under load (the hub must
 * recover by itself, losing nothing), and a memory alarm (ingress must answer 503 + Retry-After
 * at once, without buffering). Both disturb the shared broker, so the windows are short and the
 * broker is always restored in `finally`.
 */
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { HubProcess } from '../../support/hub-process';
import { raiseMemoryAlarm, restartBrokerApp } from '../../support/rabbitmqctl';
import {
  AMQP_URL,
  connectTest,
  reliabilityFixture,
  type ReliabilityFixture,
} from '../../support/reliability-fixture';
import {
  SequenceChecker,
  drainInto,
  postSequenceEvent,
  publishSequence,
  sendUntilAccepted,
  type PostResult,
} from '../../support/sequence-checker';

/** Events confirmed on the ingress exchange before the restart. */
const RESTART_EVENTS = 2_000;
/** Events a webhook sender posts across the restart, retrying on 503. */
const WEBHOOK_EVENTS = 200;
const RESTART_AFTER_EXCEPTIONS = 200;
/** How long the RabbitMQ application stays stopped. */
const OUTAGE_MS = 3_000;
const SENDER_RETRY_PAUSE_MS = 200;
/** Time for the hub to notice a stopped broker before the test asks it. */
const NOTICE_MS = 500;
/** Sequence number of the probe posted during the outage (never accepted, so never expected). */
const OUTAGE_PROBE_SEQ = 999_999;
const RECOVERY_TIMEOUT_MS = 30_000;
/** How long the test keeps posting while the memory alarm is on. */
const ALARM_WINDOW_MS = 4_000;
const ALARM_POSTERS = 4;
/** 503 must come well under the publisher's 5 s confirm timeout. */
const MAX_503_MS = 1_000;
/** Growth of the hub's RSS allowed while it refuses requests under the alarm. */
const MAX_RSS_GROWTH_BYTES = 64 * 1024 * 1024;
/** The first part of the alarm window, left out of the growth: the hub warming up to the load. */
const MS_WARM_UP = 1_000;
const RSS_SAMPLE_MS = 200;
const DRAIN = { timeoutMs: 60_000, quietMs: 1_000 };
const TEST_TIMEOUT_MS = 120_000;
const POLL_MS = 50;

function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`metric ${name} is missing from /metrics`);
  return Number(match[1]);
}

describe('the built hub rides out a broker restart and a broker alarm (real broker)', () => {
  let fixture: ReliabilityFixture;
  let hub: HubProcess;
  let client: ChannelModel | undefined;

  const openClient = async (): Promise<ConfirmChannel> => {
    await client?.close().catch(() => undefined);
    client = await connectTest('outage');
    const channel = await client.createConfirmChannel();
    // The restart closes this channel; that is expected, not a test failure.
    channel.on('error', () => undefined);
    return channel;
  };

  beforeAll(async () => {
    fixture = await reliabilityFixture();
    hub = await HubProcess.start({
      prefix: fixture.prefix,
      amqpUrl: AMQP_URL,
      stripeSecret: fixture.stripeSecret,
    });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await hub?.stop();
    await client?.close().catch(() => undefined);
    await fixture?.cleanup();
  }, TEST_TIMEOUT_MS);

  it(
    'RabbitMQ restarted under load: the same hub process recovers by itself and loses nothing',
    async () => {
      let channel = await openClient();
      await publishSequence(channel, fixture.topology.names.ingress, 1, RESTART_EVENTS);
      for (;;) {
        const { messageCount } = await channel.checkQueue(fixture.collectQueue);
        if (messageCount >= RESTART_AFTER_EXCEPTIONS) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const sender = sendUntilAccepted(
        hub.url,
        fixture.stripeSecret,
        RESTART_EVENTS + 1,
        RESTART_EVENTS + WEBHOOK_EVENTS,
        { retryPauseMs: SENDER_RETRY_PAUSE_MS, deadline: Date.now() + RECOVERY_TIMEOUT_MS * 2 },
      );

      let readyWhileDown: { status: number; broker: unknown } | undefined;
      let postWhileDown: PostResult | undefined;
      await restartBrokerApp(OUTAGE_MS, async () => {
        // Give the hub a moment to see the connection close, then ask it as a client would.
        await new Promise((resolve) => setTimeout(resolve, NOTICE_MS));
        const res = await fetch(`${hub.url}/health/ready`);
        readyWhileDown = {
          status: res.status,
          broker: ((await res.json()) as { checks: Record<string, unknown> }).checks.broker,
        };
        postWhileDown = await postSequenceEvent(hub.url, fixture.stripeSecret, OUTAGE_PROBE_SEQ);
      });
      const back = Date.now();
      const recoveryMs = await hub.waitReady(RECOVERY_TIMEOUT_MS);
      expect(hub.running).toBe(true);
      const { retries } = await sender;

      channel = await openClient();
      const checker = SequenceChecker.forRange(RESTART_EVENTS + WEBHOOK_EVENTS);
      const report = await drainInto(channel, fixture.collectQueue, checker, DRAIN);
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      console.log(
        `${checker.summary('RabbitMQ restart')}; outage ${OUTAGE_MS} ms, hub ready ${recoveryMs} ms ` +
          `after the broker was back, webhook sender retried ${retries} times, all done ${Date.now() - back} ms after`,
      );
      if (report.lost.length > 0) console.log(`hub warnings:\n${hub.problems()}`);

      expect({ lost: report.lost, unexpected: report.unexpected, invalid: report.invalid }).toEqual(
        {
          lost: [],
          unexpected: [],
          invalid: [],
        },
      );
      expect(retries).toBeGreaterThan(0); // the sender really hit the outage
      expect(readyWhileDown).toEqual({
        status: 503,
        broker: { ok: false, detail: expect.stringMatching(/lost the connection to RabbitMQ/) },
      });
      expect(postWhileDown).toMatchObject({
        status: 503,
        retryAfter: expect.stringMatching(/^\d+$/),
      });
      expect(postWhileDown?.ms).toBeLessThan(MAX_503_MS);
      expect(metricValue(metrics, 'exhub_broker_reconnects_total')).toBeGreaterThanOrEqual(1);
      expect(hub.logged(/broker connection recovered/)).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a memory alarm: ingress answers 503 + Retry-After at once, RSS stays flat, then recovers',
    async () => {
      let n = RESTART_EVENTS + WEBHOOK_EVENTS;
      expect((await postSequenceEvent(hub.url, fixture.stripeSecret, ++n)).status).toBe(202);
      const accepted = new Set<number>([n]);

      const results: PostResult[] = [];
      const rss: number[] = [hub.rssBytes()];
      let readyDuringAlarm: { status: number; body: string } | undefined;
      const alarm = await raiseMemoryAlarm();
      try {
        const until = Date.now() + ALARM_WINDOW_MS;
        const sampler = setInterval(() => rss.push(hub.rssBytes()), RSS_SAMPLE_MS);
        const poster = async (): Promise<void> => {
          while (Date.now() < until) {
            const seq = ++n;
            const result = await postSequenceEvent(hub.url, fixture.stripeSecret, seq);
            results.push(result);
            if (result.status === 202) accepted.add(seq);
          }
        };
        try {
          await Promise.all(Array.from({ length: ALARM_POSTERS }, poster));
        } finally {
          clearInterval(sampler);
        }
        const res = await fetch(`${hub.url}/health/ready`);
        readyDuringAlarm = { status: res.status, body: await res.text() };
      } finally {
        await alarm.restore();
      }

      const refused = results.filter((r) => r.status === 503);
      const slowest = Math.max(...refused.map((r) => r.ms));
      // Growth while blocked, after the first second's warm-up (JIT code, the young generation
      // reaching its size): what buffering rejected requests would add keeps growing after it.
      const warm = Math.ceil(MS_WARM_UP / RSS_SAMPLE_MS) + 1;
      const growth = Math.max(...rss.slice(warm)) - Math.max(...rss.slice(0, warm));
      console.log(
        `memory alarm: ${results.length} posts in ${ALARM_WINDOW_MS} ms, ${refused.length} answered 503 ` +
          `(slowest ${slowest} ms), ${accepted.size - 1} accepted, RSS growth ${Math.round(growth / 1024)} KiB`,
      );
      // At most the publishes already sent when the broker blocked us were accepted; the rest refused.
      expect(refused.length).toBeGreaterThan(results.length - ALARM_POSTERS - 1);
      expect(results.filter((r) => r.status !== 503 && r.status !== 202)).toEqual([]);
      expect(refused.every((r) => r.retryAfter !== null && Number(r.retryAfter) > 0)).toBe(true);
      expect(slowest).toBeLessThan(MAX_503_MS);
      expect(growth).toBeLessThan(MAX_RSS_GROWTH_BYTES);
      expect(readyDuringAlarm?.status).toBe(503);
      expect(JSON.parse(readyDuringAlarm?.body ?? '{}').checks.broker).toEqual({
        ok: false,
        detail: expect.stringMatching(/blocked/),
      });

      // Alarm cleared: ready again, accepting again, and what was accepted arrives.
      await hub.waitReady(RECOVERY_TIMEOUT_MS);
      expect((await postSequenceEvent(hub.url, fixture.stripeSecret, ++n)).status).toBe(202);
      accepted.add(n);
      const channel = await openClient();
      const checker = new SequenceChecker(accepted);
      const report = await drainInto(channel, fixture.collectQueue, checker, DRAIN);
      console.log(checker.summary('memory alarm, accepted events'));
      expect(report.lost).toEqual([]);
      expect(hub.logged(/broker blocked the connection/)).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
