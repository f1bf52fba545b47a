import jsonata from 'jsonata';
import { HelperError } from './errors';
import {
  ccyAmount,
  decimal,
  epochToIso,
  HELPERS,
  money,
  numberRepeats,
  odataResults,
  sapDate,
  toUtc,
} from './helpers';

function helperError(fn: () => unknown): HelperError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HelperError) return err;
    throw err;
  }
  throw new Error('expected a HelperError');
}

describe('$money', () => {
  it('converts minor units to a decimal string with the ISO 4217 number of decimals', () => {
    expect(money(2200, 'usd')).toEqual({ value: '22.00', currency: 'USD' });
    expect(money(5, 'eur')).toEqual({ value: '0.05', currency: 'EUR' });
    expect(money(5000, 'jpy')).toEqual({ value: '5000', currency: 'JPY' });
    expect(money(1234, 'KWD')).toEqual({ value: '1.234', currency: 'KWD' });
    expect(money(1, 'bhd')).toEqual({ value: '0.001', currency: 'BHD' });
    expect(money(7, 'tnd')).toEqual({ value: '0.007', currency: 'TND' });
  });

  it('keeps the sign of negative amounts and never writes -0', () => {
    expect(money(-2200, 'usd')).toEqual({ value: '-22.00', currency: 'USD' });
    expect(money(-5, 'usd')).toEqual({ value: '-0.05', currency: 'USD' });
    expect(money(0, 'usd')).toEqual({ value: '0.00', currency: 'USD' });
    expect(money(-0, 'jpy')).toEqual({ value: '0', currency: 'JPY' });
    expect(money('-0', 'usd')).toEqual({ value: '0.00', currency: 'USD' });
  });

  it('is exact beyond 2^53 when the amount comes as a string', () => {
    expect(money('123456789012345678901', 'usd')).toEqual({
      value: '1234567890123456789.01',
      currency: 'USD',
    });
    expect(money('9007199254740993', 'jpy')?.value).toBe('9007199254740993');
  });

  it('refuses a number beyond 2^53, which may already have lost digits', () => {
    const err = helperError(() => money(2 ** 53 + 2, 'usd'));
    expect(err.message).toMatch(/beyond 2\^53.*as a string/);
    expect(err.argIndex).toBe(0);
  });

  it('refuses fractions and non-numbers as minor units', () => {
    expect(helperError(() => money(12.5, 'usd')).message).toMatch(/not an integer/);
    expect(helperError(() => money('12.50', 'usd')).argIndex).toBe(0);
    expect(helperError(() => money(true, 'usd')).argIndex).toBe(0);
  });

  it('returns undefined for an absent amount and names a bad or missing currency', () => {
    expect(money(undefined, 'usd')).toBeUndefined();
    expect(money(null, 'usd')).toBeUndefined();
    expect(helperError(() => money(100, undefined)).message).toMatch(/currency is missing/);
    const bad = helperError(() => money(100, 'us'));
    expect(bad.message).toBe('$money: currency "us" is not a 3-letter ISO 4217 code');
    expect(bad.argIndex).toBe(1);
    // 'ß' upper-cases to 'SS': three letters only after case mapping, so refused.
    expect(helperError(() => money(100, 'ßd')).argIndex).toBe(1);
  });
});

describe('$decimal', () => {
  it('writes numbers exactly as their shortest round-trip form', () => {
    expect(decimal(12.5)).toBe('12.5');
    expect(decimal(0)).toBe('0');
    expect(decimal(-0.05)).toBe('-0.05');
    expect(decimal(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(decimal(1e21)).toBe('1000000000000000000000');
    expect(decimal(1.5e-7)).toBe('0.00000015');
  });

  it('keeps the digits of numeric strings, beyond 2^53 too', () => {
    expect(decimal('12.50')).toBe('12.50');
    expect(decimal('0012.50')).toBe('12.50');
    expect(decimal('-.5')).toBe('-0.5');
    expect(decimal('+7')).toBe('7');
    expect(decimal('-0.00')).toBe('0.00');
    expect(decimal('123456789012345678901234.000001')).toBe('123456789012345678901234.000001');
    expect(decimal('1.25E3')).toBe('1250');
  });

  it('refuses what is not a finite decimal', () => {
    expect(helperError(() => decimal('12,50')).message).toMatch(/not a decimal number/);
    expect(helperError(() => decimal('.')).argIndex).toBe(0);
    expect(helperError(() => decimal(Number.NaN)).message).toMatch(/not a finite number/);
    expect(helperError(() => decimal('1e999999')).message).toMatch(/exponent/);
    expect(helperError(() => decimal({})).argIndex).toBe(0);
    expect(decimal(undefined)).toBeUndefined();
  });
});

describe('$epochToIso', () => {
  it('turns Unix seconds into ISO 8601 UTC with Z', () => {
    expect(epochToIso(1780531199)).toBe('2026-06-03T23:59:59Z');
    expect(epochToIso(0)).toBe('1970-01-01T00:00:00Z');
    expect(epochToIso(-1)).toBe('1969-12-31T23:59:59Z');
    expect(epochToIso('1780531199')).toBe('2026-06-03T23:59:59Z');
    expect(epochToIso(1.5)).toBe('1970-01-01T00:00:01.500Z');
  });

  it('refuses non-numbers and dates out of range', () => {
    expect(helperError(() => epochToIso('yesterday')).message).toMatch(/not a number of seconds/);
    expect(helperError(() => epochToIso(1e20)).message).toMatch(/outside the range/);
    expect(epochToIso(null)).toBeUndefined();
  });
});

describe('the dates written by arithmetic', () => {
  it('write what Date.toISOString writes (without .000) across leap days, centuries and the four-digit years', () => {
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const day = 86_400_000;
    const starts = [
      Date.UTC(1899, 11, 30),
      -62_167_219_200_000, // 0000-01-01
      Date.UTC(1600, 1, 28),
      Date.UTC(1900, 1, 27),
      Date.UTC(1969, 11, 30),
      Date.UTC(2000, 1, 27),
      Date.UTC(2024, 1, 28),
      Date.UTC(2100, 1, 27),
      253_402_300_799_999 - 3 * day, // the last days of 9999
    ];
    for (const start of starts) {
      for (let ms = start; ms < start + 4 * day; ms += 3_599_999) {
        expect(sapDate(`/Date(${ms})/`)).toBe(iso(ms));
      }
    }
    expect(sapDate('/Date(-62167219200000)/')).toBe('0000-01-01T00:00:00Z');
    expect(sapDate('/Date(253402300799999)/')).toBe('9999-12-31T23:59:59.999Z');
    // Beyond four digits: Date's own six-digit years.
    expect(sapDate('/Date(253402300800000)/')).toBe('+010000-01-01T00:00:00Z');
    expect(sapDate('/Date(-62167219200001)/')).toBe('-000001-12-31T23:59:59.999Z');
  });

  it('check a date-time the way Date would read it back: every day of a month, no more', () => {
    expect(toUtc('2000-02-29T00:00:00Z')).toBe('2000-02-29T00:00:00Z');
    expect(helperError(() => toUtc('1900-02-29T00:00:00Z')).message).toMatch(/not a valid/);
    expect(helperError(() => toUtc('2023-02-29T00:00:00Z')).message).toMatch(/not a valid/);
    expect(helperError(() => toUtc('2026-04-31T00:00:00Z')).message).toMatch(/not a valid/);
    expect(helperError(() => toUtc('2026-13-01T00:00:00Z')).message).toMatch(/not a valid/);
    expect(helperError(() => toUtc('2026-00-01T00:00:00Z')).message).toMatch(/not a valid/);
    expect(helperError(() => toUtc('2026-01-00T00:00:00Z')).message).toMatch(/not a valid/);
    expect(helperError(() => toUtc('2026-01-01T23:60:00Z')).message).toMatch(/not a valid/);
    expect(helperError(() => toUtc('2026-01-01T23:59:60Z')).message).toMatch(/not a valid/);
    // Date.UTC takes years 0-99 as 1900-1999, so they never read back.
    expect(helperError(() => toUtc('0099-01-01T00:00:00Z')).message).toMatch(/not a valid/);
    expect(toUtc('0100-01-01T00:00:00Z')).toBe('0100-01-01T00:00:00Z');
    expect(toUtc('9999-12-31T23:00:00-05:00')).toBe('+010000-01-01T04:00:00Z');
  });
});

describe('$sapDate', () => {
  it('reads OData v2 dates as UTC milliseconds, with or without an offset suffix', () => {
    expect(sapDate('/Date(1492041600000)/')).toBe('2017-04-13T00:00:00Z');
    expect(sapDate('/Date(1492041600000+0200)/')).toBe('2017-04-13T00:00:00Z');
    expect(sapDate('/Date(-86400000)/')).toBe('1969-12-31T00:00:00Z');
    expect(sapDate('/Date(1492041600123)/')).toBe('2017-04-13T00:00:00.123Z');
  });

  it('refuses other strings', () => {
    expect(helperError(() => sapDate('2017-04-13')).message).toMatch(/not an OData date/);
    expect(sapDate(undefined)).toBeUndefined();
  });
});

describe('$numberRepeats', () => {
  it('numbers each repeat of a key in order and leaves unique keys alone', () => {
    expect(numberRepeats(['a', 'b', 'a', 'a'])).toEqual(['a', 'b', 'a#2', 'a#3']);
    expect(numberRepeats('a')).toEqual(['a']);
    expect(numberRepeats(undefined)).toBeUndefined();
  });
});

describe('$odataResults', () => {
  it('unwraps collections and single entities', () => {
    expect(odataResults({ d: { results: [{ a: 1 }, { a: 2 }] } })).toEqual([{ a: 1 }, { a: 2 }]);
    expect(odataResults({ d: { a: 1 } })).toEqual([{ a: 1 }]);
    expect(odataResults({ d: { results: [] } })).toEqual([]);
    expect(odataResults({ value: [{ a: 1 }] })).toEqual([{ a: 1 }]);
    expect(odataResults({ other: 1 })).toBeUndefined();
    expect(odataResults(undefined)).toBeUndefined();
  });
});

describe('$toUtc', () => {
  it('converts offsets to UTC', () => {
    expect(toUtc('2026-03-14T10:30:00+01:00')).toBe('2026-03-14T09:30:00Z');
    expect(toUtc('2026-03-14T00:30:00+0200')).toBe('2026-03-13T22:30:00Z');
    expect(toUtc('2026-03-14T23:30:00-05:00')).toBe('2026-03-15T04:30:00Z');
    expect(toUtc('2026-03-14T09:30:00Z')).toBe('2026-03-14T09:30:00Z');
    expect(toUtc('2026-03-14T09:30:00.123456+00:00')).toBe('2026-03-14T09:30:00.123Z');
    expect(toUtc('2024-02-29 12:00:00Z')).toBe('2024-02-29T12:00:00Z');
  });

  it('needs the offset as a second argument when the value has none', () => {
    expect(helperError(() => toUtc('2026-03-14T10:30:00')).message).toMatch(/no UTC offset/);
    expect(toUtc('2026-03-14T10:30:00', '+01:00')).toBe('2026-03-14T09:30:00Z');
    expect(toUtc('2026-03-14', 'Z')).toBe('2026-03-14T00:00:00Z');
    expect(helperError(() => toUtc('2026-03-14T10:30:00', 'CET')).argIndex).toBe(1);
  });

  it('refuses impossible dates and non-ISO text', () => {
    expect(helperError(() => toUtc('2026-02-30T00:00:00Z')).message).toMatch(
      /not a valid date-time/,
    );
    expect(helperError(() => toUtc('2026-03-14T25:00:00Z')).argIndex).toBe(0);
    expect(helperError(() => toUtc('14/03/2026')).message).toMatch(/not an ISO 8601/);
    expect(helperError(() => toUtc('2026-03-14T10:00:00+25:00')).message).toMatch(/UTC offset/);
    expect(toUtc(null)).toBeUndefined();
  });

  it('reads every form ISO_DATE_TIME takes the same digit by digit as the Date parser does', () => {
    // Read digit by digit (toUtcDigits), checked against Date.parse of the same instant
    // written canonically, over dates, times, fractions and offsets of every shape.
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    let seed = 17;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const year = [100, 1900, 1970, 2000, 2024, 2026, 9999][next(7)];
      const month = 1 + next(12);
      const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
      const day = 1 + next(days);
      const [hour, minute, second] = [next(24), next(60), next(60)];
      const digits = ['', '5', '12', '123', '123456'][next(5)];
      const sign = next(2) === 0 ? '+' : '-';
      const [oh, om] = [next(19), next(2) === 0 ? 0 : 30];
      const offset = oh * 60 + om > 18 * 60 ? '+18:00' : `${sign}${pad(oh)}:${pad(om)}`;
      const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
      const time = `${pad(hour)}:${pad(minute)}:${pad(second)}`;
      const fraction = digits === '' ? '' : `${next(2) === 0 ? '.' : ','}${digits}`;
      const ms = (digits + '000').slice(0, 3);
      const canonical = Date.parse(`${date}T${time}.${ms}${offset}`);
      const expected = new Date(canonical).toISOString().replace('.000Z', 'Z');
      const written = [
        `${date}T${time}${fraction}${offset}`,
        `${date}t${time}${fraction}${offset.replace(':', '')}`,
        `${date} ${time}${fraction}${offset}`,
      ][next(3)];
      if (year <= 9999 && canonical <= Date.UTC(9999, 11, 31, 23, 59, 59, 999)) {
        expect([written, toUtc(written)]).toEqual([written, expected]);
      }
    }
    // Without seconds or without a time, and the default offset.
    expect(toUtc('2026-03-14T10:30Z')).toBe('2026-03-14T10:30:00Z');
    expect(toUtc('2026-03-14T10:30', 'z')).toBe('2026-03-14T10:30:00Z');
    expect(toUtc(' 2026-03-14\n', 'Z')).toBe('2026-03-14T00:00:00Z');
    expect(toUtc('2026-03-14T10:30:00+05')).toBe('2026-03-14T05:30:00Z');
    expect(toUtc('2026-03-14T10:30:00-00:00')).toBe('2026-03-14T10:30:00Z');
    expect(toUtc('2026-03-14T10:30:00+18:00')).toBe('2026-03-13T16:30:00Z');
    expect(toUtc('2024-02-29T23:59:59.9999z')).toBe('2024-02-29T23:59:59.999Z');
    expect(toUtc('2026-03-14T10:30:00,5+01:00')).toBe('2026-03-14T09:30:00.500Z');
  });

  it('refuses, naming the same problems, what the digit-by-digit reading leaves to the general one', () => {
    const problem = (value: string, offset?: string) => {
      const err = helperError(() => toUtc(value, offset));
      return [err.message.replace(/^.*?: /, ''), err.argIndex];
    };
    expect(problem('2026-03-14T10:30:00+18:01')).toEqual([
      '"2026-03-14T10:30:00+18:01" is not a UTC offset like "+02:00" or "Z"',
      0,
    ]);
    expect(problem('2026-03-14T10:30:00+02:')[0]).toMatch(/not an ISO 8601 date-time/);
    expect(problem('2026-03-14T10:30:00.')[0]).toMatch(/not an ISO 8601 date-time/);
    expect(problem('2026-03-14T1:30:00Z')[0]).toMatch(/not an ISO 8601 date-time/);
    expect(problem('2026-03-14T10:30:00ZZ')[0]).toMatch(/not an ISO 8601 date-time/);
    expect(problem('2026-03-14T24:00:00Z')[0]).toMatch(/not a valid date-time/);
    expect(problem('2026-02-29T00:00:00Z')[0]).toMatch(/not a valid date-time/);
    expect(problem('0099-12-31T00:00:00Z')[0]).toMatch(/not a valid date-time/);
    expect(problem('2026-03-14T10:30:00')[0]).toMatch(/no UTC offset/);
    expect(problem('2026-03-14T10:30:00', '+1')).toEqual([
      '"+1" is not a UTC offset like "+02:00" or "Z"',
      1,
    ]);
    // A default offset other than Z is the general reading's, and still applies.
    expect(toUtc('2026-03-14T10:30:00', '-0330')).toBe('2026-03-14T14:00:00Z');
    expect(toUtc('9999-12-31T23:00:00-05:00')).toBe('+010000-01-01T04:00:00Z');
  });
});

describe('$ccyAmount', () => {
  it('reads ISO 20022 amounts as rendered by the common XML parsers', () => {
    expect(ccyAmount({ '#text': '12.50', '@_Ccy': 'EUR' })).toEqual({
      value: '12.50',
      currency: 'EUR',
    });
    expect(ccyAmount({ _: '1000', $: { Ccy: 'chf' } })).toEqual({ value: '1000', currency: 'CHF' });
    expect(ccyAmount({ _: '-3.5', Ccy: 'USD' })).toEqual({ value: '-3.5', currency: 'USD' });
    expect(ccyAmount({ '#text': 12.5, '@_Ccy': 'EUR' })).toEqual({
      value: '12.5',
      currency: 'EUR',
    });
    expect(ccyAmount({ '#text': '98765432109876543.21', '@_Ccy': 'EUR' })?.value).toBe(
      '98765432109876543.21',
    );
  });

  it('names what is missing or wrong', () => {
    expect(helperError(() => ccyAmount({ '#text': '1.00' })).message).toMatch(/no Ccy/);
    expect(helperError(() => ccyAmount({ '@_Ccy': 'EUR' })).message).toMatch(/no value/);
    expect(helperError(() => ccyAmount({ '#text': '1,00', '@_Ccy': 'EUR' })).message).toMatch(
      /not a decimal/,
    );
    expect(helperError(() => ccyAmount('12.50')).argIndex).toBe(0);
    expect(ccyAmount(undefined)).toBeUndefined();
  });
});

describe('HELPERS', () => {
  it('are callable from JSONata and documented', async () => {
    const expr = jsonata("$money(amount, currency).value & ' ' & $epochToIso(at)");
    for (const h of HELPERS) expr.registerFunction(h.name, h.implementation);
    await expect(expr.evaluate({ amount: 2200, currency: 'usd', at: 0 })).resolves.toBe(
      '22.00 1970-01-01T00:00:00Z',
    );
    for (const h of HELPERS) expect(h.doc).toContain(`$${h.name}(`);
  });
});
