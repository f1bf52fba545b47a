import { InvalidPayloadError } from '@exhub/core';
import { DEFAULT_MINOR_UNIT_EXPONENT, MINOR_UNIT_EXPONENTS } from './constants';
import { canonicalExceptionSchema } from './schema';

const CURRENCY_PATTERN = canonicalExceptionSchema.$defs.currencyCode.pattern;
// Checked before upper-casing, case-insensitively: 'ß'.toUpperCase() is 'SS', so checking after
// would let three-letter codes be made out of fewer, non-ASCII letters.
const CURRENCY_ANY_CASE = new RegExp(CURRENCY_PATTERN, 'i');
const INTEGER_REGEXP = /^-?\d+$/;
const DECIMAL_POINT = '.';
const MINUS = '-';

function invalid(rule: string, message: string): InvalidPayloadError {
  return new InvalidPayloadError('map', message, [{ pointer: '', rule, message }]);
}

/** Upper-cases an ISO 4217 code (Stripe sends `eur`) and checks it is three letters. */
export function normaliseCurrency(currency: string): string {
  if (typeof currency !== 'string' || !CURRENCY_ANY_CASE.test(currency)) {
    throw invalid(
      'pattern',
      `currency ${JSON.stringify(currency)} must match ${CURRENCY_PATTERN} once upper-cased (an ISO 4217 code such as "EUR")`,
    );
  }
  return currency.toUpperCase();
}

/** Number of minor-unit digits of an ISO 4217 currency: 0 for JPY, 3 for KWD, 2 for EUR. */
export function minorUnitExponent(currency: string): number {
  return MINOR_UNIT_EXPONENTS[normaliseCurrency(currency)] ?? DEFAULT_MINOR_UNIT_EXPONENT;
}

function toBigInt(minor: number | string | bigint): bigint {
  if (typeof minor === 'bigint') return minor;
  if (typeof minor === 'number' ? Number.isSafeInteger(minor) : INTEGER_REGEXP.test(minor)) {
    return BigInt(minor);
  }
  throw invalid(
    'integer',
    `minor units ${JSON.stringify(String(minor))} must be an integer: a safe integer number, or a string of digits or a bigint beyond 2^53`,
  );
}

/**
 * Converts an integer amount in minor units (Stripe's `amount: 1250, currency: 'eur'`) to the
 * canonical decimal string (`"12.50"`), by moving the decimal point in the digit string: no float
 * arithmetic, so amounts beyond 2^53 are exact when passed as a string or bigint. `exponent`
 * defaults to the ISO 4217 minor unit; pass it only for a processor that deviates from ISO.
 */
export function minorUnitsToDecimal(
  minor: number | string | bigint,
  currency: string,
  exponent: number = minorUnitExponent(currency),
): string {
  normaliseCurrency(currency);
  if (!Number.isSafeInteger(exponent) || exponent < 0) {
    throw invalid('minimum', `minor-unit exponent ${exponent} must be a non-negative integer`);
  }
  const units = toBigInt(minor);
  const sign = units < 0n ? MINUS : '';
  const digits = (units < 0n ? -units : units).toString().padStart(exponent + 1, '0');
  const split = digits.length - exponent;
  const fraction = exponent > 0 ? DECIMAL_POINT + digits.slice(split) : '';
  return sign + digits.slice(0, split) + fraction;
}
