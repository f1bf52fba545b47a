/**
 * Replay from the archive stream: read `<p>.archive` over a time window, pick the SourceEvents that
 * match (connector, object type, source event id, a predicate), and re-publish each to `<p>.work`
 * with a new event id, `x-exhub-replay-of` = the original event id and the same correlation id, so
 * the pipeline maps them again with the CURRENT mappings. Or, with `dryRun`, only count them and
 * say what the current mappings would make of them (`recheck`).
 *
 * Where a run ends. A stream consumer never ends by itself, so the run fixes its end before it
 * starts: the offset of the stream's last message at that moment (a probe consumer at
 * `x-stream-offset: last`, which delivers the last chunk; an empty stream delivers nothing within
 * the probe time). The reader stops at the first of: that offset reached, a message received more
 * than `orderSkewMs` after the window end, no delivery for `idleTimeoutMs` (retention removed the
 * rest), or the abort signal. Messages that arrive during the run are never replayed by it.
 *
 * Where a run starts: at the stream timestamp `from − startMarginMs` (timestamps attach at chunk
 * granularity), or right after a checkpoint's offset when resuming. Every message is filtered on
 * its exact `x-exhub-received-at`, so the margin never widens the window.
 *
 * Throttling is a pacer (`ratePerSecond`); each publish is confirmed before the message's stream
 * offset counts as processed, so a checkpoint never claims an offset whose publish was lost.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelModel, ConsumeMessage, Message, Options } from 'amqplib';
import type { SourceEventMeta } from '@exhub/core';
import { openDeliveries } from './delivery-buffer';
import { HEADER, headerString, sourceEventMetaFrom, sourceEventPublishOptions } from './headers';
import {
  DEFAULT_ARCHIVE_END_PROBE_MS,
  DEFAULT_ARCHIVE_IDLE_TIMEOUT_MS,
  DEFAULT_ARCHIVE_ORDER_SKEW_MS,
  DEFAULT_ARCHIVE_PREFETCH,
  DEFAULT_ARCHIVE_START_MARGIN_MS,
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_REPLAY_RATE_PER_SECOND,
} from './ops-constants';
import type { Publisher } from './publisher';
import type { ExceptionPreview, Recheck, RecheckResult } from './recheck';
import type { TopologyNames } from './topology';

/** Header RabbitMQ puts on every message delivered from a stream: its offset. */
export const STREAM_OFFSET_HEADER = 'x-stream-offset';

/** One archived SourceEvent as the replay sees it. */
export interface ArchivedEvent {
  offset: number;
  meta: SourceEventMeta;
  msg: Pick<Message, 'content' | 'properties'>;
}

/** Which archived events a replay takes, besides the time window. All given criteria must hold. */
export interface ReplaySelection {
  connector?: string;
  objectType?: string;
  sourceEventId?: string;
  /** Any further predicate, e.g. a compiled JSONata expression over the payload. */
  filter?: (event: ArchivedEvent) => boolean | Promise<boolean>;
}

/**
 * Publish options of a replayed SourceEvent: the original metadata with a new event id, and
 * `x-exhub-replay-of` naming the original. A replay of a replay keeps naming the first original.
 */
export function replayPublishOptions(
  msg: Pick<Message, 'properties'>,
  newEventId: string,
): { options: Options.Publish; meta: SourceEventMeta; replayOf: string } {
  const meta = sourceEventMetaFrom(msg);
  const headers = msg.properties.headers as Record<string, unknown> | undefined;
  const replayOf = headerString(headers, HEADER.replayOf) ?? meta.eventId;
  const options = sourceEventPublishOptions({ ...meta, eventId: newEventId });
  options.headers = { ...options.headers, [HEADER.replayOf]: replayOf };
  return { options, meta, replayOf };
}

/** Spaces calls `1 / ratePerSecond` apart (no burst): `await pacer.wait()` before each publish. */
export class Pacer {
  private next = 0;
  private readonly intervalMs: number;

  constructor(
    readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly delay: (ms: number, signal?: AbortSignal) => Promise<unknown> = (ms, signal) =>
      sleep(ms, undefined, { signal }).catch(() => undefined),
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`rate ${ratePerSecond}/s must be a positive number`);
    }
    this.intervalMs = 1000 / ratePerSecond;
  }

  async wait(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const due = Math.max(this.next, now);
    this.next = due + this.intervalMs;
    if (due > now) await this.delay(due - now, signal);
  }
}

export interface ReplayGroup {
  connector: string;
  objectType: string;
  /** Matching events in the window. */
  events: number;
  published: number;
  /** Dry run: what the current mappings make of them. */
  valid: number;
  invalid: number;
  unmapped: number;
  /** Dry run: exceptions the first valid events would produce (a few). */
  preview: ExceptionPreview[];
  /** Dry run: the first failures, one line each (a few). */
  errors: string[];
}

export type ReplayStop = 'empty' | 'end-offset' | 'window-end' | 'idle' | 'aborted' | 'cancelled';

export interface ReplayPosition {
  /** Offset of the stream's last message when the run (first) started; -1 = stream was empty. */
  endOffset: number;
  /** Last stream offset processed (published or skipped), undefined before the first. */
  lastOffset?: number;
  scanned: number;
  matched: number;
  published: number;
}

export interface ReplayReport extends ReplayPosition {
  dryRun: boolean;
  window: { from: string; to: string };
  /** Messages in the stream that are not SourceEvents (missing headers); skipped. */
  unreadable: number;
  groups: ReplayGroup[];
  stoppedBy: ReplayStop;
  /** Non-dry runs: original event id → replay event id, for the first published events. */
  replays: { replayOf: string; eventId: string; offset: number }[];
}

export interface ReplayProgress {
  scanned: number;
  matched: number;
  published: number;
  offset: number;
  endOffset: number;
}

export interface ArchiveReplayOptions {
  names: Pick<TopologyNames, 'archive' | 'work'>;
  from: Date;
  to: Date;
  select?: ReplaySelection;
  dryRun?: boolean;
  /** Confirmed publisher to `names.work`; required unless `dryRun`. */
  publisher?: Publisher;
  /** Dry run: what the current mappings make of each matching event. */
  recheck?: Recheck;
  ratePerSecond?: number;
  /** Resume: continue after this offset, with the end offset of the first run. */
  resume?: {
    lastOffset?: number;
    endOffset: number;
    scanned: number;
    matched: number;
    published: number;
  };
  /** Called every `checkpointEvery` messages and at the end (not in dry runs). */
  onCheckpoint?: (position: ReplayPosition) => Promise<void>;
  checkpointEvery?: number;
  onProgress?: (progress: ReplayProgress) => void;
  signal?: AbortSignal;
  newEventId?: () => string;
  prefetch?: number;
  startMarginMs?: number;
  orderSkewMs?: number;
  endProbeMs?: number;
  idleTimeoutMs?: number;
}

/** Most group previews / error lines / replay pairs a report carries. */
const REPORT_SAMPLES = 3;
const REPORT_REPLAYS = 100;

function streamOffset(msg: ConsumeMessage): number | undefined {
  const raw: unknown = msg.properties.headers?.[STREAM_OFFSET_HEADER];
  const value = typeof raw === 'bigint' ? Number(raw) : raw;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/**
 * The offset of the stream's last message right now, or -1 when the stream is empty. Reads the
 * last chunk from `x-stream-offset: last` until nothing came for `probeMs`.
 */
export async function archiveEndOffset(
  model: Pick<ChannelModel, 'createChannel'>,
  archive: string,
  probeMs: number = DEFAULT_ARCHIVE_END_PROBE_MS,
): Promise<number> {
  const deliveries = await openDeliveries(model, archive, {
    prefetch: DEFAULT_ARCHIVE_PREFETCH,
    consume: { arguments: { [STREAM_OFFSET_HEADER]: 'last' } },
  });
  let end = -1;
  // A stream that keeps growing never goes idle; the end is then whatever the probe saw by then.
  const deadline = Date.now() + probeMs * 10;
  try {
    while (Date.now() < deadline) {
      const next = await deliveries.next(probeMs);
      if (next.kind !== 'message') break;
      end = Math.max(end, streamOffset(next.msg) ?? end);
      deliveries.ack(next.msg);
    }
  } finally {
    await deliveries.close();
  }
  return end;
}

function groupOf(groups: Map<string, ReplayGroup>, meta: SourceEventMeta): ReplayGroup {
  const key = `${meta.connectorId}\u0000${meta.objectType}`;
  let group = groups.get(key);
  if (!group) {
    group = {
      connector: meta.connectorId,
      objectType: meta.objectType,
      events: 0,
      published: 0,
      valid: 0,
      invalid: 0,
      unmapped: 0,
      preview: [],
      errors: [],
    };
    groups.set(key, group);
  }
  return group;
}

function tally(group: ReplayGroup, result: RecheckResult, eventId: string): void {
  if (result.status === 'valid') {
    group.valid++;
    if (group.preview.length < REPORT_SAMPLES) group.preview.push(...result.exceptions);
  } else if (result.status === 'unmapped') {
    group.unmapped++;
  } else {
    group.invalid++;
    if (group.errors.length < REPORT_SAMPLES) {
      group.errors.push(`${eventId}: ${result.errorClass} at ${result.stage}: ${result.message}`);
    }
  }
}

async function selected(event: ArchivedEvent, select: ReplaySelection = {}): Promise<boolean> {
  const { meta } = event;
  if (select.connector !== undefined && meta.connectorId !== select.connector) return false;
  if (select.objectType !== undefined && meta.objectType !== select.objectType) return false;
  if (select.sourceEventId !== undefined && meta.sourceEventId !== select.sourceEventId) {
    return false;
  }
  return select.filter ? await select.filter(event) : true;
}

/** Run one archive replay (or dry run) to the end of its window. See the file comment. */
export async function replayArchive(
  model: Pick<ChannelModel, 'createChannel'>,
  options: ArchiveReplayOptions,
): Promise<ReplayReport> {
  const fromMs = options.from.getTime();
  const toMs = options.to.getTime();
  if (!(fromMs <= toMs)) {
    throw new RangeError(
      `replay window is empty: from ${options.from.toISOString()} is after to ${options.to.toISOString()}`,
    );
  }
  const dryRun = options.dryRun === true;
  if (!dryRun && !options.publisher)
    throw new TypeError('replayArchive needs a publisher unless dryRun');
  const pacer = new Pacer(options.ratePerSecond ?? DEFAULT_REPLAY_RATE_PER_SECOND);
  const newEventId = options.newEventId ?? randomUUID;
  const skewMs = options.orderSkewMs ?? DEFAULT_ARCHIVE_ORDER_SKEW_MS;
  const idleMs = options.idleTimeoutMs ?? DEFAULT_ARCHIVE_IDLE_TIMEOUT_MS;
  const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const archive = options.names.archive;

  const endOffset =
    options.resume?.endOffset ?? (await archiveEndOffset(model, archive, options.endProbeMs));
  const report: ReplayReport = {
    dryRun,
    window: { from: options.from.toISOString(), to: options.to.toISOString() },
    endOffset,
    lastOffset: options.resume?.lastOffset,
    scanned: options.resume?.scanned ?? 0,
    matched: options.resume?.matched ?? 0,
    published: options.resume?.published ?? 0,
    unreadable: 0,
    groups: [],
    stoppedBy: 'empty',
    replays: [],
  };
  const groups = new Map<string, ReplayGroup>();
  const position = (): ReplayPosition => ({
    endOffset,
    lastOffset: report.lastOffset,
    scanned: report.scanned,
    matched: report.matched,
    published: report.published,
  });
  const checkpoint = async (): Promise<void> => {
    if (!dryRun && options.onCheckpoint) await options.onCheckpoint(position());
  };
  const finish = async (stoppedBy: ReplayStop): Promise<ReplayReport> => {
    report.stoppedBy = stoppedBy;
    report.groups = [...groups.values()];
    await checkpoint();
    return report;
  };

  if (endOffset < 0) return finish('empty');
  if (report.lastOffset !== undefined && report.lastOffset >= endOffset)
    return finish('end-offset');

  const start: unknown =
    report.lastOffset !== undefined
      ? report.lastOffset + 1
      : {
          '!': 'timestamp',
          value: Math.max(
            0,
            Math.floor(
              (fromMs - (options.startMarginMs ?? DEFAULT_ARCHIVE_START_MARGIN_MS)) / 1000,
            ),
          ),
        };
  const deliveries = await openDeliveries(model, archive, {
    prefetch: options.prefetch ?? DEFAULT_ARCHIVE_PREFETCH,
    consume: { arguments: { [STREAM_OFFSET_HEADER]: start } },
  });
  let stoppedBy: ReplayStop = 'end-offset';
  try {
    for (;;) {
      if (options.signal?.aborted) {
        stoppedBy = 'aborted';
        break;
      }
      const next = await deliveries.next(idleMs, options.signal);
      if (next.kind === 'idle') {
        stoppedBy = 'idle';
        break;
      }
      if (next.kind === 'cancelled') {
        stoppedBy = options.signal?.aborted ? 'aborted' : 'cancelled';
        break;
      }
      const { msg } = next;
      const offset = streamOffset(msg);
      if (offset === undefined) {
        throw new Error(
          `a delivery from ${archive} has no ${STREAM_OFFSET_HEADER} header — is ${archive} a stream queue?`,
        );
      }
      if (offset > endOffset) break;

      report.scanned++;
      let meta: SourceEventMeta | undefined;
      try {
        meta = sourceEventMetaFrom(msg);
      } catch {
        report.unreadable++;
      }
      const receivedMs = meta ? Date.parse(meta.receivedAt) : Number.NaN;
      if (receivedMs > toMs + skewMs) {
        stoppedBy = 'window-end';
        break;
      }
      if (meta && receivedMs >= fromMs && receivedMs <= toMs) {
        const event: ArchivedEvent = { offset, meta, msg };
        if (await selected(event, options.select)) {
          report.matched++;
          const group = groupOf(groups, meta);
          group.events++;
          if (dryRun) {
            if (options.recheck) tally(group, await options.recheck(msg), meta.eventId);
          } else {
            await pacer.wait(options.signal);
            const eventId = newEventId();
            const { options: publishOptions, replayOf } = replayPublishOptions(msg, eventId);
            await options.publisher?.publish('', options.names.work, msg.content, publishOptions);
            report.published++;
            group.published++;
            if (report.replays.length < REPORT_REPLAYS) {
              report.replays.push({ replayOf, eventId, offset });
            }
          }
        }
      }
      report.lastOffset = offset;
      deliveries.ack(msg);
      options.onProgress?.({
        scanned: report.scanned,
        matched: report.matched,
        published: report.published,
        offset,
        endOffset,
      });
      if (report.scanned % every === 0) await checkpoint();
      if (offset >= endOffset) break;
    }
  } catch (error) {
    // Keep what was confirmed so far, so `--resume` continues after it.
    await checkpoint().catch(() => undefined);
    throw error;
  } finally {
    await deliveries.close();
  }
  return finish(stoppedBy);
}
