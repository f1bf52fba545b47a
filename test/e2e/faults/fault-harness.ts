/**
 * Shared parts of the fault-injection suite: the built hub as a child process whose path to
 * RabbitMQ (and, where a case needs it, PostgreSQL) runs through a FaultProxy the test controls,
 * webhook senders that retry like Stripe, and the lost / duplicated / unexpected accounting of
 * test/support/sequence-checker.ts. The shared services themselves are never stopped or altered.
 */
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { FaultProxy } from '../../support/fault-proxy';
import { HubProcess, freePort } from '../../support/hub-process';
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
  sequenceEvent,
  type SequenceReport,
} from '../../support/sequence-checker';
import { signStripePayload } from '@exhub/connectors/stripe';
import { loadEnvSettings } from '@exhub/config';
import { buildTopology, listDeadLetters } from '@exhub/messaging';

const HTTP_ACCEPTED = 202;

/** host:port of a service URL, for the proxy to forward to. */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port ? Number(u.port) : defaultPort };
}

export interface FaultCase {
  fixture: ReliabilityFixture;
  brokerProxy: FaultProxy;
  /** The test's own connection, straight to the broker (not through the proxy). */
  model: ChannelModel;
  channel: ConfirmChannel;
  /** The environment the last hub of this case was started with. */
  hubEnv: Record<string, string>;
  hubs: HubProcess[];
  /** The port every hub of this case listens on (a restarted hub takes the same one). */
  port: number;
  startHub(env?: Record<string, string>): Promise<HubProcess>;
  cleanup(): Promise<void>;
}

export async function faultCase(): Promise<FaultCase> {
  const fixture = await reliabilityFixture();
  const brokerProxy = await FaultProxy.start(targetOf(AMQP_URL, 5672));
  const client: ChannelModel = await connectTest('faults');
  const channel = await client.createConfirmChannel();
  const port = await freePort();
  const hubs: HubProcess[] = [];
  const faultCaseOf: FaultCase = {
    fixture,
    brokerProxy,
    model: client,
    channel,
    hubs,
    port,
    hubEnv: {},
    async startHub(env = {}) {
      faultCaseOf.hubEnv = env;
      const hub = await HubProcess.start({
        prefix: fixture.prefix,
        amqpUrl: brokerProxy.proxied(AMQP_URL),
        stripeSecret: fixture.stripeSecret,
        port,
        env,
      });
      hubs.push(hub);
      return hub;
    },
    async cleanup() {
      for (const hub of hubs) await hub.stop();
      await brokerProxy.close();
      await client.close().catch(() => undefined);
      await fixture.cleanup();
    },
  };
  return faultCaseOf;
}

export interface SendStats {
  /** Answers other than 202 the senders retried through, by status (0 = no answer). */
  retried: Map<number, number>;
  accepted: number;
}

/**
 * `concurrency` webhook senders post sequence events `from`..`to` between them, each event until
 * it is answered 202 (as Stripe does), pausing `retryPauseMs` after any other answer. Resolves when
 * every event was accepted; throws naming the first event still refused at the deadline.
 */
export async function sendAll(
  url: () => string,
  secret: string,
  from: number,
  to: number,
  options: { concurrency: number; retryPauseMs: number; deadline: number },
): Promise<SendStats> {
  const stats: SendStats = { retried: new Map(), accepted: 0 };
  let next = from;
  const worker = async (): Promise<void> => {
    for (let n = next++; n <= to; n = next++) {
      for (;;) {
        const { status } = await postSequenceEvent(url(), secret, n);
        if (status === HTTP_ACCEPTED) break;
        stats.retried.set(status, (stats.retried.get(status) ?? 0) + 1);
        if (Date.now() > options.deadline) {
          throw new Error(
            `event evt_seq_${n} was still refused (status ${status}) at the deadline`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, options.retryPauseMs));
      }
      stats.accepted += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return stats;
}

/**
 * Explains a loss report: the depth of every queue of the hub's topology (work, retry tiers, DLQ,
 * quarantine) and the dead letters by class, so a "lost" event is found waiting or dead-lettered.
 */
async function whereAreThey(c: FaultCase): Promise<string> {
  // The hub's own retry tiers (EXHUB_RETRY_DELAYS of the last hub started), not the fixture's.
  const { retryDelaysMs } = loadEnvSettings({ ...process.env, ...c.hubEnv });
  const { names, retryTiers } = buildTopology({
    prefix: c.fixture.prefix,
    ...(retryDelaysMs ? { retryDelaysMs } : {}),
  });
  const queues = [names.work, ...retryTiers.map((t) => t.queue), names.dlq, names.quarantine];
  const lines: string[] = [];
  for (const queue of queues) {
    // A channel per queue: checking a queue that does not exist closes the channel.
    const probe = await c.model.createChannel();
    const depth = await probe.checkQueue(queue).then(
      (q) => String(q.messageCount),
      (error: Error) => `unreadable (${error.message})`,
    );
    await probe.close().catch(() => undefined);
    lines.push(`  ${queue}: ${depth}`);
  }
  const dead = await listDeadLetters(c.model, { names }).catch((error: Error) => error);
  if (dead instanceof Error) lines.push(`  dead letters: unreadable (${dead.message})`);
  else
    for (const g of dead.groups)
      lines.push(
        `  dead letters ${g.errorClass} at ${g.stage}: ${g.count}, e.g. ${g.sampleIds.join(', ')}`,
      );
  return lines.join('\n');
}

/** Drains the collect queue into a checker for 1..count and logs the one-line summary. */
export async function account(
  c: FaultCase,
  label: string,
  count: number,
  drain: { timeoutMs: number; quietMs: number },
): Promise<SequenceReport> {
  const checker = SequenceChecker.forRange(count);
  const report = await drainInto(c.channel, c.fixture.collectQueue, checker, drain);
  console.log(checker.summary(label));
  if (report.lost.length > 0) {
    console.log(`hub warnings:\n${c.hubs.map((h) => h.problems()).join('\n')}`);
    console.log(`where the events not received are:\n${await whereAreThey(c)}`);
  }
  return report;
}

/** GET /health/ready: status and the parsed checks (status 0 when the hub does not answer). */
export async function readiness(
  hub: HubProcess,
): Promise<{ status: number; checks: Record<string, { ok: boolean; detail: string }> }> {
  try {
    const res = await fetch(`${hub.url}/health/ready`);
    const body = (await res.json()) as { checks?: Record<string, { ok: boolean; detail: string }> };
    return { status: res.status, checks: body.checks ?? {} };
  } catch {
    return { status: 0, checks: {} };
  }
}

/**
 * POSTs sequence event `n` once and returns the answer with its body (postSequenceEvent keeps only
 * the status). For probes outside the accounted range: were one accepted, it counts as unexpected.
 */
export async function postProbe(
  hub: HubProcess,
  secret: string,
  n: number,
): Promise<{ status: number; retryAfter: string | null; json: Record<string, unknown> }> {
  const body = sequenceEvent(n);
  const res = await fetch(`${hub.url}/v1/ingest/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': signStripePayload(body, secret, Math.floor(Date.now() / 1000)),
    },
    body: new Uint8Array(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json };
}

export function statsLine(stats: SendStats): string {
  const retried = [...stats.retried].map(([status, n]) => `${n}×${status}`).join(', ');
  return `accepted ${stats.accepted}, retried through ${retried || 'nothing'}`;
}
