/**
 * `exhub fx refresh --from <csv>`: brings the reference FX table (mappings/lookups/fx-rates.csv,
 * read by the mappings' `$toBase` to fill `amountBase`) up to date from a CSV the treasury
 * exports. Rows of the input replace or add currencies; currencies the input does not name keep
 * their old rate and date and are listed as stale. Nothing is written when a row is wrong.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { loadEnvSettings } from '@exhub/config';
import { EXIT } from './ops-shared';

export interface FxRow {
  currency: string;
  reporting_currency: string;
  rate: string;
  as_of: string;
}

export interface FxMerge {
  rows: FxRow[];
  added: string[];
  updated: string[];
  /** Currencies the input did not name: their rate is as old as their `as_of`. */
  stale: string[];
  problems: string[];
}

const COLUMNS = ['currency', 'reporting_currency', 'rate', 'as_of'] as const;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const RATE = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
const KNOWN = new Set(Intl.supportedValuesOf('currency'));

type Csv = Record<string, string>[];
const read = (text: string): Csv =>
  parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Csv;

/**
 * Merges `input` (a CSV with at least `currency` and `rate`; `reporting_currency` and `as_of`
 * optional) into the table `current`. Pure: the caller writes the result.
 */
export function mergeFxRates(
  current: string,
  input: string,
  inputName: string,
  asOf: string,
): FxMerge {
  const rows = new Map(read(current).map((r) => [r.currency, r as unknown as FxRow]));
  const reporting = [...rows.values()][0]?.reporting_currency ?? 'USD';
  const result: FxMerge = { rows: [], added: [], updated: [], stale: [], problems: [] };
  let records: Csv;
  try {
    records = read(input);
  } catch (err) {
    result.problems.push(`${inputName}: not a CSV file (${(err as Error).message})`);
    return result;
  }
  const header = Object.keys(records[0] ?? {});
  for (const c of ['currency', 'rate'])
    if (!header.includes(c))
      result.problems.push(
        `${inputName}:1: the column ${c} is missing; the header needs currency,rate`,
      );
  if (result.problems.length) return result;
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const at = `${inputName}:${i + 2}`;
    const currency = r.currency.toUpperCase();
    const day = r.as_of || asOf;
    if (!KNOWN.has(currency))
      result.problems.push(`${at}: '${r.currency}' is not an ISO 4217 currency code (e.g. HUF)`);
    else if (seen.has(currency)) result.problems.push(`${at}: ${currency} is listed twice`);
    if (!RATE.test(r.rate) || Number(r.rate) <= 0)
      result.problems.push(
        `${at}: rate '${r.rate}' is not a positive decimal number (write it with a point, e.g. 0.0029)`,
      );
    if (r.reporting_currency && r.reporting_currency.toUpperCase() !== reporting)
      result.problems.push(
        `${at}: reporting_currency ${r.reporting_currency} differs from the table's ${reporting}; convert the rate to ${reporting}`,
      );
    if (!ISO_DAY.test(day) || Number.isNaN(Date.parse(day)))
      result.problems.push(`${at}: as_of '${day}' is not a date YYYY-MM-DD`);
    seen.add(currency);
    const before = rows.get(currency);
    if (!before) result.added.push(currency);
    else if (before.rate !== r.rate || before.as_of !== day) result.updated.push(currency);
    rows.set(currency, { currency, reporting_currency: reporting, rate: r.rate, as_of: day });
  });
  result.stale = [...rows.keys()].filter((c) => !seen.has(c)).sort();
  result.rows = [...rows.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  return result;
}

export function fxCsv(rows: readonly FxRow[]): string {
  return `${COLUMNS.join(',')}\n${rows.map((r) => COLUMNS.map((c) => r[c]).join(',')).join('\n')}\n`;
}

function refresh(flags: { from: string; table?: string; asOf?: string; dryRun?: boolean }): void {
  const table = flags.table ?? join(loadEnvSettings().mappingsDir, 'lookups', 'fx-rates.csv');
  const asOf = flags.asOf ?? new Date().toISOString().slice(0, 10);
  const merged = mergeFxRates(
    readFileSync(table, 'utf8'),
    readFileSync(flags.from, 'utf8'),
    flags.from,
    asOf,
  );
  if (merged.problems.length) {
    process.stderr.write(
      `exhub fx refresh: ${table} left as it was:\n${merged.problems.map((p) => `  ${p}`).join('\n')}\n`,
    );
    process.exitCode = EXIT.failed;
    return;
  }
  if (!flags.dryRun) {
    const tmp = `${table}.tmp`;
    writeFileSync(tmp, fxCsv(merged.rows));
    renameSync(tmp, table);
  }
  const list = (xs: string[]) => (xs.length ? xs.join(' ') : '-');
  process.stdout.write(
    `${flags.dryRun ? 'would write' : 'wrote'} ${table}: ${merged.rows.length} currencies; ` +
      `added ${list(merged.added)}; updated ${merged.updated.length}; ` +
      `not in ${flags.from} (old rates kept): ${list(merged.stale)}\n` +
      `the hub reads the table at start and on a mappings reload\n`,
  );
}

export function registerFxCommands(program: Command): void {
  const fx = program
    .command('fx')
    .description('the reference FX table the mappings convert amounts with (lookups/fx-rates.csv)');
  fx.command('refresh')
    .description(
      'update fx-rates.csv from a CSV (currency,rate[,reporting_currency][,as_of]); wrong rows change nothing',
    )
    .requiredOption('--from <csv>', 'the CSV with the new rates')
    .option('--table <csv>', 'the table to update (default: <mappings dir>/lookups/fx-rates.csv)')
    .option('--as-of <date>', 'the date of rates without as_of (default: today, UTC)')
    .option('--dry-run', 'check and report, write nothing')
    .action(refresh);
}
