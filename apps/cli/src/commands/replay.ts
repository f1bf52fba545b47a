/**
 * `exhub replay`: re-publish archived SourceEvents of a time window to the work queue, so the
 * pipeline maps them again with the current mappings; or `--dry-run` to see what would happen.
 * Resumable: the last archive offset whose re-publish was confirmed is kept in
 * `<checkpoint-dir>/<name>.json`; `--resume <name>` continues after it with the same request.
 */
import type { Command } from 'commander';
import {
  DEFAULT_REPLAY_CHECKPOINT_DIR,
  DEFAULT_REPLAY_RATE_PER_SECOND,
  readCheckpoint,
  replayArchive,
  writeCheckpoint,
  type ReplayCheckpoint,
  type ReplayPosition,
  type ReplayReport,
  type ReplayRequest,
} from '@exhub/messaging';
import { compilePayloadFilter, FilterError } from '@exhub/pipeline';
import {
  EXIT,
  isoTimeOption,
  loadRecheck,
  openOps,
  openPublisher,
  printJson,
  Progress,
  rateOption,
  table,
} from './ops-shared';

interface ReplayFlags {
  from?: Date;
  to?: Date;
  connector?: string;
  objectType?: string;
  sourceEventId?: string;
  filter?: string;
  rate?: number;
  dryRun?: boolean;
  name?: string;
  resume?: string;
  checkpointDir: string;
  json?: boolean;
}

const REQUEST_FLAGS = [
  'from',
  'to',
  'connector',
  'objectType',
  'sourceEventId',
  'filter',
  'rate',
] as const;

function defaultName(now: Date): string {
  return `replay-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
}

function printReport(report: ReplayReport, checkpoint?: string): void {
  const lines = [
    `${report.dryRun ? 'dry run — nothing published' : 'replay'} of ${report.window.from} … ${report.window.to}`,
    `scanned ${report.scanned} archive messages, ${report.matched} matched, ${report.published} re-published` +
      (report.unreadable ? `, ${report.unreadable} not SourceEvents (skipped)` : '') +
      ` — stopped: ${report.stoppedBy}`,
  ];
  if (report.groups.length > 0) {
    const head = report.dryRun
      ? ['CONNECTOR', 'OBJECT TYPE', 'EVENTS', 'VALID', 'INVALID', 'UNMAPPED']
      : ['CONNECTOR', 'OBJECT TYPE', 'EVENTS', 'PUBLISHED'];
    const rows = report.groups.map((g) =>
      report.dryRun
        ? [
            g.connector,
            g.objectType,
            String(g.events),
            String(g.valid),
            String(g.invalid),
            String(g.unmapped),
          ]
        : [g.connector, g.objectType, String(g.events), String(g.published)],
    );
    lines.push('', table([head, ...rows]));
    for (const g of report.groups) {
      for (const p of g.preview) {
        lines.push(
          `  ${g.connector}/${g.objectType} → ${p.domain}.${p.type}.${p.tier ?? '?'} ${p.id} (mapping ${p.mappingId})`,
        );
      }
      for (const e of g.errors) lines.push(`  ${g.connector}/${g.objectType} ✗ ${e}`);
    }
  }
  if (checkpoint) lines.push('', `checkpoint: ${checkpoint}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function run(flags: ReplayFlags, cmd: Command): Promise<void> {
  const usage = (message: string): never =>
    cmd.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'exhub.usage' });
  let checkpoint: ReplayCheckpoint | undefined;
  if (flags.resume !== undefined) {
    const given = REQUEST_FLAGS.filter((f) => flags[f] !== undefined);
    if (given.length > 0 || flags.name !== undefined || flags.dryRun) {
      usage(
        `--resume repeats the stored request; drop ${[...given, ...(flags.name ? ['name'] : []), ...(flags.dryRun ? ['dryRun'] : [])].map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`,
      );
    }
    checkpoint = await readCheckpoint(flags.checkpointDir, flags.resume);
  } else {
    if (!flags.from)
      usage('--from is required (ISO 8601, e.g. 2026-03-14T09:30:00Z), or --resume <name>');
    if (flags.to && flags.from && flags.to < flags.from)
      usage(`--to ${flags.to.toISOString()} is before --from ${flags.from.toISOString()}`);
  }

  const ctx = await openOps('replay');
  try {
    const now = new Date();
    let request: ReplayRequest;
    if (checkpoint) {
      request = checkpoint.request;
      if (request.prefix !== ctx.names.prefix) {
        usage(
          `checkpoint "${checkpoint.name}" replays topology prefix "${request.prefix}" but EXHUB_TOPOLOGY_PREFIX is "${ctx.names.prefix}" — set it to "${request.prefix}"`,
        );
      }
      if (checkpoint.done) {
        process.stdout.write(
          `replay "${checkpoint.name}" is already complete (${checkpoint.published} re-published); nothing to do\n`,
        );
        return;
      }
    } else {
      request = {
        prefix: ctx.names.prefix,
        from: (flags.from as Date).toISOString(),
        to: (flags.to ?? now).toISOString(),
        ratePerSecond: flags.rate ?? DEFAULT_REPLAY_RATE_PER_SECOND,
      };
      if (flags.connector) request.connector = flags.connector;
      if (flags.objectType) request.objectType = flags.objectType;
      if (flags.sourceEventId) request.sourceEventId = flags.sourceEventId;
      if (flags.filter) request.filter = flags.filter;
    }
    let filter;
    try {
      filter = request.filter ? compilePayloadFilter(request.filter) : undefined;
    } catch (error) {
      if (error instanceof FilterError) usage(error.message);
      throw error;
    }
    const dryRun = flags.dryRun === true;
    const name = checkpoint?.name ?? flags.name ?? defaultName(now);
    const createdAt = checkpoint?.createdAt ?? now.toISOString();
    let checkpointPath: string | undefined;
    const save = async (position: ReplayPosition, done: boolean): Promise<void> => {
      checkpointPath = await writeCheckpoint(flags.checkpointDir, {
        name,
        createdAt,
        updatedAt: new Date().toISOString(),
        request,
        done,
        ...position,
      });
    };

    const recheck = dryRun ? await loadRecheck(ctx.env) : undefined;
    const publisher = dryRun ? undefined : await openPublisher(ctx);
    const progress = new Progress(dryRun ? 'dry run' : 'replay');
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once('SIGINT', onSigint);
    let report: ReplayReport;
    try {
      report = await replayArchive(ctx.connection, {
        names: ctx.names,
        from: new Date(request.from),
        to: new Date(request.to),
        select: {
          connector: request.connector,
          objectType: request.objectType,
          sourceEventId: request.sourceEventId,
          filter,
        },
        dryRun,
        publisher,
        recheck,
        ratePerSecond: request.ratePerSecond,
        resume: checkpoint
          ? {
              lastOffset: checkpoint.lastOffset,
              endOffset: checkpoint.endOffset,
              scanned: checkpoint.scanned,
              matched: checkpoint.matched,
              published: checkpoint.published,
            }
          : undefined,
        onCheckpoint: (position) => save(position, false),
        onProgress: (p) =>
          progress.update(
            Math.max(0, p.offset - (checkpoint?.lastOffset ?? -1)),
            Math.max(1, p.endOffset - (checkpoint?.lastOffset ?? -1)),
            `offset ${p.offset}/${p.endOffset}, ${p.matched} matched, ${p.published} published`,
          ),
        signal: abort.signal,
      });
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
      await publisher?.close();
    }
    const interrupted = report.stoppedBy === 'aborted';
    if (!dryRun) {
      await save(
        {
          endOffset: report.endOffset,
          lastOffset: report.lastOffset,
          scanned: report.scanned,
          matched: report.matched,
          published: report.published,
        },
        !interrupted,
      );
    }
    if (flags.json)
      printJson({ name: dryRun ? undefined : name, checkpoint: checkpointPath, ...report });
    else
      printReport(
        report,
        checkpointPath &&
          `${checkpointPath}${interrupted ? ` — continue with: exhub replay --resume ${name}` : ''}`,
      );
    if (interrupted) process.exitCode = EXIT.interrupted;
  } finally {
    await ctx.close();
  }
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'Re-publish archived source events of a time window to the work queue, so the current mappings process them again ' +
        "(new event id, x-exhub-replay-of = the original, same correlation id). Ends at the archive's last message at start. " +
        'Exit codes: 0 done, 1 failed, 2 bad flags, 130 interrupted (checkpoint kept; continue with --resume).',
    )
    .option(
      '--from <time>',
      'window start, ISO 8601 (e.g. 2026-03-14T09:30:00Z)',
      isoTimeOption('--from'),
    )
    .option('--to <time>', 'window end, ISO 8601 [now]', isoTimeOption('--to'))
    .option('--connector <id>', 'only events of this connector instance')
    .option('--object-type <type>', 'only events of this source object type')
    .option(
      '--source-event-id <id>',
      "only the event with this source event id (e.g. Stripe's evt_…)",
    )
    .option(
      '--filter <jsonata>',
      'only events whose JSON payload makes this JSONata expression true, e.g. \'type = "charge.dispute.created"\'',
    )
    .option(
      '--rate <n>',
      `re-publishes per second, e.g. 20 or 20/s [${DEFAULT_REPLAY_RATE_PER_SECOND}]`,
      rateOption,
    )
    .option(
      '--dry-run',
      'publish nothing: count matching events by connector/object type and show what the current mappings make of them',
    )
    .option('--name <name>', 'checkpoint name [replay-<time>]')
    .option('--resume <name>', 'continue the named replay after its last checkpointed offset')
    .option('--checkpoint-dir <dir>', 'where checkpoints live', DEFAULT_REPLAY_CHECKPOINT_DIR)
    .option('--json', 'print the report as JSON')
    .action((flags: ReplayFlags, cmd: Command) => run(flags, cmd));
}
