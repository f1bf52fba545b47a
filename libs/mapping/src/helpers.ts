import { minorUnitsOf, normalizeCurrency } from './currencies';
import { DecimalError, minorUnitsToDecimal, toDecimalString } from './decimal';
import { HelperError } from './errors';
import type { HelperFunction } from './basics';
import { MS_PER_MINUTE, MS_PER_SECOND } from '@exhub/core';

/**
 * The functions every mapping expression can call. Each one returns undefined for an absent
 * (undefined or null) input, so an optional source field simply leaves the canonical field out,
 * and throws a HelperError naming the argument when the input is present but unusable.
 */

/** The canonical money shape. */
export interface Money {
  value: string;
  currency: string;
}

const SAP_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const UTC_OFFSET = /^(?:(Z|z)|([+-])(\d{2}):?(\d{2})?)$/;

function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

function describe(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value)
    : `${JSON.stringify(value)} (${typeof value})`;
}

/** Runs a decimal conversion, turning its error into a HelperError on argument `argIndex`. */
function decimalArg<T>(helper: string, argIndex: number, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    if (err instanceof DecimalError) throw new HelperError(helper, err.message, argIndex);
    throw err;
  }
}

function currencyArg(helper: string, argIndex: number, currency: unknown): string {
  if (isAbsent(currency)) {
    throw new HelperError(
      helper,
      'the currency is missing although the amount is present',
      argIndex,
    );
  }
  const code = normalizeCurrency(currency);
  if (!code) {
    throw new HelperError(
      helper,
      `currency ${describe(currency)} is not a 3-letter ISO 4217 code`,
      argIndex,
    );
  }
  return code;
}

/** ISO 8601 UTC with `Z`; milliseconds only when there are some (`2026-03-14T09:30:00Z`). */
function isoUtc(epochMs: number, helper: string, argIndex: number, input: unknown): string {
  if (
    Number.isInteger(epochMs) &&
    epochMs >= FIRST_MS_OF_YEAR_0 &&
    epochMs <= LAST_MS_OF_YEAR_9999
  ) {
    return formatIsoUtc(epochMs);
  }
  const date = new Date(epochMs);
  if (!Number.isFinite(epochMs) || Number.isNaN(date.getTime())) {
    throw new HelperError(helper, `${describe(input)} is outside the range of dates`, argIndex);
  }
  return date.toISOString().replace('.000Z', 'Z');
}

const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years toISOString writes with four digits. */
const FIRST_MS_OF_YEAR_0 = -62_167_219_200_000;
const LAST_MS_OF_YEAR_9999 = 253_402_300_799_999;

/**
 * What `new Date(ms).toISOString()` writes, without `.000` for whole seconds, by integer
 * arithmetic (the civil date of a day number, H. Hinnant's days_from_civil inverted): building a
 * Date and its string was a fifth of the time of a mapping with a few dates.
 */
function formatIsoUtc(epochMs: number): string {
  const days = Math.floor(epochMs / MS_PER_DAY);
  let rest = epochMs - days * MS_PER_DAY;
  const hour = Math.floor(rest / MS_PER_HOUR);
  rest -= hour * MS_PER_HOUR;
  const minute = Math.floor(rest / MS_PER_MINUTE);
  rest -= minute * MS_PER_MINUTE;
  const second = Math.floor(rest / MS_PER_SECOND);
  const milli = rest - second * MS_PER_SECOND;
  const text = `${civilDate(days)}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}`;
  return milli === 0 ? `${text}Z` : `${text}.${String(milli).padStart(3, '0')}Z`;
}

/** `00` to `99`: a number's two digits without converting it each time. */
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, n) =>
  n < 10 ? `0${n}` : String(n),
);

/**
 * The last day number civilDate wrote, and what it wrote: the dates of one payload are mostly
 * the same day (a statement's entries, an event's timestamps).
 */
let lastDays = Number.NaN;
let lastDate = '';

/** `YYYY-MM-DD` of a day number since 1970-01-01 (H. Hinnant's civil_from_days). */
function civilDate(days: number): string {
  if (days === lastDays) return lastDate;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const date = `${String(year).padStart(4, '0')}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
  lastDays = days;
  lastDate = date;
  return date;
}

/**
 * Whether the parts name a real date-time that `new Date(Date.UTC(…))` would read back unchanged
 * (Date.UTC rolls an out-of-range part over into the next, and takes years 0-99 as 1900-1999).
 */
function isCivilDateTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): boolean {
  return (
    year >= 100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

/** Days in `month` (1-12) of `year`, proleptic Gregorian. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `$money(2200, 'usd')` → `{value: "22.00", currency: "USD"}`: minor units to a decimal string. */
export function money(minor: unknown, currency: unknown): Money | undefined {
  if (isAbsent(minor)) return undefined;
  const code = currencyArg('money', 1, currency);
  const value = decimalArg('money', 0, () => minorUnitsToDecimal(minor, minorUnitsOf(code)));
  return { value, currency: code };
}

/** `$decimal(12.5)` → `"12.5"`, `$decimal("0012.50")` → `"12.50"`: an exact decimal string. */
export function decimal(value: unknown): string | undefined {
  if (isAbsent(value)) return undefined;
  return decimalArg('decimal', 0, () => toDecimalString(value));
}

/** `$epochToIso(1780531199)` → `"2026-06-03T23:59:59Z"`: Unix seconds to ISO 8601 UTC. */
export function epochToIso(seconds: unknown): string | undefined {
  if (isAbsent(seconds)) return undefined;
  const numeric = typeof seconds === 'string' && seconds.trim() !== '' ? Number(seconds) : seconds;
  if (typeof numeric !== 'number' || !Number.isFinite(numeric)) {
    throw new HelperError(
      'epochToIso',
      `${describe(seconds)} is not a number of seconds since 1970`,
      0,
    );
  }
  return isoUtc(Math.round(numeric * MS_PER_SECOND), 'epochToIso', 0, seconds);
}

/** `$sapDate('/Date(1492041600000)/')` → `"2017-04-13T00:00:00Z"`: an OData v2 date to ISO UTC. */
export function sapDate(value: unknown): string | undefined {
  if (isAbsent(value)) return undefined;
  // OData v2 writes UTC milliseconds; a `+0200` suffix (DateTimeOffset) only records the zone.
  const parts = typeof value === 'string' ? SAP_DATE.exec(value.trim()) : null;
  if (!parts) {
    throw new HelperError(
      'sapDate',
      `${describe(value)} is not an OData date like "/Date(1492041600000)/"`,
      0,
    );
  }
  return isoUtc(Number(parts[1]), 'sapDate', 0, value);
}

/** `$odataResults(body)` → `body.d.results`, or `[body.d]` for a single entity (`body.value` for OData v4). */
export function odataResults(body: unknown): unknown[] | undefined {
  if (isAbsent(body) || typeof body !== 'object') return undefined;
  const record = body as { d?: unknown; value?: unknown };
  if (record.d && typeof record.d === 'object') {
    const results = (record.d as { results?: unknown }).results;
    return Array.isArray(results) ? results : [record.d];
  }
  return Array.isArray(record.value) ? record.value : undefined;
}

function parseOffsetMinutes(offset: string, argIndex: number, input: unknown): number {
  const parts = UTC_OFFSET.exec(offset);
  const minutes = parts && !parts[1] ? Number(parts[3]) * 60 + Number(parts[4] ?? '0') : 0;
  if (!parts || minutes > 18 * 60) {
    throw new HelperError(
      'toUtc',
      `${describe(input)} is not a UTC offset like "+02:00" or "Z"`,
      argIndex,
    );
  }
  return parts[2] === '-' ? -minutes : minutes;
}

/**
 * `$toUtc('2026-03-14T10:30:00+01:00')` → `"2026-03-14T09:30:00Z"`. A value without an offset
 * needs the source's offset as second argument: `$toUtc(created, '+01:00')`.
 */
export function toUtc(value: unknown, defaultOffset?: unknown): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value === 'string') {
    const quick = toUtcDigits(value.trim(), value, defaultOffset);
    if (quick !== undefined) return quick;
  }
  const parts = typeof value === 'string' ? ISO_DATE_TIME.exec(value.trim()) : null;
  if (!parts) {
    throw new HelperError('toUtc', `${describe(value)} is not an ISO 8601 date-time`, 0);
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = parts;
  let offsetMinutes: number;
  if (offset) {
    offsetMinutes = parseOffsetMinutes(offset, 0, value);
  } else if (typeof defaultOffset === 'string') {
    offsetMinutes = parseOffsetMinutes(defaultOffset, 1, defaultOffset);
  } else {
    throw new HelperError(
      'toUtc',
      `${describe(value)} has no UTC offset; pass the source's offset, e.g. $toUtc(value, '+01:00') or $toUtc(value, 'Z')`,
      0,
    );
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (!isCivilDateTime(year, month, day, hour, minute, second))
    throw new HelperError('toUtc', `${describe(value)} is not a valid date-time`, 0);
  return isoUtc(local - offsetMinutes * MS_PER_MINUTE, 'toUtc', 0, value);
}

/** The character code at `i` of `s`, or -1 past its end (no read out of bounds, which deoptimizes). */
function codeAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : -1;
}

/** The value of the ASCII digit at `i` of `s`, or -1 (past the end too). */
function digitAt(s: string, i: number): number {
  if (i >= s.length) return -1;
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** The two-digit number at `i` of `s`, or -1. */
function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * `$toUtc` of a string ISO_DATE_TIME matches and whose parts are in range, read digit by digit
 * (ISO_DATE_TIME's grammar leaves no choice to backtrack into, so a left-to-right reading takes
 * the same parts): the regex, seven `Number` conversions and `Date.UTC` were most of the helper's
 * time. Undefined for anything else (no match, no offset, a part out of range, an offset other
 * than `Z`), which toUtc's general code then answers, or refuses with its own error.
 */
function toUtcDigits(s: string, input: unknown, defaultOffset: unknown): string | undefined {
  const length = s.length;
  if (length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y1 = twoDigits(s, 0);
  const y2 = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  if (y1 < 0 || y2 < 0 || month < 0 || day < 0) return undefined;
  const year = y1 * 100 + y2;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let at = 10;
  const separator = codeAt(s, at);
  // [Tt ]HH:MM
  if (separator === 84 || separator === 116 || separator === 32) {
    hour = twoDigits(s, at + 1);
    minute = twoDigits(s, at + 4);
    if (hour < 0 || minute < 0 || codeAt(s, at + 3) !== 58) return undefined;
    at += 6;
    // :SS, then [.,] and at least one digit (the first three count)
    if (codeAt(s, at) === 58) {
      second = twoDigits(s, at + 1);
      if (second < 0) return undefined;
      at += 3;
      const mark = codeAt(s, at);
      if (mark === 46 || mark === 44) {
        at++;
        const first = at;
        for (let d = digitAt(s, at); d >= 0; d = digitAt(s, ++at)) {
          if (at - first < 3) ms += d * (at === first ? 100 : at === first + 1 ? 10 : 1);
        }
        if (at === first) return undefined;
      }
    }
  }
  // The offset: `Z`, `±HH`, `±HHMM` or `±HH:MM` here, else `Z` by default; any other default is
  // the general code's to parse and check.
  let offsetMinutes = 0;
  const sign = codeAt(s, at);
  if (at === length) {
    if (defaultOffset !== 'Z' && defaultOffset !== 'z') return undefined;
  } else if (sign === 90 || sign === 122) {
    if (at !== length - 1) return undefined;
  } else if (sign === 43 || sign === 45) {
    const hours = twoDigits(s, at + 1);
    if (hours < 0) return undefined;
    at += 3;
    let minutes = 0;
    if (at < length) {
      if (codeAt(s, at) === 58) at++;
      minutes = twoDigits(s, at);
      if (minutes < 0) return undefined;
      at += 2;
    }
    if (at !== length) return undefined;
    offsetMinutes = hours * 60 + minutes;
    if (offsetMinutes > 18 * 60) return undefined;
    if (sign === 45) offsetMinutes = -offsetMinutes;
  } else {
    return undefined;
  }
  if (!isCivilDateTime(year, month, day, hour, minute, second)) return undefined;
  const epochMs =
    daysFromCivil(year, month, day) * MS_PER_DAY +
    hour * MS_PER_HOUR +
    minute * MS_PER_MINUTE +
    second * MS_PER_SECOND +
    ms;
  return isoUtc(epochMs - offsetMinutes * MS_PER_MINUTE, 'toUtc', 0, input);
}

/** Days from 1970-01-01 to a valid proleptic Gregorian date (H. Hinnant's days_from_civil): `Date.UTC` without the Date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * `$ccyAmount(InstdAmt)` → money from an ISO 20022 amount element, as XML parsers render it:
 * `{"#text": "12.50", "@_Ccy": "EUR"}` (fast-xml-parser), `{"_": "12.50", "$": {"Ccy": "EUR"}}`
 * (xml2js) or `{"_": "12.50", "Ccy": "EUR"}`.
 */
export function ccyAmount(node: unknown): Money | undefined {
  if (isAbsent(node)) return undefined;
  if (typeof node !== 'object' || Array.isArray(node)) {
    throw new HelperError(
      'ccyAmount',
      `${describe(node)} is not an amount element with a Ccy attribute`,
      0,
    );
  }
  const element = node as Record<string, unknown>;
  const attributes = (element['$'] ?? {}) as Record<string, unknown>;
  const text = element['#text'] ?? element['_'];
  const currency = element['@_Ccy'] ?? element['Ccy'] ?? attributes['Ccy'];
  if (isAbsent(text)) throw new HelperError('ccyAmount', 'the amount element has no value', 0);
  if (isAbsent(currency))
    throw new HelperError('ccyAmount', 'the amount element has no Ccy attribute', 0);
  const code = normalizeCurrency(currency);
  if (!code) {
    throw new HelperError(
      'ccyAmount',
      `Ccy ${describe(currency)} is not a 3-letter ISO 4217 code`,
      0,
    );
  }
  return { value: decimalArg('ccyAmount', 0, () => toDecimalString(text)), currency: code };
}

/**
 * `$numberRepeats(['a', 'b', 'a'])` → `['a', 'b', 'a#2']`: keys made unique by numbering each
 * repeat in order, so two identical records of one document (same reference, account, date and
 * amount) stay two exceptions, with ids that do not change when the document is read again.
 */
export function numberRepeats(keys: unknown): string[] | undefined {
  if (isAbsent(keys)) return undefined;
  const list = Array.isArray(keys) ? keys : [keys];
  const seen = new Map<string, number>();
  return list.map((k) => {
    const key = String(k);
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? key : `${key}#${n}`;
  });
}

/** The built-in helpers, registered on every compiled expression (all of them pure: see HelperFunction). */
export const HELPERS: readonly HelperFunction[] = [
  {
    name: 'money',
    doc: "$money(2200, 'usd') → {value: '22.00', currency: 'USD'}",
    implementation: money,
    pure: true,
  },
  {
    name: 'decimal',
    doc: "$decimal(12.5) → '12.5': an exact decimal string",
    implementation: decimal,
    pure: true,
  },
  {
    name: 'epochToIso',
    doc: "$epochToIso(1780531199) → '2026-06-03T23:59:59Z'",
    implementation: epochToIso,
    pure: true,
  },
  {
    name: 'sapDate',
    doc: "$sapDate('/Date(1492041600000)/') → '2017-04-13T00:00:00Z'",
    implementation: sapDate,
    pure: true,
  },
  {
    name: 'odataResults',
    doc: '$odataResults(body) → body.d.results, or [body.d]',
    implementation: odataResults,
    pure: true,
  },
  {
    name: 'toUtc',
    doc: "$toUtc('2026-03-14T10:30:00+01:00') → '2026-03-14T09:30:00Z'",
    implementation: toUtc,
    pure: true,
  },
  {
    name: 'numberRepeats',
    doc: "$numberRepeats(['a', 'b', 'a']) → ['a', 'b', 'a#2']",
    implementation: numberRepeats,
    pure: true,
  },
  {
    name: 'ccyAmount',
    doc: "$ccyAmount({'#text': '12.50', '@_Ccy': 'EUR'}) → {value: '12.50', currency: 'EUR'}",
    implementation: ccyAmount,
    pure: true,
  },
];
