import { DecimalError, toDecimalString, toMinorUnitPlaces, toScaled } from './decimal';

describe('toMinorUnitPlaces', () => {
  it('gives an amount already in its minor units back as it is', () => {
    expect(toMinorUnitPlaces('123.45', 2)).toBe('123.45');
    expect(toMinorUnitPlaces('-5.00', 2)).toBe('-5.00');
    expect(toMinorUnitPlaces('0.00', 2)).toBe('0.00');
    expect(toMinorUnitPlaces('12', 0)).toBe('12');
    expect(toMinorUnitPlaces('0.125', 3)).toBe('0.125');
  });

  it('rewrites every other spelling of the same amount', () => {
    expect(toMinorUnitPlaces('-0.00', 2)).toBe('0.00');
    expect(toMinorUnitPlaces('-0', 0)).toBe('0');
    expect(toMinorUnitPlaces('-0.05', 2)).toBe('-0.05');
    expect(toMinorUnitPlaces('007.50', 2)).toBe('7.50');
    expect(toMinorUnitPlaces('+5.00', 2)).toBe('5.00');
    expect(toMinorUnitPlaces(' 5.00', 2)).toBe('5.00');
    expect(toMinorUnitPlaces('5.5', 2)).toBe('5.50');
    expect(toMinorUnitPlaces('5.', 2)).toBe('5.00');
    expect(toMinorUnitPlaces('.5', 2)).toBe('0.50');
    expect(toMinorUnitPlaces('1e2', 2)).toBe('100.00');
    expect(toMinorUnitPlaces('2300.000', 2)).toBe('2300.00');
    expect(toMinorUnitPlaces('12.00', 0)).toBe('12');
    expect(toMinorUnitPlaces(12.5, 2)).toBe('12.50');
  });

  it('refuses a non-zero digit beyond the minor units, and what is no number', () => {
    expect(() => toMinorUnitPlaces('12.001', 2)).toThrow(DecimalError);
    expect(() => toMinorUnitPlaces('12.5', 0)).toThrow(DecimalError);
    expect(() => toMinorUnitPlaces('', 2)).toThrow(DecimalError);
    expect(() => toMinorUnitPlaces('-', 2)).toThrow(DecimalError);
    expect(() => toMinorUnitPlaces('1.2.3', 2)).toThrow(DecimalError);
  });
});

describe('toDecimalString', () => {
  it('gives a plain decimal back as it is', () => {
    for (const text of [
      '0',
      '7',
      '12480.00',
      '-12.5',
      '0.50',
      '-0.05',
      '100',
      '0.000',
      '123456789012345678901234.5',
    ]) {
      expect(toDecimalString(text)).toBe(text);
    }
  });

  it('rewrites every other spelling of the same number', () => {
    expect(toDecimalString('-0')).toBe('0');
    expect(toDecimalString('-0.00')).toBe('0.00');
    expect(toDecimalString('007.50')).toBe('7.50');
    expect(toDecimalString('00')).toBe('0');
    expect(toDecimalString('-007')).toBe('-7');
    expect(toDecimalString('+5.00')).toBe('5.00');
    expect(toDecimalString(' 12.5 ')).toBe('12.5');
    expect(toDecimalString('5.')).toBe('5');
    expect(toDecimalString('.5')).toBe('0.5');
    expect(toDecimalString('-.5')).toBe('-0.5');
    expect(toDecimalString('1e2')).toBe('100');
    expect(toDecimalString('1.5E-1')).toBe('0.15');
    expect(toDecimalString(12.5)).toBe('12.5');
  });

  it('refuses what is no number', () => {
    for (const text of ['', '-', '.', '1.2.3', '12a', '1,5', '--1']) {
      expect(() => toDecimalString(text)).toThrow(DecimalError);
    }
  });

  it('scales a plain decimal and a rewritten one alike', () => {
    expect(toScaled('12480.00')).toEqual({ units: 1248000n, scale: 2 });
    expect(toScaled('-0.05')).toEqual({ units: -5n, scale: 2 });
    expect(toScaled('007.50')).toEqual({ units: 750n, scale: 2 });
    expect(toScaled('-0.00')).toEqual({ units: 0n, scale: 2 });
  });
});
