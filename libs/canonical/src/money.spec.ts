import { InvalidPayloadError } from '@exhub/core';
import { minorUnitExponent, minorUnitsToDecimal, normaliseCurrency } from './money';

describe('minorUnitsToDecimal', () => {
  it.each<[number | string | bigint, string, string]>([
    [1250, 'eur', '12.50'],
    [5, 'EUR', '0.05'],
    [0, 'usd', '0.00'],
    [-1250, 'usd', '-12.50'],
    [-5, 'gbp', '-0.05'],
    [1250, 'jpy', '1250'],
    [-1250, 'JPY', '-1250'],
    [1250, 'kwd', '1.250'],
    [7, 'BHD', '0.007'],
    [-12345, 'tnd', '-12.345'],
    [12345, 'CLF', '1.2345'],
  ])('%p %s → %s', (minor, currency, expected) => {
    expect(minorUnitsToDecimal(minor, currency)).toBe(expected);
  });

  it('is exact beyond 2^53 when given a string or bigint', () => {
    expect(minorUnitsToDecimal('9007199254740993', 'eur')).toBe('90071992547409.93');
    expect(minorUnitsToDecimal(9007199254740993n, 'EUR')).toBe('90071992547409.93');
    expect(minorUnitsToDecimal(-123456789012345678n, 'kwd')).toBe('-123456789012345.678');
    expect(minorUnitsToDecimal('-000120', 'usd')).toBe('-1.20');
  });

  it('accepts an explicit exponent for processors that deviate from ISO 4217', () => {
    expect(minorUnitsToDecimal(150000, 'isk')).toBe('150000');
    expect(minorUnitsToDecimal(150000, 'isk', 2)).toBe('1500.00');
  });

  it.each<[number | string | bigint, string]>([
    [12.5, 'a fractional number'],
    [2 ** 53, 'a number beyond the safe range, already rounded'],
    [Number.NaN, 'NaN'],
    ['12.50', 'a decimal string'],
    ['1e3', 'exponent notation'],
    ['', 'an empty string'],
  ])('refuses %p (%s)', (minor) => {
    expect(() => minorUnitsToDecimal(minor, 'EUR')).toThrow(InvalidPayloadError);
  });

  it('refuses a bad exponent and a bad currency', () => {
    expect(() => minorUnitsToDecimal(1, 'EUR', -1)).toThrow(/exponent -1/);
    expect(() => minorUnitsToDecimal(1, 'EUR', 1.5)).toThrow(/exponent 1.5/);
    expect(() => minorUnitsToDecimal(1, 'euro')).toThrow(/"euro"/);
  });
});

describe('normaliseCurrency', () => {
  it('upper-cases ISO 4217 codes', () => {
    expect(normaliseCurrency('eur')).toBe('EUR');
    expect(normaliseCurrency('Usd')).toBe('USD');
  });

  it.each(['', 'eu', 'euro', 'e1r', ' eur', 'eß', 'ſek'])('rejects %p', (code) => {
    expect(() => normaliseCurrency(code)).toThrow(InvalidPayloadError);
  });

  it('names the rule and an example in its issue', () => {
    try {
      normaliseCurrency('eu');
      throw new Error('expected a throw');
    } catch (err) {
      expect((err as InvalidPayloadError).issues).toEqual([
        {
          pointer: '',
          rule: 'pattern',
          message:
            'currency "eu" must match ^[A-Z]{3}$ once upper-cased (an ISO 4217 code such as "EUR")',
        },
      ]);
    }
  });
});

describe('minorUnitExponent', () => {
  it('follows ISO 4217 with 2 as the default', () => {
    expect(minorUnitExponent('jpy')).toBe(0);
    expect(minorUnitExponent('KRW')).toBe(0);
    expect(minorUnitExponent('OMR')).toBe(3);
    expect(minorUnitExponent('JOD')).toBe(3);
    expect(minorUnitExponent('EUR')).toBe(2);
    expect(minorUnitExponent('XYZ')).toBe(2);
  });
});
