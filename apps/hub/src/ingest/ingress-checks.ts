/**
 * Checks on a webhook's bytes and on the ids a connector parsed from them, made before anything
 * is published. Each throws an ApiError (HTTP ingress) or an InvalidPayloadError (any channel)
 * that names what is wrong and where.
 */
import { isUtf8 } from 'node:buffer';
import { InvalidPayloadError, type Issue } from '@exhub/core';
import type { ParsedWebhook } from '@exhub/connector-sdk';
import { apiError } from '../http/api-error';

const BAD_REQUEST = 400;
const UNSUPPORTED_MEDIA_TYPE = 415;

/**
 * Longest id or type a connector may take from a payload into the SourceEvent headers. Real ids
 * are far shorter (Stripe ~30 chars, ISO 20022 MsgId 35, UUIDs 36); amqplib refuses a header
 * table over 64 KB, so an unbounded id turned a signed request into a 500.
 */
export const MAX_SOURCE_ID_LENGTH = 256;

/** Charsets that are UTF-8 on the wire (ASCII is a subset): the only ones the parsers read. */
const UTF8_CHARSETS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii']);
const CHARSET_PARAM = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;
/** C0 controls and DEL: never part of an id, and PostgreSQL text cannot hold NUL. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Refuses a `charset` other than UTF-8 with 415: every connector parses its body as UTF-8, so a
 * UTF-16 body would be read as garbage rather than refused.
 */
export function checkCharset(contentType: string): void {
  const charset = CHARSET_PARAM.exec(contentType)?.[1]?.toLowerCase();
  if (charset === undefined || UTF8_CHARSETS.has(charset)) return;
  throw apiError(
    UNSUPPORTED_MEDIA_TYPE,
    'unsupported_charset',
    `charset "${charset}" is not supported: send the body as UTF-8 (charset=utf-8 or no charset)`,
    [{ pointer: '/headers/content-type', rule: 'charset', message: `charset must be utf-8` }],
  );
}

/**
 * Refuses a body that is not valid UTF-8 with 400 naming the byte offset of the first bad
 * sequence. Decoding would replace it with U+FFFD, so two different ids could read the same.
 */
export function checkUtf8(body: Buffer): void {
  const problem = utf8Problem(body);
  if (!problem) return;
  throw apiError(BAD_REQUEST, 'invalid_utf8', problem, [
    { pointer: '', rule: 'utf-8', message: problem },
  ]);
}

/** checkUtf8 for bodies that come without HTTP (a drop-folder file): an InvalidPayloadError. */
export function checkUtf8Payload(body: Buffer): void {
  const problem = utf8Problem(body);
  if (problem) {
    throw new InvalidPayloadError('ingress', problem, [
      { pointer: '', rule: 'utf-8', message: problem },
    ]);
  }
}

function utf8Problem(body: Buffer): string | undefined {
  if (isUtf8(body)) return undefined;
  const offset = firstInvalidUtf8(body);
  return `the body is not valid UTF-8: invalid byte sequence at byte offset ${offset} (0x${body[offset].toString(16).padStart(2, '0')}); send UTF-8`;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let length: number;
    let min = 0x80;
    let max = 0xbf; // allowed range of the second byte
    if (b < 0x80) length = 1;
    else if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) min = 0xa0; // overlong
      if (b === 0xed) max = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) min = 0x90; // overlong
      if (b === 0xf4) max = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += length;
  }
  return bytes.length;
}

/**
 * Refuses ids and types that would not fit the SourceEvent headers: longer than
 * MAX_SOURCE_ID_LENGTH, or holding control characters. Names the field; quotes only its start.
 */
export function checkParsedIds(connectorId: string, parsed: ParsedWebhook): void {
  const issues: Issue[] = [];
  const fields: [string, string | undefined][] = [
    ['sourceEventId', parsed.sourceEventId],
    ['correlationId', parsed.correlationId],
    ['objectType', parsed.objectType],
  ];
  for (const [field, value] of fields) {
    if (value === undefined) continue;
    if (value.length > MAX_SOURCE_ID_LENGTH) {
      // Quoted only when refused: every accepted webhook passes here.
      const start = JSON.stringify(value.slice(0, 40));
      issues.push({
        pointer: `/${field}`,
        rule: 'maxLength',
        message: `the event's ${field} is ${value.length} characters long (${start}…); at most ${MAX_SOURCE_ID_LENGTH} are accepted`,
      });
    } else if (CONTROL_CHARACTER.test(value)) {
      issues.push({
        pointer: `/${field}`,
        rule: 'pattern',
        message: `the event's ${field} ${JSON.stringify(value)} holds a control character (e.g. NUL); ids must be printable`,
      });
    }
  }
  if (issues.length === 0) return;
  throw new InvalidPayloadError(
    'ingress',
    `connector ${connectorId}: ${issues.map((i) => i.message).join('; ')}`,
    issues,
  );
}
