/**
 * Dead-letter tools: list `<p>.dlq` grouped by error class and stage, show one dead letter, replay
 * dead letters (re-validated first; what still fails goes to `<p>.dlq.quarantine`, never back into
 * a loop), and purge by class.
 *
 * Reading without taking: a scan consumes with manual ack and a prefetch as large as the queue's
 * message count at the start (at most `limit`), so it sees every dead letter at once while holding
 * them all unacked. It acks only the ones it moved (after the broker confirmed their new copy) or
 * purged; closing the channel hands the rest back to the queue. This keeps the DLQ's order (a
 * quorum queue re-delivers returned messages first, in order) and never loses a message if the
 * tool dies: anything unacked returns. What it does change is the redelivered flag and the
 * quorum delivery count of the messages it looked at; the DLQ has no delivery limit, so that is
 * harmless. `basic.get` + `nack(requeue)` would do the same one message at a time and reorder
 * them.
 *
 * After a scan the tool waits (bounded) until the broker counts the returned dead letters as ready
 * again, so the next request sees the whole queue. Two scans at the same moment each see only what
 * the other does not hold: run one DLQ tool at a time.
 *
 * A scan stops after the message count seen at its start (dead letters that arrive during the
 * run, including replays that failed again, wait for the next run) or after `idleMs` without a
 * delivery.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelModel, ConsumeMessage, Message, Options } from 'amqplib';
import { openDeliveries } from './delivery-buffer';
import { isRetryClass, republishOptions, truncate } from './error-policy';
import { HEADER, headerString } from './headers';
import {
  BROKER_STAGE,
  DEFAULT_BODY_PREVIEW_CHARS,
  DEFAULT_DLQ_IDLE_TIMEOUT_MS,
  DEFAULT_DLQ_SAMPLE_IDS,
  DEFAULT_DLQ_SCAN_LIMIT,
  DEFAULT_DLQ_SETTLE_MS,
  DELIVERY_LIMIT_CLASS,
  MAX_PREFETCH,
  SETTLE_POLL_MS,
  UNKNOWN_CLASS,
  UNMAPPED_CLASS,
} from './ops-constants';
import type { Publisher } from './publisher';
import type { Recheck, RecheckResult } from './recheck';
import { replayPublishOptions } from './replay';
import type { TopologyNames } from './topology';

type Headers = Record<string, unknown>;

/** What the tools show of one dead letter. */
export interface DeadLetter {
  /** AMQP message-id (the hub's event id); `#<n>` (position in the scan) when it has none. */
  id: string;
  errorClass: string;
  stage: string;
  message: string;
  attempts?: number;
  /** ISO time of the first failure (x-exhub-first-failed-at, else the broker's x-death time). */
  failedAt?: string;
  connector?: string;
  objectType?: string;
  correlationId?: string;
  replayOf?: string;
  contentType?: string;
  bytes: number;
}

export interface DlqGroup {
  errorClass: string;
  stage: string;
  count: number;
  oldestFailedAt?: string;
  /** Seconds since the oldest failure of the group, at the time of the scan. */
  oldestAgeSeconds?: number;
  sampleIds: string[];
}

interface XDeath {
  reason?: unknown;
  queue?: unknown;
  time?: unknown;
}

function xDeaths(headers: Headers): XDeath[] {
  const raw = headers['x-death'];
  return Array.isArray(raw) ? (raw as XDeath[]) : [];
}

/** An AMQP timestamp as amqplib decodes it (`{'!':'timestamp', value: seconds}`) → ISO time. */
function amqpTime(value: unknown): string | undefined {
  const seconds =
    typeof value === 'object' && value !== null && 'value' in value
      ? Number((value as { value: unknown }).value)
      : typeof value === 'number'
        ? value
        : Number.NaN;
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : undefined;
}

/**
 * Describe a dead letter. The class is `x-exhub-error-class`, except when the broker itself
 * dead-lettered the message at the work queue's delivery limit: then `DELIVERY_LIMIT` (stage
 * `broker`), whatever error headers an earlier retry left on it.
 */
export function describeDeadLetter(
  msg: Pick<Message, 'content' | 'properties'>,
  fallbackId = '#?',
): DeadLetter {
  const p = msg.properties;
  const headers = (p.headers ?? {}) as Headers;
  const [lastDeath] = xDeaths(headers);
  const byBroker = lastDeath !== undefined && String(lastDeath.reason) === 'delivery_limit';
  const headerClass = headerString(headers, HEADER.errorClass);
  const attempts = Number.parseInt(headerString(headers, HEADER.attempts) ?? '', 10);
  const letter: DeadLetter = {
    id: typeof p.messageId === 'string' && p.messageId !== '' ? p.messageId : fallbackId,
    errorClass: byBroker
      ? DELIVERY_LIMIT_CLASS
      : (headerClass ??
        (lastDeath ? `BROKER_${String(lastDeath.reason).toUpperCase()}` : UNKNOWN_CLASS)),
    stage:
      byBroker || !headerClass ? BROKER_STAGE : (headerString(headers, HEADER.errorStage) ?? '?'),
    message: byBroker
      ? `the broker dead-lettered it from ${String(lastDeath.queue)} after its delivery limit`
      : (headerString(headers, HEADER.errorMessage) ?? ''),
    failedAt:
      (byBroker ? amqpTime(lastDeath.time) : undefined) ??
      headerString(headers, HEADER.firstFailedAt) ??
      amqpTime(lastDeath?.time),
    connector: headerString(headers, HEADER.connector),
    objectType: headerString(headers, HEADER.objectType),
    correlationId: typeof p.correlationId === 'string' ? p.correlationId : undefined,
    replayOf: headerString(headers, HEADER.replayOf),
    contentType: typeof p.contentType === 'string' ? p.contentType : undefined,
    bytes: msg.content.length,
  };
  if (Number.isInteger(attempts)) letter.attempts = attempts;
  return letter;
}

/** Group dead letters by class and stage, largest group first. */
export function groupDeadLetters(
  letters: readonly DeadLetter[],
  now: Date = new Date(),
  sampleIds: number = DEFAULT_DLQ_SAMPLE_IDS,
): DlqGroup[] {
  const groups = new Map<string, DlqGroup>();
  for (const letter of letters) {
    const key = `${letter.errorClass}\u0000${letter.stage}`;
    let group = groups.get(key);
    if (!group) {
      group = { errorClass: letter.errorClass, stage: letter.stage, count: 0, sampleIds: [] };
      groups.set(key, group);
    }
    group.count++;
    if (group.sampleIds.length < sampleIds) group.sampleIds.push(letter.id);
    if (letter.failedAt && (!group.oldestFailedAt || letter.failedAt < group.oldestFailedAt)) {
      group.oldestFailedAt = letter.failedAt;
    }
  }
  return [...groups.values()]
    .map((g) => {
      if (g.oldestFailedAt) {
        g.oldestAgeSeconds = Math.max(
          0,
          Math.round((now.getTime() - Date.parse(g.oldestFailedAt)) / 1000),
        );
      }
      return g;
    })
    .sort(
      (a, b) =>
        b.count - a.count ||
        a.errorClass.localeCompare(b.errorClass) ||
        a.stage.localeCompare(b.stage),
    );
}

export interface DlqScanOptions {
  names: Pick<TopologyNames, 'dlq'>;
  limit?: number;
  idleMs?: number;
  /** Longest wait for the dead letters a scan looked at to count as ready again. */
  settleMs?: number;
}

/**
 * Visit the dead letters (at most the count at the start, at most `limit`). `visit` returns
 * `true` to ack (remove) the message — only after whatever it did with it was confirmed.
 */
async function scan(
  model: Pick<ChannelModel, 'createChannel'>,
  options: DlqScanOptions,
  visit: (msg: ConsumeMessage, index: number, total: number) => Promise<boolean | 'stop'>,
): Promise<{ depth: number; scanned: number }> {
  const queue = options.names.dlq;
  const limit = options.limit ?? DEFAULT_DLQ_SCAN_LIMIT;
  const probe = await model.createChannel();
  let depth: number;
  try {
    depth = (await probe.checkQueue(queue)).messageCount;
  } catch (error) {
    throw new Error(
      `the dead-letter queue ${queue} does not exist or cannot be read (${(error as Error).message}) — ` +
        'is EXHUB_TOPOLOGY_PREFIX right, and has the hub declared its topology?',
      { cause: error },
    );
  } finally {
    await probe.close().catch(() => undefined);
  }
  const target = Math.min(depth, limit, MAX_PREFETCH);
  if (target === 0) return { depth, scanned: 0 };
  const deliveries = await openDeliveries(model, queue, { prefetch: target });
  let scanned = 0;
  let acked = 0;
  try {
    while (scanned < target) {
      const next = await deliveries.next(options.idleMs ?? DEFAULT_DLQ_IDLE_TIMEOUT_MS);
      if (next.kind !== 'message') break;
      const verdict = await visit(next.msg, scanned++, target);
      if (verdict === true) {
        deliveries.ack(next.msg);
        acked++;
      }
      if (verdict === 'stop') break;
    }
  } finally {
    await deliveries.close();
    await settled(model, queue, scanned - acked, options.settleMs ?? DEFAULT_DLQ_SETTLE_MS);
  }
  return { depth, scanned };
}

/**
 * A quorum queue takes back the deliveries of a closed channel asynchronously (through its Raft
 * log), so right after a scan they may not count as ready yet. Wait (bounded) until they do, so
 * the next tool or request sees the whole DLQ again.
 */
async function settled(
  model: Pick<ChannelModel, 'createChannel'>,
  queue: string,
  returned: number,
  timeoutMs: number,
): Promise<void> {
  if (returned <= 0) return;
  const channel = await model.createChannel().catch(() => undefined);
  if (!channel) return;
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if ((await channel.checkQueue(queue)).messageCount >= returned) return;
      await sleep(SETTLE_POLL_MS);
    }
  } catch {
    // The queue went away meanwhile: nothing to wait for.
  } finally {
    await channel.close().catch(() => undefined);
  }
}

export interface DlqListing {
  /** Ready messages in the DLQ when the scan started. */
  depth: number;
  scanned: number;
  groups: DlqGroup[];
  letters: DeadLetter[];
}

/** Group the DLQ by error class and stage, without removing anything. */
export async function listDeadLetters(
  model: Pick<ChannelModel, 'createChannel'>,
  options: DlqScanOptions & { now?: Date; sampleIds?: number },
): Promise<DlqListing> {
  const letters: DeadLetter[] = [];
  const { depth, scanned } = await scan(model, options, async (msg, i) => {
    letters.push(describeDeadLetter(msg, `#${i + 1}`));
    return false;
  });
  return {
    depth,
    scanned,
    groups: groupDeadLetters(letters, options.now, options.sampleIds),
    letters,
  };
}

export interface DeadLetterDetail {
  letter: DeadLetter;
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
  bodyPreview: string;
  truncated: boolean;
}

/** One dead letter by message id (or `#n`), with its headers and the start of its body. */
export async function showDeadLetter(
  model: Pick<ChannelModel, 'createChannel'>,
  options: DlqScanOptions & { id: string; previewChars?: number },
): Promise<DeadLetterDetail | undefined> {
  let found: DeadLetterDetail | undefined;
  const max = options.previewChars ?? DEFAULT_BODY_PREVIEW_CHARS;
  await scan(model, options, async (msg, i) => {
    const letter = describeDeadLetter(msg, `#${i + 1}`);
    if (letter.id !== options.id) return false;
    const { headers, ...properties } = msg.properties;
    const text = msg.content.toString('utf8');
    found = {
      letter,
      headers: (headers ?? {}) as Record<string, unknown>,
      properties: Object.fromEntries(
        Object.entries(properties).filter(([, v]) => v !== undefined && v !== null),
      ),
      bodyPreview: text.slice(0, max),
      truncated: text.length > max,
    };
    return 'stop';
  });
  return found;
}

export interface DlqSelection {
  errorClass?: string;
  ids?: readonly string[];
}

function matches(letter: DeadLetter, select: DlqSelection): boolean {
  if (select.errorClass !== undefined && letter.errorClass !== select.errorClass) return false;
  if (select.ids !== undefined && !select.ids.includes(letter.id)) return false;
  return true;
}

function checkSelection(select: DlqSelection, what: string): void {
  if (select.errorClass === undefined && (select.ids === undefined || select.ids.length === 0)) {
    throw new RangeError(`${what} needs an error class or message ids to select dead letters`);
  }
}

export interface DlqReplayItem {
  id: string;
  errorClass: string;
  /** `republished` to work, `quarantined`, or (dry run) what would happen. */
  action: 'republished' | 'quarantined' | 'would-republish' | 'would-quarantine';
  /** The new event id of a republished dead letter. */
  eventId?: string;
  /** Why it was (or would be) quarantined; or why a republished one could not be re-checked. */
  reason?: string;
}

export interface DlqReplayReport {
  dryRun: boolean;
  depth: number;
  scanned: number;
  selected: number;
  republished: number;
  quarantined: number;
  items: DlqReplayItem[];
}

function failureOf(result: RecheckResult): { stage: string; errorClass: string; message: string } {
  if (result.status === 'invalid') return result;
  return {
    stage: 'map',
    errorClass: UNMAPPED_CLASS,
    message: 'no current mapping matches this source; the pipeline would publish nothing',
  };
}

/** Publish options of a quarantined dead letter: the original, with the re-validation's error. */
function quarantineOptions(
  msg: Pick<Message, 'fields' | 'properties'>,
  failure: { stage: string; errorClass: string; message: string },
  now: Date,
): Options.Publish {
  const headers = (msg.properties.headers ?? {}) as Headers;
  const attempts = Number.parseInt(headerString(headers, HEADER.attempts) ?? '', 10);
  // republishOptions drops the broker's x-death: the quarantine copy says why in our own headers.
  return republishOptions(msg, {
    [HEADER.errorStage]: failure.stage,
    [HEADER.errorClass]: failure.errorClass,
    [HEADER.errorMessage]: truncate(`still failing on replay: ${failure.message}`),
    [HEADER.attempts]: (Number.isInteger(attempts) ? attempts : 0) + 1,
    [HEADER.firstFailedAt]: headerString(headers, HEADER.firstFailedAt) ?? now.toISOString(),
  });
}

/**
 * Replay selected dead letters: re-validate each through `recheck`; what now passes is re-published
 * to work (new event id, `x-exhub-replay-of`), what still fails goes to quarantine; each is acked
 * from the DLQ only after its new copy was confirmed. A dry run only reports.
 */
export async function replayDeadLetters(
  model: Pick<ChannelModel, 'createChannel'>,
  options: DlqScanOptions & {
    names: Pick<TopologyNames, 'dlq' | 'work' | 'quarantine'>;
    select: DlqSelection;
    recheck: Recheck;
    publisher?: Publisher;
    dryRun?: boolean;
    newEventId?: () => string;
    now?: () => Date;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<DlqReplayReport> {
  checkSelection(options.select, 'dlq replay');
  const dryRun = options.dryRun === true;
  if (!dryRun && !options.publisher)
    throw new TypeError('replayDeadLetters needs a publisher unless dryRun');
  const newEventId = options.newEventId ?? randomUUID;
  const now = options.now ?? (() => new Date());
  const report: DlqReplayReport = {
    dryRun,
    depth: 0,
    scanned: 0,
    selected: 0,
    republished: 0,
    quarantined: 0,
    items: [],
  };
  const { depth, scanned } = await scan(model, options, async (msg, i, total) => {
    const letter = describeDeadLetter(msg, `#${i + 1}`);
    options.onProgress?.(i + 1, total);
    if (!matches(letter, options.select)) return false;
    report.selected++;
    const result = await options.recheck(msg).catch((error: unknown): RecheckResult => ({
      status: 'invalid',
      stage: 'parse',
      errorClass: 'INVALID_PAYLOAD',
      message: (error as Error).message,
    }));
    let replay: ReturnType<typeof replayPublishOptions> | undefined;
    let failure = result.status === 'valid' ? undefined : failureOf(result);
    // A re-check that failed for the moment (a mapping out of time on a loaded machine, a source
    // lookup that did not answer) says nothing about the message: quarantining it would set a good
    // event aside. It is republished, and the pipeline retries it as it retries any delivery.
    let undecided: string | undefined;
    if (failure && isRetryClass(failure.errorClass)) {
      undecided = `the re-check could not decide (${failure.errorClass} at ${failure.stage}: ${failure.message}); republished for the pipeline, which retries a ${failure.errorClass} failure`;
      failure = undefined;
    }
    const eventId = newEventId();
    if (!failure) {
      try {
        replay = replayPublishOptions(msg, eventId);
      } catch (error) {
        failure = {
          stage: 'parse',
          errorClass: 'INVALID_PAYLOAD',
          message: (error as Error).message,
        };
      }
    }
    const item: DlqReplayItem = {
      id: letter.id,
      errorClass: letter.errorClass,
      action: 'would-republish',
    };
    if (failure) {
      item.action = dryRun ? 'would-quarantine' : 'quarantined';
      item.reason = `${failure.errorClass} at ${failure.stage}: ${failure.message}`;
      if (!dryRun) {
        await options.publisher?.publish(
          '',
          options.names.quarantine,
          msg.content,
          quarantineOptions(msg, failure, now()),
        );
        report.quarantined++;
      }
    } else if (replay) {
      item.action = dryRun ? 'would-republish' : 'republished';
      if (undecided) item.reason = undecided;
      if (!dryRun) {
        await options.publisher?.publish('', options.names.work, msg.content, replay.options);
        item.eventId = eventId;
        report.republished++;
      }
    }
    report.items.push(item);
    return !dryRun;
  });
  report.depth = depth;
  report.scanned = scanned;
  return report;
}

/** Remove the dead letters of one class (or ids) for good. */
export async function purgeDeadLetters(
  model: Pick<ChannelModel, 'createChannel'>,
  options: DlqScanOptions & { select: DlqSelection },
): Promise<{ depth: number; scanned: number; purged: number }> {
  checkSelection(options.select, 'dlq purge');
  let purged = 0;
  const { depth, scanned } = await scan(model, options, async (msg, i) => {
    if (!matches(describeDeadLetter(msg, `#${i + 1}`), options.select)) return false;
    purged++;
    return true;
  });
  return { depth, scanned, purged };
}
