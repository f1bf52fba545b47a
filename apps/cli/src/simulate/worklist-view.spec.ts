import type { CanonicalException } from '@exhub/canonical';
import { formatDue, formatMoney, renderWorklist, topReasons } from './worklist-view';

const NOW = new Date('2026-11-27T10:00:00Z');

function exception(
  score: number,
  tier: string,
  type: string,
  amount: string,
  factors: [number, string][],
): CanonicalException {
  return {
    id: `id-${score}`,
    type,
    amount: { value: amount, currency: 'EUR' },
    dueAt: '2026-11-30T00:00:00Z',
    parties: [{ role: 'supplier', id: '100045', tier: 'critical' }],
    priority: {
      score,
      tier,
      factors: factors.map(([points, detail]) => ({ points, detail, code: 'f' })),
    },
  } as unknown as CanonicalException;
}

const items = [
  exception(78.4, 'p1', 'invoice_mismatch', '48210.5', [
    [9.5, 'due in 3 days during the month-end close'],
    [21.2, 'EUR 48,210.50 at stake, 4.8× the materiality threshold'],
    [4, 'supplier 100045 is critical'],
  ]),
  exception(51, 'p2', 'tax_validation_failure', '1200', [
    [8, 'tax validation is compliance-sensitive'],
  ]),
];

describe('renderWorklist', () => {
  it('a wide terminal: rank, tier, score, type, amount, due, party and the two largest reasons', () => {
    const lines = renderWorklist({ items, width: 140, now: NOW, title: 'worklist' });
    expect(lines[0]).toBe('worklist');
    const row = lines.findIndex((l) => l.includes('invoice_mismatch'));
    expect(lines[row]).toMatch(
      /^1 {2}P1 {3}\s+78\.4 {2}invoice_mismatch\s+EUR 48,210\.50 {2}due in 3d\s+supplier 100045 \(critical\)$/,
    );
    expect(lines[row + 1]).toContain('· +21.2 EUR 48,210.50 at stake');
    expect(lines[row + 2]).toContain('· +9.5 due in 3 days');
    expect(lines[row + 3]).toMatch(/^2 {2}P2/);
    expect(lines.join('\n')).not.toContain('supplier 100045 is critical');
  });

  it('a narrow terminal drops amount and party, keeps one reason, and no line is wider than it', () => {
    const lines = renderWorklist({ items, width: 50, now: NOW, title: 'x'.repeat(80) });
    expect(lines.every((l) => l.length <= 50)).toBe(true);
    expect(lines.join('\n')).not.toContain('EUR 48,210.50  ');
    expect(lines.filter((l) => l.includes('· +')).length).toBe(2);
    expect(lines[0].endsWith('…')).toBe(true);
  });

  it('columns never run into each other, whatever the due text: two spaces before PARTY', () => {
    const overdue = { ...items[0], dueAt: '2026-07-30T00:00:00Z' } as CanonicalException;
    expect(formatDue(overdue.dueAt, NOW)).toBe('overdue 120d');
    const lines = renderWorklist({ items: [overdue, items[1]], width: 200, now: NOW, title: 't' });
    const header = lines.find((l) => l.includes('PARTY')) ?? '';
    const row = lines.find((l) => l.includes('overdue 120d')) ?? '';
    expect(row).toMatch(/overdue 120d {2}supplier 100045/);
    // PARTY starts where the party of every row starts.
    expect(row.indexOf('supplier')).toBe(header.indexOf('PARTY'));
    const other = lines.find((l) => l.includes('tax_validation_failure')) ?? '';
    expect(other.indexOf('supplier')).toBe(header.indexOf('PARTY'));
  });

  it('an unlimited width (output piped) keeps every column and cuts no row', () => {
    const lines = renderWorklist({
      items,
      width: Number.POSITIVE_INFINITY,
      now: NOW,
      title: 'x'.repeat(300),
    });
    expect(lines[0]).toBe('x'.repeat(300));
    expect(lines.find((l) => l.includes('PARTY'))).toContain('DUE');
    expect(lines.join('\n')).not.toContain('…');
  });

  it('colours only the tier and says when the list is empty', () => {
    const coloured = renderWorklist({ items, width: 120, now: NOW, title: 't', color: true });
    expect(coloured.find((l) => l.includes('invoice_mismatch'))).toContain('\x1b[1;31mP1');
    expect(renderWorklist({ items: [], width: 80, now: NOW, title: 't' })).toContain(
      'no open exceptions yet',
    );
  });
});

describe('formatting', () => {
  it('money with thousands separators and two decimals', () => {
    expect(formatMoney({ value: '1234567.5', currency: 'USD' })).toBe('USD 1,234,567.50');
    expect(formatMoney({ value: '12', currency: 'EUR' })).toBe('EUR 12');
  });
  it('due in / overdue', () => {
    expect(formatDue('2026-11-27T15:00:00Z', NOW)).toBe('due in 5h');
    expect(formatDue('2026-11-25T10:00:00Z', NOW)).toBe('overdue 2d');
  });
  it('top reasons are the positive factors with the most points', () => {
    expect(topReasons(items[0])).toEqual([
      '+21.2 EUR 48,210.50 at stake, 4.8× the materiality threshold',
      '+9.5 due in 3 days during the month-end close',
    ]);
  });
});
