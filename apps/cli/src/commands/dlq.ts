/**
 * `exhub dlq ls | show <id> | replay | purge`: the dead-letter queue for SREs. Reading is
 * non-destructive (see libs/messaging/src/dlq.ts): only what `replay` moved (after the broker
 * confirmed the new copy) or `purge` removed is acked.
 */
import type { Command } from 'commander';
import {
  DEFAULT_DLQ_SCAN_LIMIT,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetter,
  type DlqSelection,
} from '@exhub/messaging';
import {
  EXIT,
  formatAge,
  loadRecheck,
  openOps,
  openPublisher,
  positiveIntOption,
  printJson,
  Progress,
  table,
} from './ops-shared';

interface ScanFlags {
  limit: number;
  json?: boolean;
}

function selection(
  flags: { class?: string; id?: string[] },
  cmd: Command,
  verb: string,
): DlqSelection {
  if (flags.class === undefined && (flags.id === undefined || flags.id.length === 0)) {
    cmd.error(
      `error: dlq ${verb} needs --class <ERROR_CLASS> or --id <message-id…> (see exhub dlq ls for classes and ids)`,
      { exitCode: EXIT.usage, code: 'exhub.usage' },
    );
  }
  return { errorClass: flags.class, ids: flags.id };
}

async function ls(flags: ScanFlags): Promise<void> {
  const ctx = await openOps('dlq ls');
  try {
    const listing = await listDeadLetters(ctx.connection, { names: ctx.names, limit: flags.limit });
    if (flags.json) {
      printJson({
        queue: ctx.names.dlq,
        depth: listing.depth,
        scanned: listing.scanned,
        groups: listing.groups,
      });
      return;
    }
    if (listing.depth === 0) {
      process.stdout.write(`${ctx.names.dlq} is empty\n`);
      return;
    }
    const rows = listing.groups.map((g) => [
      g.errorClass,
      g.stage,
      String(g.count),
      formatAge(g.oldestAgeSeconds),
      g.sampleIds.join(' '),
    ]);
    process.stdout.write(
      `${ctx.names.dlq}: ${listing.depth} dead letters` +
        (listing.scanned < listing.depth
          ? ` (looked at the first ${listing.scanned}; raise --limit)`
          : '') +
        `\n${table([['CLASS', 'STAGE', 'COUNT', 'OLDEST', 'SAMPLE IDS'], ...rows])}\n`,
    );
  } finally {
    await ctx.close();
  }
}

async function show(id: string, flags: ScanFlags): Promise<void> {
  const ctx = await openOps('dlq show');
  try {
    const detail = await showDeadLetter(ctx.connection, {
      names: ctx.names,
      id,
      limit: flags.limit,
    });
    if (!detail) {
      process.stderr.write(
        `exhub: no dead letter with message id "${id}" in the first ${flags.limit} of ${ctx.names.dlq} — list ids with exhub dlq ls\n`,
      );
      process.exitCode = EXIT.partial;
      return;
    }
    if (flags.json) {
      printJson(detail);
      return;
    }
    const l = detail.letter;
    const lines = [
      `id:          ${l.id}`,
      `class:       ${l.errorClass} (stage ${l.stage})`,
      `message:     ${l.message}`,
      `failed at:   ${l.failedAt ?? '?'}${l.attempts !== undefined ? ` after ${l.attempts} attempt(s)` : ''}`,
      `source:      ${l.connector ?? '?'} / ${l.objectType ?? '?'}, correlation ${l.correlationId ?? '?'}`,
      ...(l.replayOf ? [`replay of:   ${l.replayOf}`] : []),
      'headers:',
      ...Object.entries(detail.headers).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
      `body (${l.contentType ?? '?'}, ${l.bytes} bytes${detail.truncated ? ', truncated' : ''}):`,
      detail.bodyPreview,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await ctx.close();
  }
}

async function replay(
  flags: ScanFlags & { class?: string; id?: string[]; dryRun?: boolean },
  cmd: Command,
): Promise<void> {
  const select = selection(flags, cmd, 'replay');
  const ctx = await openOps('dlq replay');
  try {
    const recheck = await loadRecheck(ctx.env);
    const publisher = flags.dryRun ? undefined : await openPublisher(ctx);
    const progress = new Progress(flags.dryRun ? 'dlq dry run' : 'dlq replay');
    let report;
    try {
      report = await replayDeadLetters(ctx.connection, {
        names: ctx.names,
        select,
        recheck,
        publisher,
        dryRun: flags.dryRun,
        limit: flags.limit,
        onProgress: (done, total) => progress.update(done, total, 'dead letters looked at'),
      });
    } finally {
      progress.stop();
      await publisher?.close();
    }
    if (flags.json) printJson(report);
    else {
      const lines = [
        flags.dryRun
          ? `dry run — nothing moved: ${report.selected} selected of ${report.scanned} looked at; ` +
            `${report.items.filter((i) => i.action === 'would-republish').length} would be re-published, ` +
            `${report.items.filter((i) => i.action === 'would-quarantine').length} would go to ${ctx.names.quarantine}`
          : `${report.selected} selected of ${report.scanned} looked at: ${report.republished} re-published to ${ctx.names.work}, ` +
            `${report.quarantined} still failing → ${ctx.names.quarantine}`,
        ...report.items.map(
          (i) =>
            `  ${i.id} ${i.action}${i.eventId ? ` as ${i.eventId}` : ''}${i.reason ? ` — ${i.reason}` : ''}`,
        ),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    const failing = report.items.some(
      (i) => i.action === 'quarantined' || i.action === 'would-quarantine',
    );
    if (failing || report.selected === 0) process.exitCode = EXIT.partial;
  } finally {
    await ctx.close();
  }
}

async function purge(
  flags: ScanFlags & { class?: string; id?: string[]; yes?: boolean },
  cmd: Command,
): Promise<void> {
  const select = selection(flags, cmd, 'purge');
  if (!flags.yes) {
    cmd.error(
      'error: dlq purge deletes the selected dead letters for good (their payloads stay in the archive); add --yes to confirm',
      { exitCode: EXIT.usage, code: 'exhub.usage' },
    );
  }
  const ctx = await openOps('dlq purge');
  try {
    const result = await purgeDeadLetters(ctx.connection, {
      names: ctx.names,
      select,
      limit: flags.limit,
    });
    if (flags.json) printJson(result);
    else
      process.stdout.write(
        `purged ${result.purged} of ${result.scanned} dead letters looked at in ${ctx.names.dlq}\n`,
      );
  } finally {
    await ctx.close();
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerDlqCommands(program: Command): void {
  const dlq = program
    .command('dlq')
    .description(
      'The dead-letter queue: list by error class, show one, replay (re-validated first; still failing → quarantine), purge. ' +
        'Exit codes: 0 done, 1 failed, 2 bad flags, 3 done but something still fails or was not found.',
    );
  const limit = [
    '--limit <n>',
    `look at no more than n dead letters [${DEFAULT_DLQ_SCAN_LIMIT}]`,
    positiveIntOption('--limit'),
    DEFAULT_DLQ_SCAN_LIMIT,
  ] as const;
  dlq
    .command('ls')
    .description(
      'dead letters grouped by error class and stage: count, age of the oldest, sample ids',
    )
    .option(...limit)
    .option('--json', 'print JSON')
    .action((flags: ScanFlags) => ls(flags));
  dlq
    .command('show <id>')
    .description('one dead letter by message id: headers and the start of its body')
    .option(...limit)
    .option('--json', 'print JSON')
    .action((id: string, flags: ScanFlags) => show(id, flags));
  dlq
    .command('replay')
    .description(
      're-validate selected dead letters with the current mappings; re-publish what passes to the work queue, move what still fails to <prefix>.dlq.quarantine',
    )
    .option(
      '--class <class>',
      'select an error class (see dlq ls), e.g. INVALID_PAYLOAD or DELIVERY_LIMIT',
    )
    .option('--id <id>', 'select a message id (repeatable)', collect)
    .option('--dry-run', 'only say what would be re-published or quarantined')
    .option(...limit)
    .option('--json', 'print JSON')
    .action((flags, cmd: Command) => replay(flags, cmd));
  dlq
    .command('purge')
    .description('delete the dead letters of a class (or ids) for good; needs --yes')
    .option('--class <class>', 'the error class to purge')
    .option('--id <id>', 'a message id to purge (repeatable)', collect)
    .option('--yes', 'confirm the deletion')
    .option(...limit)
    .option('--json', 'print JSON')
    .action((flags, cmd: Command) => purge(flags, cmd));
}
