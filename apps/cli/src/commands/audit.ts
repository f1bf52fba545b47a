/**
 * `exhub audit verify`: walks the hash-chained audit trail in the store named by EXHUB_STORE_URL
 * and says whether it is intact, or which entry is the first broken one and why. `exhub audit
 * anchor` writes the head to a file kept outside the database; `verify --anchor` checks it.
 */
import type { Command } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AuditVerification, ExceptionStore } from '@exhub/store';
import { EXIT, openConfiguredStore, printJson, usageError } from './ops-shared';

const SHORT_HASH = 16;

export function describeVerification(result: AuditVerification, location: string): string {
  if (result.ok) {
    const head =
      result.entries === 0 ? 'empty trail' : `head ${result.headHash.slice(0, SHORT_HASH)}…`;
    return `ok: audit trail intact, ${result.entries} entries verified (${head}) in ${location}\n`;
  }
  const b = result.broken;
  return (
    `BROKEN: audit entry #${b.seq} in ${location}: ${b.reason}\n` +
    `  ${b.field} expected: ${b.expected}\n` +
    `  ${b.field} found:    ${b.found}\n` +
    `  ${result.entries} entries before it verified; entries from #${b.seq} on cannot be trusted\n`
  );
}

/**
 * The head as an operator kept it outside the database (`exhub audit anchor`). Truncating the
 * trail and rewinding audit_head together leaves a chain that verifies on its own; against an
 * anchor it does not: the anchored entry must still be there, with the anchored hash.
 */
export interface AuditAnchor {
  store: string;
  seq: number;
  hash: string;
  at: string;
}

function readAnchor(file: string): AuditAnchor {
  let anchor: Partial<AuditAnchor>;
  try {
    anchor = JSON.parse(readFileSync(file, 'utf8')) as Partial<AuditAnchor>;
  } catch (err) {
    throw usageError(`--anchor ${file}: cannot read it as JSON (${(err as Error).message})`);
  }
  if (!Number.isInteger(anchor.seq) || typeof anchor.hash !== 'string') {
    throw usageError(
      `--anchor ${file}: not an audit anchor (needs integer "seq" and string "hash"); write one with exhub audit anchor --out ${file}`,
    );
  }
  return anchor as AuditAnchor;
}

async function checkAnchor(
  store: ExceptionStore,
  result: AuditVerification & { ok: true },
  anchor: AuditAnchor,
  file: string,
): Promise<AuditVerification> {
  const expected = `entry ${anchor.seq} with hash ${anchor.hash} (anchored ${anchor.at} in ${file})`;
  const [entry] =
    anchor.seq === 0 ? [] : await store.auditTrail({ afterSeq: anchor.seq - 1, limit: 1 });
  if (anchor.seq > result.entries || (anchor.seq > 0 && entry?.hash !== anchor.hash)) {
    return {
      ok: false,
      entries: Math.min(anchor.seq, result.entries),
      broken: {
        seq: anchor.seq,
        field: 'head',
        expected,
        found:
          anchor.seq > result.entries
            ? `the trail ends at entry ${result.entries}`
            : `entry ${anchor.seq} with hash ${entry?.hash ?? 'none'}`,
        reason:
          anchor.seq > result.entries
            ? 'the trail was cut back behind its anchor (entries and head removed together)'
            : 'the anchored entry was replaced (the trail was rewritten from here)',
      },
    };
  }
  return result;
}

async function verify(flags: { json?: boolean; anchor?: string }): Promise<void> {
  const store = await openConfiguredStore();
  try {
    let result = await store.verifyAudit();
    if (result.ok && flags.anchor !== undefined) {
      result = await checkAnchor(store, result, readAnchor(flags.anchor), flags.anchor);
    }
    if (flags.json) printJson({ store: store.location, ...result });
    else process.stdout.write(describeVerification(result, store.location));
    if (!result.ok) process.exitCode = EXIT.failed;
  } finally {
    await store.close();
  }
}

/** Verifies the trail, then writes its head to `out` (atomically) for verify --anchor. */
async function anchor(flags: { out: string }): Promise<void> {
  const store = await openConfiguredStore();
  try {
    const result = await store.verifyAudit();
    if (!result.ok) {
      process.stdout.write(describeVerification(result, store.location));
      process.stdout.write('not anchored: the trail must verify first\n');
      process.exitCode = EXIT.failed;
      return;
    }
    const kept: AuditAnchor = {
      store: store.location,
      seq: result.entries,
      hash: result.headHash,
      at: new Date().toISOString(),
    };
    const tmp = `${flags.out}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(kept, null, 2)}\n`);
    renameSync(tmp, flags.out);
    process.stdout.write(
      `anchored: audit entry #${kept.seq} (head ${kept.hash.slice(0, SHORT_HASH)}…) of ${store.location} in ${flags.out}; keep it outside the database\n`,
    );
  } finally {
    await store.close();
  }
}

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('the hash-chained audit trail in the store (EXHUB_STORE_URL)');
  audit
    .command('verify')
    .description(
      'check every entry against its hash and the previous entry: exit 0 if intact, 1 naming the first broken entry',
    )
    .option('--json', 'print the result as JSON')
    .option(
      '--anchor <file>',
      'also check the head against an anchor written by `exhub audit anchor` (detects a cut-back trail)',
    )
    .action(verify);
  audit
    .command('anchor')
    .description(
      'verify the trail, then write its head (entry number and hash) to a file kept outside the database; run it periodically',
    )
    .requiredOption('--out <file>', 'where to write the anchor (JSON)')
    .action(anchor);
}
