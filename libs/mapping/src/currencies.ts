/**
 * ISO 4217 minor units (digits after the decimal point) for the currencies that do not use 2.
 * Source: the ISO 4217 list (SIX Group, amendment 178). Every other code has 2.
 * libs/canonical keeps its own table; the two are to be merged into one.
 */
// prettier-ignore
const MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

const DEFAULT_MINOR_UNITS = 2;
// Checked before upper-casing: 'ß'.toUpperCase() is 'SS', so checking afterwards would accept
// non-ASCII input that only becomes three letters once upper-cased.
const CURRENCY_CODE = /^[A-Za-z]{3}$/;

/** Upper-cased ISO 4217 code, or undefined when `code` is not three ASCII letters. */
export function normalizeCurrency(code: unknown): string | undefined {
  return typeof code === 'string' && CURRENCY_CODE.test(code) ? code.toUpperCase() : undefined;
}

/** Digits after the decimal point for an upper-case ISO 4217 code: JPY 0, KWD 3, EUR 2. */
export function minorUnitsOf(currency: string): number {
  return MINOR_UNITS[currency] ?? DEFAULT_MINOR_UNITS;
}
