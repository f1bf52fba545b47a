import { DecimalError, toMinorUnitPlaces } from './decimal';

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
