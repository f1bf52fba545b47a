import { DEFAULT_MINOR_UNIT_EXPONENT, MINOR_UNIT_EXPONENTS } from '@exhub/canonical';

// Checked before upper-casing: 'ß'.toUpperCase() is 'SS', so checking afterwards would accept
// non-ASCII input that only becomes three letters once upper-cased.
const CURRENCY_CODE = /^[A-Za-z]{3}$/;

/** Upper-cased ISO 4217 code, or undefined when `code` is not three ASCII letters. */
export function normalizeCurrency(code: unknown): string | undefined {
  return typeof code === 'string' && CURRENCY_CODE.test(code) ? code.toUpperCase() : undefined;
}

/**
 * Digits after the decimal point for an upper-case ISO 4217 code: JPY 0, KWD 3, EUR 2 — from the
 * one ISO 4217 table the hub keeps, in libs/canonical.
 */
export function minorUnitsOf(currency: string): number {
  return MINOR_UNIT_EXPONENTS[currency] ?? DEFAULT_MINOR_UNIT_EXPONENT;
}
