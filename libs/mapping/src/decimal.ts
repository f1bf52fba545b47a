/**
 * Exact decimal strings. Money never goes through a binary float here: integers are moved through
 * BigInt and decimal points are moved in the digit string.
 */

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
// Bounds the zeros an exponent can ask for ("1e999999999"), which would otherwise allocate a huge string.
const MAX_EXPONENT = 400;

/** Why a value is not an exact integer or decimal; the caller adds which argument it was. */
export class DecimalError extends Error {
  override name = 'DecimalError';
}

/** An integer as a BigInt: a safe-integer number, a string of digits, or a bigint. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return BigInt(value);
    if (Number.isInteger(value)) {
      throw new DecimalError(
        `${value} is beyond 2^53 and may already have lost digits; have the source send it as a string`,
      );
    }
    throw new DecimalError(`${value} is not an integer number of minor units`);
  }
  if (typeof value === 'string' && INTEGER.test(value.trim())) return BigInt(value.trim());
  throw new DecimalError(`${JSON.stringify(value)} is not an integer number of minor units`);
}

/** `12345` minor units with 2 digits → `"123.45"`; `-5` → `"-0.05"`; 0 digits → `"12345"`. */
export function minorUnitsToDecimal(minor: unknown, digits: number): string {
  const units = toBigInt(minor);
  const negative = units < 0n;
  const text = (negative ? -units : units).toString().padStart(digits + 1, '0');
  const split = text.length - digits;
  const fraction = digits > 0 ? `.${text.slice(split)}` : '';
  return `${negative ? '-' : ''}${text.slice(0, split)}${fraction}`;
}

/**
 * A decimal string from a number or a numeric string, keeping the digits exactly as written
 * (`"12.50"` stays `"12.50"`) and expanding exponents (`1e-7` → `"0.0000001"`). A number is taken
 * at its shortest round-trip form, which is what JSON.parse read from the source text.
 */
export function toDecimalString(value: unknown): string {
  // Already as written below (`"12480.00"`, what XML amounts and the money helpers carry): as is.
  if (typeof value === 'string' && isPlainDecimal(value)) return value;
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DecimalError(`${value} is not a finite number`);
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else if (typeof value === 'bigint') {
    text = value.toString();
  } else {
    throw new DecimalError(`${JSON.stringify(value)} is not a number or a numeric string`);
  }
  const parts = DECIMAL.exec(text);
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = parts ?? [];
  if (!parts || (whole === '' && fraction === '')) {
    throw new DecimalError(`${JSON.stringify(value)} is not a decimal number`);
  }
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) {
    throw new DecimalError(`${JSON.stringify(value)} has an exponent beyond ±${MAX_EXPONENT}`);
  }
  const [shiftedInt, fracDigits] = shiftPoint(whole, fraction, exponent);
  const intDigits = shiftedInt.replace(/^0+(?=\d)/, '') || '0';
  const isZero = /^0*$/.test(intDigits + fracDigits);
  const minus = sign === '-' && !isZero ? '-' : '';
  return fracDigits ? `${minus}${intDigits}.${fracDigits}` : `${minus}${intDigits}`;
}

/** Moves the decimal point of `whole.fraction` right by `exponent` places (left when negative). */
function shiftPoint(whole: string, fraction: string, exponent: number): [string, string] {
  if (exponent === 0) return [whole, fraction];
  const digits = whole + fraction;
  const point = whole.length + exponent;
  if (point <= 0) return ['0', '0'.repeat(-point) + digits];
  if (point >= digits.length) return [digits + '0'.repeat(point - digits.length), ''];
  return [digits.slice(0, point), digits.slice(point)];
}

/** An exact decimal as a scaled integer: `units / 10^scale` ("12.50" → 1250n, 2). */
export interface ScaledDecimal {
  units: bigint;
  scale: number;
}

/** Parses a number or decimal string exactly (via toDecimalString, so exponents are expanded). */
export function toScaled(value: unknown): ScaledDecimal {
  const text = toDecimalString(value);
  const [whole, fraction = ''] = text.split('.');
  return { units: BigInt(`${whole}${fraction}`), scale: fraction.length };
}

/**
 * `a × b` rounded to `digits` decimal places, half to even (banker's rounding, so a column of
 * converted amounts does not drift up), as a decimal string with exactly `digits` places.
 */
export function multiplyDecimals(a: ScaledDecimal, b: ScaledDecimal, digits: number): string {
  const product = a.units * b.units;
  const scale = a.scale + b.scale;
  let units: bigint;
  if (scale <= digits) {
    units = product * 10n ** BigInt(digits - scale);
  } else {
    const divisor = 10n ** BigInt(scale - digits);
    const negative = product < 0n;
    const magnitude = negative ? -product : product;
    let quotient = magnitude / divisor;
    const twice = (magnitude % divisor) * 2n;
    if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) quotient += 1n;
    units = negative ? -quotient : quotient;
  }
  return minorUnitsToDecimal(units, digits);
}

/**
 * A decimal string with exactly `digits` places, the currency's ISO 4217 minor units:
 * `"2300.000"` CHF → `"2300.00"`, `"0.00000"` EUR → `"0.00"`, `"12"` JPY → `"12"`, `"5.5"` EUR →
 * `"5.50"`. Only zeros are dropped: a non-zero digit beyond the minor units is refused, never
 * rounded (money that does not fit its currency is a source problem someone must see).
 */
export function toMinorUnitPlaces(value: unknown, digits: number): string {
  // Already as written below (what the money helpers build): a scan, not a parse. `-0.05` and
  // `0.00` are written as they are; `-0.00`, `007.50` or another number of places are not.
  if (typeof value === 'string' && isPlainDecimal(value) && placesOf(value) === digits) {
    return value;
  }
  const text = toDecimalString(value);
  const [whole, fraction = ''] = text.split('.');
  const kept = fraction.slice(0, digits);
  const dropped = fraction.slice(digits);
  if (/[1-9]/.test(dropped)) {
    throw new DecimalError(
      `${JSON.stringify(value)} has ${fraction.length} decimal places with a non-zero digit beyond the ${digits} this currency's minor unit allows`,
    );
  }
  const places = kept.padEnd(digits, '0');
  const zero = /^-?0*$/.test(whole) && /^0*$/.test(places);
  const sign = whole.startsWith('-') && !zero ? '-' : '';
  const magnitude = whole.replace(/^-/, '');
  return `${sign}${magnitude}${digits > 0 ? `.${places}` : ''}`;
}

const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Digits after the point of a plain decimal (`"12.50"` → 2, `"12"` → 0). */
function placesOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * True when `text` already reads as toDecimalString writes it: an optional minus, digits without
 * leading zeros (a single 0), then a point and at least one digit or nothing, and no minus on a
 * zero. Anything else (spaces, `+`, exponents, `5.`, `.5`, `007`, `-0`) takes the full path.
 */
function isPlainDecimal(text: string): boolean {
  const length = text.length;
  const negative = text.charCodeAt(0) === MINUS;
  let i = negative ? 1 : 0;
  const first = text.charCodeAt(i);
  let nonZero = false;
  if (first === ZERO) i++;
  else if (first > ZERO && first <= NINE) {
    nonZero = true;
    for (i++; i < length && isDigit(text.charCodeAt(i)); i++);
  } else return false;
  if (i < length) {
    if (text.charCodeAt(i) !== DOT || i === length - 1) return false;
    for (i++; i < length; i++) {
      const c = text.charCodeAt(i);
      if (!isDigit(c)) return false;
      if (c !== ZERO) nonZero = true;
    }
  }
  return !negative || nonZero;
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}
