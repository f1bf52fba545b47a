/**
 * `exhub audit verify`: walks the hash-chained audit trail in the store named by EXHUB_STORE_URL
 * and says whether it is intact, or which entry is the first broken one and why.
 */
import type { Command } from 'commander';
import { loadEnvSettings } from '../../../../libs/config/src';
import { openStore, type AuditVerification } from '../../../../libs/store/src';
import { EXIT, printJson } from './ops-shared';

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

async function verify(flags: { json?: boolean }): Promise<void> {
  const store = await openStore(loadEnvSettings().storeUrl);
  try {
    const result = await store.verifyAudit();
    if (flags.json) printJson({ store: store.location, ...result });
    else process.stdout.write(describeVerification(result, store.location));
    if (!result.ok) process.exitCode = EXIT.failed;
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
    .action(verify);
}
