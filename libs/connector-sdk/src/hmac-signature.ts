import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors';

/**
 * The hub's generic webhook signature, for sources that have no scheme of their own (or sit behind
 * a relay that signs for them): header `X-Exhub-Signature: t=<unix seconds>,v1=<hex>`, where v1 is
 * HMAC-SHA256 over `<t>.<raw body>` keyed with the shared secret — Stripe's construction, so any
 * tool that can sign Stripe test events can sign these. Several v1 entries may be sent (one per
 * secret during a rotation); any match is enough.
 */

/** Header name as Node gives it (lower case). */
export const HMAC_SIGNATURE_HEADER = 'x-exhub-signature';
/** The header name as documentation and error messages spell it. */
export const HMAC_SIGNATURE_HEADER_DISPLAY = 'X-Exhub-Signature';
export const HMAC_DEFAULT_TOLERANCE_SECONDS = 300;
const TIMESTAMP_KEY = 't';
const SIGNATURE_SCHEME = 'v1';
const HMAC_ALGORITHM = 'sha256';
const SIGNED_PAYLOAD_SEPARATOR = '.';
const MS_PER_SECOND = 1000;
const HEX = /^[0-9a-f]+$/i;
const DIGITS = /^\d+$/;
const EXPECTED_FORMAT = '"t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>"';

/** Why a delivery was refused; stable, machine-readable (metrics label `reason`, logs, tests). */
export const HMAC_SIGNATURE_REASONS = [
  'missing_signature',
  'malformed_signature',
  'no_v1_signature',
  'stale_timestamp',
  'future_timestamp',
  'signature_mismatch',
] as const;
export type HmacSignatureReason = (typeof HMAC_SIGNATURE_REASONS)[number];

/** An `AuthError` (→ 401) that also says which check failed. Never carries a secret. */
export class HmacSignatureError extends AuthError {
  constructor(
    readonly reason: HmacSignatureReason,
    message: string,
  ) {
    super('ingress', message);
    this.name = 'HmacSignatureError';
  }
}

export interface HmacSignatureOptions {
  /** Shared secrets; a delivery signed with any of them is accepted. */
  secrets: readonly string[];
  /** The current time in ms since epoch (injected so the window is testable). */
  now: number;
  /** Largest accepted distance between `t` and now, either way. */
  toleranceSeconds?: number;
}

function hmacHex(rawBody: Buffer, secret: string, timestampText: string): string {
  return createHmac(HMAC_ALGORITHM, secret)
    .update(`${timestampText}${SIGNED_PAYLOAD_SEPARATOR}`)
    .update(rawBody)
    .digest('hex');
}

/** The `X-Exhub-Signature` value for `rawBody` at unix time `t` (tests, senders, simulators). */
export function signHmacPayload(rawBody: Buffer, secret: string, t: number): string {
  const timestampText = String(t);
  return `${TIMESTAMP_KEY}=${timestampText},${SIGNATURE_SCHEME}=${hmacHex(rawBody, secret, timestampText)}`;
}

function malformed(detail: string): HmacSignatureError {
  return new HmacSignatureError(
    'malformed_signature',
    `the ${HMAC_SIGNATURE_HEADER_DISPLAY} header is malformed: ${detail}; expected ${EXPECTED_FORMAT}`,
  );
}

function singleHeader(header: string | string[] | undefined): string {
  if (Array.isArray(header)) {
    if (header.length > 1) throw malformed(`it was sent ${header.length} times instead of once`);
    header = header[0];
  }
  if (header === undefined || header.trim() === '') {
    throw new HmacSignatureError(
      'missing_signature',
      `the request has no ${HMAC_SIGNATURE_HEADER_DISPLAY} header — sign the body as ` +
        `${EXPECTED_FORMAT} with the connector's shared secret (see the connector README)`,
    );
  }
  return header;
}

function parseHeader(value: string): { timestampText: string; signatures: string[] } {
  let timestampText: string | undefined;
  const signatures: string[] = [];
  for (const [index, raw] of value.split(',').entries()) {
    const element = raw.trim();
    if (element === '') continue;
    const eq = element.indexOf('=');
    if (eq <= 0) throw malformed(`element ${index + 1} is not a key=value pair`);
    const key = element.slice(0, eq);
    const text = element.slice(eq + 1);
    if (key === TIMESTAMP_KEY) {
      if (timestampText !== undefined) throw malformed('it has more than one t= timestamp');
      if (!DIGITS.test(text) || !Number.isSafeInteger(Number(text))) {
        throw malformed('its t= value is not a unix time in whole seconds');
      }
      timestampText = text;
    } else if (key === SIGNATURE_SCHEME) {
      if (!HEX.test(text)) throw malformed(`its v1 signature (element ${index + 1}) is not hex`);
      signatures.push(text.toLowerCase());
    }
    // Other keys are ignored so a future scheme can be sent alongside v1.
  }
  if (timestampText === undefined) throw malformed('it has no t= timestamp');
  return { timestampText, signatures };
}

/**
 * Verifies a delivery on its raw bytes; throws an `HmacSignatureError` naming the failed check.
 * The signature is checked before the timestamp, so stale/future is only reported for authentic
 * deliveries (when "fix the clock" or "send it again" is the right advice).
 */
export function verifyHmacSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  options: HmacSignatureOptions,
): void {
  const toleranceSeconds = options.toleranceSeconds ?? HMAC_DEFAULT_TOLERANCE_SECONDS;
  const parsed = parseHeader(singleHeader(header));
  if (parsed.signatures.length === 0) {
    throw new HmacSignatureError(
      'no_v1_signature',
      `the ${HMAC_SIGNATURE_HEADER_DISPLAY} header carries no v1 signature — add ` +
        'v1=<hex HMAC-SHA256 of "<t>.<raw body>"> keyed with the shared secret',
    );
  }
  const received = parsed.signatures.map((s) => Buffer.from(s, 'utf8'));
  const matches = options.secrets.some((secret) => {
    const expected = Buffer.from(hmacHex(rawBody, secret, parsed.timestampText), 'utf8');
    return received.some((r) => r.length === expected.length && timingSafeEqual(r, expected));
  });
  if (!matches) {
    throw new HmacSignatureError(
      'signature_mismatch',
      `none of the ${parsed.signatures.length} v1 signature(s) matches the raw body under the ` +
        `${options.secrets.length} configured secret(s) — check that the sender signs with this ` +
        "connector's secret, over the exact bytes sent (no re-encoding or pretty-printing on the way)",
    );
  }
  const age = Math.floor(options.now / MS_PER_SECOND) - Number(parsed.timestampText);
  if (age > toleranceSeconds) {
    throw new HmacSignatureError(
      'stale_timestamp',
      `the ${HMAC_SIGNATURE_HEADER_DISPLAY} timestamp is ${age} s old; tolerance is ` +
        `${toleranceSeconds} s — sign each delivery when sending it and check the sender's clock`,
    );
  }
  if (-age > toleranceSeconds) {
    throw new HmacSignatureError(
      'future_timestamp',
      `the ${HMAC_SIGNATURE_HEADER_DISPLAY} timestamp is ${-age} s in the future; tolerance is ` +
        `${toleranceSeconds} s — check the clocks of this host and of the sender (NTP)`,
    );
  }
}
