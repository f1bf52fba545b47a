/**
 * The live ranked worklist in a terminal: top exceptions with tier, score, type, amount, party
 * and the two factors that contributed most to the score (the policy's own sentences). Rendering
 * is a pure function of the items and the terminal width, so it is tested without a terminal.
 */
import type { CanonicalException } from '@exhub/canonical';
import { NARROW_COLUMNS } from './constants';
import { MS_PER_HOUR } from '@exhub/core';

/** Columns below which even the reasons are left out. */
const TINY_COLUMNS = 40;
/** Columns from which the due date is shown too. */
const WIDE_COLUMNS = 110;
const REASONS_SHOWN = 2;
const HOURS_PER_DAY = 24;

const ANSI = {
  p1: '\x1b[1;31m',
  p2: '\x1b[33m',
  p3: '\x1b[36m',
  p4: '\x1b[2m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  reset: '\x1b[0m',
} as const;

export interface WorklistFrame {
  items: readonly CanonicalException[];
  /** Terminal columns. */
  width: number;
  now: Date;
  /** First line, e.g. where the worklist comes from. */
  title: string;
  /** Extra status lines under the title (the scenario's progress, a fetch error). */
  status?: string[];
  color?: boolean;
}

/** `"48210.5"`, `EUR` → `EUR 48,210.50`. */
export function formatMoney(amount: { value: string; currency: string } | undefined): string {
  if (!amount) return '';
  const [whole, fraction = ''] = amount.value.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${amount.currency} ${sign}${digits}${fraction ? `.${fraction.padEnd(2, '0')}` : ''}`;
}

/** `due in 3d`, `due in 5h`, `overdue 2d`. */
export function formatDue(dueAt: string | undefined, now: Date): string {
  if (!dueAt) return '';
  const hours = (Date.parse(dueAt) - now.getTime()) / MS_PER_HOUR;
  const span = Math.abs(hours);
  const text =
    span >= HOURS_PER_DAY ? `${Math.round(span / HOURS_PER_DAY)}d` : `${Math.round(span)}h`;
  return hours >= 0 ? `due in ${text}` : `overdue ${text}`;
}

function party(e: CanonicalException): string {
  const p = e.parties?.[0];
  if (!p) return '';
  return `${p.role} ${p.name ?? p.id}${p.tier ? ` (${p.tier})` : ''}`;
}

/** The factors that added the most points, largest first. */
export function topReasons(e: CanonicalException, n = REASONS_SHOWN): string[] {
  return [...(e.priority?.factors ?? [])]
    .filter((f) => f.points > 0)
    .sort((a, b) => b.points - a.points)
    .slice(0, n)
    .map((f) => `+${f.points.toFixed(1)} ${f.detail}`);
}

export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** The frame as lines of at most `width` visible characters. */
export function renderWorklist(f: WorklistFrame): string[] {
  const width = Math.max(20, f.width);
  const paint = (code: string, text: string) => (f.color ? `${code}${text}${ANSI.reset}` : text);
  const lines: string[] = [paint(ANSI.bold, truncate(f.title, width))];
  for (const s of f.status ?? []) lines.push(truncate(s, width));
  lines.push('');
  if (f.items.length === 0) {
    lines.push(truncate('no open exceptions yet', width));
    return lines;
  }
  const narrow = width < NARROW_COLUMNS;
  const wide = width >= WIDE_COLUMNS;
  const typeWidth = Math.max(...f.items.map((e) => e.type.length));
  const amountWidth = Math.max(...f.items.map((e) => formatMoney(e.amount).length));
  // Every column is as wide as its longest cell, and columns are two spaces apart: a long due
  // text ("overdue 120d") never runs into the party.
  const dueWidth = Math.max(...f.items.map((e) => formatDue(e.dueAt, f.now).length), 'DUE'.length);
  const due = (text: string) => (wide ? `${text.padEnd(dueWidth)}  ` : '');
  const rank = String(f.items.length).length;
  const header = narrow
    ? `${'#'.padStart(rank)}  TIER  SCORE  TYPE`
    : `${'#'.padStart(rank)}  TIER  SCORE  ${'TYPE'.padEnd(typeWidth)}  ${'AMOUNT'.padStart(amountWidth)}  ${due('DUE')}PARTY`;
  lines.push(paint(ANSI.dim, truncate(header, width)));
  const indent = ' '.repeat(rank + 2);
  f.items.forEach((e, i) => {
    const tier = (e.priority?.tier ?? '?').toUpperCase();
    const score = (e.priority?.score ?? 0).toFixed(1).padStart(5);
    const head = `${String(i + 1).padStart(rank)}  ${tier.padEnd(4)}  ${score}  `;
    const rest = narrow
      ? e.type
      : `${e.type.padEnd(typeWidth)}  ${formatMoney(e.amount).padStart(amountWidth)}  ${due(formatDue(e.dueAt, f.now))}${party(e)}`;
    const row = truncate(`${head}${rest}`, width);
    // The tier is always inside the first columns, so colouring it cannot break the truncation.
    const tierCode = ANSI[(e.priority?.tier ?? 'p4') as 'p1' | 'p2' | 'p3' | 'p4'] ?? ANSI.p4;
    lines.push(
      f.color && row.startsWith(head)
        ? row.replace(`  ${tier.padEnd(4)}`, `  ${paint(tierCode, tier.padEnd(4))}`)
        : row,
    );
    if (width < TINY_COLUMNS) return;
    const reasons = topReasons(e, narrow ? 1 : REASONS_SHOWN);
    for (const r of reasons) lines.push(paint(ANSI.dim, truncate(`${indent}· ${r}`, width)));
  });
  return lines;
}
