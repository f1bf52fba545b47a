import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fxCsv, mergeFxRates } from './fx';

const TABLE = join(__dirname, '../../../../mappings/lookups/fx-rates.csv');
const current = `currency,reporting_currency,rate,as_of
EUR,USD,1.1348,2026-05-29
GBP,USD,1.3169,2026-05-29
USD,USD,1,2026-05-29
`;

describe('exhub fx refresh', () => {
  it('replaces and adds the rates it is given, keeps the others and lists them as stale', () => {
    const m = mergeFxRates(
      current,
      'currency,rate\nEUR,1.09\nhuf,0.0027\n',
      'new.csv',
      '2026-12-04',
    );
    expect(m.problems).toEqual([]);
    expect(m.added).toEqual(['HUF']);
    expect(m.updated).toEqual(['EUR']);
    expect(m.stale).toEqual(['GBP', 'USD']);
    expect(fxCsv(m.rows)).toBe(`currency,reporting_currency,rate,as_of
EUR,USD,1.09,2026-12-04
GBP,USD,1.3169,2026-05-29
HUF,USD,0.0027,2026-12-04
USD,USD,1,2026-05-29
`);
  });

  it('refuses the whole input when a row is wrong, naming file:line and the fix', () => {
    const m = mergeFxRates(
      current,
      'currency,reporting_currency,rate,as_of\nXYZ,USD,1,2026-12-04\nEUR,EUR,1,2026-12-04\nPLN,USD,-0.27,2026-12-04\nSEK,USD,0.1,04.12.2026\n',
      'new.csv',
      '2026-12-04',
    );
    expect(m.problems).toEqual([
      "new.csv:2: 'XYZ' is not an ISO 4217 currency code (e.g. HUF)",
      "new.csv:3: reporting_currency EUR differs from the table's USD; convert the rate to USD",
      "new.csv:4: rate '-0.27' is not a positive decimal number (write it with a point, e.g. 0.0029)",
      "new.csv:5: as_of '04.12.2026' is not a date YYYY-MM-DD",
    ]);
    expect(mergeFxRates(current, 'code,value\nEUR,1\n', 'x.csv', '2026-12-04').problems).toEqual([
      'x.csv:1: the column currency is missing; the header needs currency,rate',
      'x.csv:1: the column rate is missing; the header needs currency,rate',
    ]);
  });

  it('ships a dated reference rate for every ISO 4217 currency (example values)', () => {
    const shipped = readFileSync(TABLE, 'utf8');
    const m = mergeFxRates(
      shipped,
      'currency,rate,as_of\nUSD,1,2026-05-29\n',
      'usd.csv',
      '2026-12-04',
    );
    const have = new Set(m.rows.map((r) => r.currency));
    const missing = Intl.supportedValuesOf('currency').filter((c) => !have.has(c));
    expect(missing).toEqual([]);
    for (const r of m.rows) {
      expect(r.reporting_currency).toBe('USD');
      expect(Number(r.rate)).toBeGreaterThan(0);
      expect(r.as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
