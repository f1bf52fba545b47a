import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  FX_RATES_COLUMNS,
  FX_RATES_TABLE,
  LOOKUP_FILE_SUFFIX,
  LOOKUP_TABLE_NAME,
  LOOKUPS_SUBDIR,
} from './constants';
import { minorUnitsOf, normalizeCurrency } from './currencies';
import { DecimalError, multiplyDecimals, toScaled, type ScaledDecimal } from './decimal';
import { HelperError } from './errors';
import { displayFile, findFiles } from './files';
import type { Money } from './helpers';
import { closest } from './suggest';
import type { HelperFunction, MappingProblem } from './basics';

/** One CSV lookup table: the first column is the key, the others are values. */
export interface LookupTable {
  name: string;
  file: string;
  columns: readonly string[];
  /** Rows by key; each row maps every column (the key column included) to its cell. */
  rows: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The 1-based line of each key, for errors and `exhub mappings lint`. */
  lines: ReadonlyMap<string, number>;
}

/** A rate of `fx-rates.csv`: one unit of `currency` is worth `rate` units of the reporting currency. */
interface FxRate {
  rate: ScaledDecimal;
  asOf: string;
}

/** The loaded tables of `mappings/lookups/`, by name (the file name without `.csv`). */
export class LookupTables {
  private readonly fx?: { reportingCurrency: string; rates: ReadonlyMap<string, FxRate> };

  /**
   * @param broken tables whose file exists but failed to load: calls to them are not reported
   * again at compile time (the file's own problem already is).
   */
  constructor(
    readonly tables: ReadonlyMap<string, LookupTable> = new Map(),
    private readonly broken: ReadonlySet<string> = new Set(),
  ) {
    this.fx = fxRates(tables.get(FX_RATES_TABLE));
  }

  /** The reporting currency of `fx-rates.csv`, when that table is loaded. */
  get reportingCurrency(): string | undefined {
    return this.fx?.reportingCurrency;
  }

  /** The cell of `column` (default: the first value column) in the row of `key`; undefined when absent. */
  lookup(table: string, key: unknown, column?: unknown): string | undefined {
    const t = this.tables.get(table);
    if (!t) throw new HelperError('lookup', unknownTableMessage(table, this.names()), 0);
    const col = column === undefined || column === null ? t.columns[1] : String(column);
    if (!t.columns.includes(col)) {
      throw new HelperError('lookup', unknownColumnMessage(t, col), 2);
    }
    if (key === undefined || key === null) return undefined;
    const cell = t.rows.get(String(key))?.[col];
    return cell === undefined || cell === '' ? undefined : cell;
  }

  /** Money converted to the reporting currency; undefined when absent or when no rate is known. */
  toBase(money: unknown): Money | undefined {
    if (money === undefined || money === null) return undefined;
    const m = money as Partial<Money>;
    const currency = normalizeCurrency(m.currency);
    if (typeof money !== 'object' || m.value === undefined || !currency) {
      throw new HelperError(
        'toBase',
        `${JSON.stringify(money)} is not money like {"value": "12.50", "currency": "EUR"}; pass the result of $money or $ccyAmount`,
        0,
      );
    }
    if (!this.fx) {
      throw new HelperError(
        'toBase',
        `no ${FX_RATES_TABLE}${LOOKUP_FILE_SUFFIX} lookup table is loaded`,
        0,
      );
    }
    const rate = this.fx.rates.get(currency);
    if (!rate) return undefined;
    const target = this.fx.reportingCurrency;
    try {
      return {
        value: multiplyDecimals(toScaled(m.value), rate.rate, minorUnitsOf(target)),
        currency: target,
      };
    } catch (err) {
      if (err instanceof DecimalError) throw new HelperError('toBase', err.message, 0);
      throw err;
    }
  }

  names(): string[] {
    return [...this.tables.keys()].sort();
  }

  /** `$lookup` and `$toBase`, bound to these tables, with load-time checks of literal arguments. */
  helpers(): HelperFunction[] {
    return [
      {
        name: 'lookup',
        doc: "$lookup('stripe-decline-codes', 'insufficient_funds') → the description column of that row; $lookup(table, key, column) for another column; undefined for an unknown key",
        implementation: (table, key, column) => this.lookup(String(table), key, column),
        // The tables do not change while a payload is mapped.
        pure: true,
        checkCall: ([table, , column]) => {
          if (table === undefined || this.broken.has(table)) return undefined;
          const t = this.tables.get(table);
          if (!t) {
            const suggestion = closest(table, this.names());
            return {
              message: unknownTableMessage(table, this.names()),
              hint: suggestion
                ? `did you mean '${suggestion}'?`
                : `add mappings/${LOOKUPS_SUBDIR}/${table}${LOOKUP_FILE_SUFFIX}`,
            };
          }
          if (column !== undefined && !t.columns.includes(column)) {
            const suggestion = closest(column, [...t.columns]);
            return {
              message: unknownColumnMessage(t, column),
              hint: suggestion ? `did you mean '${suggestion}'?` : undefined,
            };
          }
          return undefined;
        },
      },
      {
        name: 'toBase',
        doc: `$toBase({value: '100.00', currency: 'USD'}) → the amount in the reporting currency of ${FX_RATES_TABLE}${LOOKUP_FILE_SUFFIX}, exact, rounded half to even; undefined when no rate is known`,
        implementation: (money) => this.toBase(money),
        pure: true,
        checkCall: () =>
          this.fx || this.broken.has(FX_RATES_TABLE)
            ? undefined
            : {
                message: `$toBase needs mappings/${LOOKUPS_SUBDIR}/${FX_RATES_TABLE}${LOOKUP_FILE_SUFFIX}, which is not loaded`,
                hint: `add it with the columns ${FX_RATES_COLUMNS.join(',')}`,
              },
      },
    ];
  }
}

function unknownTableMessage(table: string, names: readonly string[]): string {
  return `unknown lookup table '${table}' (tables: ${names.join(', ') || 'none'})`;
}

function unknownColumnMessage(table: LookupTable, column: string): string {
  return `lookup table '${table.name}' has no column '${column}' (columns: ${table.columns.join(', ')})`;
}

/** Loads every `*.csv` of `dir`; a missing directory is no tables. Problems name file and line. */
export async function loadLookupTables(
  dir: string,
): Promise<{ tables: LookupTables; problems: MappingProblem[] }> {
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!exists) return { tables: new LookupTables(), problems: [] };
  const files = await findFiles(dir, LOOKUP_FILE_SUFFIX);
  const tables = new Map<string, LookupTable>();
  const broken = new Set<string>();
  const problems: MappingProblem[] = [];
  for (const file of files) {
    const result = parseLookupCsv(await readFile(file, 'utf8'), displayFile(file));
    problems.push(...result.problems);
    if (!result.table) {
      broken.add(basename(file, LOOKUP_FILE_SUFFIX));
      continue;
    }
    const earlier = tables.get(result.table.name);
    if (earlier) {
      problems.push(
        problemAt(
          result.table.file,
          1,
          `table name '${result.table.name}' is also ${earlier.file}`,
          'rename one of the files',
        ),
      );
      continue;
    }
    tables.set(result.table.name, result.table);
  }
  const fx = tables.get(FX_RATES_TABLE);
  if (fx) problems.push(...fxProblems(fx));
  return { tables: new LookupTables(tables, broken), problems };
}

/** The lookups folder of a mappings folder. */
export function lookupsDirOf(mappingsDir: string): string {
  return join(mappingsDir, LOOKUPS_SUBDIR);
}

/** Parses one lookup CSV: a header row of unique names, then one row per key (keys unique). */
export function parseLookupCsv(
  text: string,
  file: string,
): { table?: LookupTable; problems: MappingProblem[] } {
  const name = basename(file, LOOKUP_FILE_SUFFIX);
  const problems: MappingProblem[] = [];
  if (!LOOKUP_TABLE_NAME.test(name)) {
    problems.push(
      problemAt(
        file,
        1,
        `'${name}' is not a table name`,
        'name lookup files in lower case with dashes, e.g. customer-tiers.csv',
      ),
    );
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      info: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    return {
      problems: [
        ...problems,
        problemAt(
          file,
          e.lines ?? 1,
          `CSV: ${e.message.replace(/^Invalid Record Length: /, '')}`,
          'every row needs as many cells as the header row; quote cells that contain commas',
        ),
      ],
    };
  }
  const [header, ...body] = records;
  if (!header || header.record.length < 2) {
    return {
      problems: [
        ...problems,
        problemAt(
          file,
          header?.info.lines ?? 1,
          'needs a header row with a key column and at least one value column',
          'e.g. code,description',
        ),
      ],
    };
  }
  const columns = header.record;
  const seenColumns = new Set<string>();
  for (const column of columns) {
    if (column === '' || seenColumns.has(column)) {
      problems.push(
        problemAt(
          file,
          header.info.lines,
          column === '' ? 'a header cell is empty' : `column '${column}' appears twice`,
          'give every column its own name',
        ),
      );
    }
    seenColumns.add(column);
  }
  const rows = new Map<string, Record<string, string>>();
  const lines = new Map<string, number>();
  for (const { record, info } of body) {
    const key = record[0];
    if (key === '') {
      problems.push(
        problemAt(
          file,
          info.lines,
          'the key cell is empty',
          `fill in ${columns[0]} or delete the row`,
        ),
      );
      continue;
    }
    const earlier = lines.get(key);
    if (earlier !== undefined) {
      problems.push(
        problemAt(
          file,
          info.lines,
          `key '${key}' is already on line ${earlier}`,
          'keys must be unique; delete or merge one row',
        ),
      );
      continue;
    }
    const row: Record<string, string> = Object.create(null) as Record<string, string>;
    columns.forEach((column, i) => (row[column] = record[i] ?? ''));
    rows.set(key, row);
    lines.set(key, info.lines);
  }
  if (problems.length > 0) return { problems };
  return { table: { name, file, columns, rows, lines }, problems };
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** fx-rates.csv: the documented columns, ISO currencies, positive decimal rates, one reporting currency. */
function fxProblems(table: LookupTable): MappingProblem[] {
  const missing = FX_RATES_COLUMNS.filter((c) => !table.columns.includes(c));
  if (missing.length > 0) {
    return [
      problemAt(
        table.file,
        1,
        `is missing the column(s) ${missing.join(', ')}`,
        `the header must be ${FX_RATES_COLUMNS.join(',')}`,
      ),
    ];
  }
  const problems: MappingProblem[] = [];
  const reporting = new Set<string>();
  for (const [key, row] of table.rows) {
    const line = table.lines.get(key) ?? 1;
    if (!normalizeCurrency(row.currency) || row.currency !== row.currency.toUpperCase()) {
      problems.push(
        problemAt(
          table.file,
          line,
          `currency '${row.currency}' is not an upper-case ISO 4217 code`,
          'e.g. USD',
        ),
      );
    }
    if (!normalizeCurrency(row.reporting_currency)) {
      problems.push(
        problemAt(
          table.file,
          line,
          `reporting_currency '${row.reporting_currency}' is not an ISO 4217 code`,
          'e.g. EUR',
        ),
      );
    } else {
      reporting.add(row.reporting_currency.toUpperCase());
    }
    let rate: ScaledDecimal | undefined;
    try {
      rate = toScaled(row.rate);
    } catch {
      rate = undefined;
    }
    if (!rate || rate.units <= 0n) {
      problems.push(
        problemAt(
          table.file,
          line,
          `rate '${row.rate}' is not a positive decimal number`,
          'write it with a point, e.g. 0.9234',
        ),
      );
    }
    if (!ISO_DAY.test(row.as_of) || Number.isNaN(Date.parse(row.as_of))) {
      problems.push(
        problemAt(
          table.file,
          line,
          `as_of '${row.as_of}' is not a date like 2026-01-31`,
          'use YYYY-MM-DD',
        ),
      );
    }
  }
  if (reporting.size > 1) {
    problems.push(
      problemAt(
        table.file,
        1,
        `rows name several reporting currencies (${[...reporting].join(', ')})`,
        'every rate must convert to the same reporting currency',
      ),
    );
  }
  return problems;
}

function fxRates(
  table: LookupTable | undefined,
): { reportingCurrency: string; rates: ReadonlyMap<string, FxRate> } | undefined {
  if (!table || !FX_RATES_COLUMNS.every((c) => table.columns.includes(c))) return undefined;
  const rates = new Map<string, FxRate>();
  let reportingCurrency = '';
  for (const row of table.rows.values()) {
    reportingCurrency = row.reporting_currency.toUpperCase();
    try {
      rates.set(row.currency.toUpperCase(), { rate: toScaled(row.rate), asOf: row.as_of });
    } catch {
      // Reported by fxProblems; a table with problems is never used.
    }
  }
  if (!reportingCurrency) return undefined;
  // Converting the reporting currency to itself needs no row.
  if (!rates.has(reportingCurrency)) {
    rates.set(reportingCurrency, { rate: { units: 1n, scale: 0 }, asOf: '' });
  }
  return { reportingCurrency, rates };
}

function problemAt(file: string, line: number, message: string, hint?: string): MappingProblem {
  return { file, line, column: 1, path: '', message, ...(hint ? { hint } : {}) };
}
