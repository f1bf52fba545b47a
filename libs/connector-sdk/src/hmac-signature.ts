import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError } from '@exhub/core';
import { MS_PER_SECOND } from '@exhub/core';

/**
 * Timestamped HMAC webhook signatures: a header `t=<unix seconds>,v1=<hex>[,v1=<hex>…]` where v1
 * is HMAC-SHA256 over `<t>.<raw body>` keyed with the shared secret. It is Stripe's construction;
 * Stripe's connector uses it with its own header name and messages, and the hub's generic scheme
 * (`X-Exhub-Signature`, below) uses it for sources with no scheme of their own. Several v1 entries
 * may be sent (one per secret during a rotation); any match under any configured secret is enough.
 */

const TIMESTAMP_KEY = 't';
const SIGNATURE_SCHEME = 'v1';
/** A legacy scheme (Stripe test mode still adds it); noticed for the message, never accepted. */
const LEGACY_SCHEME = 'v0';
const HMAC_ALGORITHM = 'sha256';
const SIGNED_PAYLOAD_SEPARATOR = '.';
const HEX = /^[0-9a-f]+$/i;
const DIGITS = /^\d+$/;

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

export interface HmacSignatureOptions {
  /** Shared secrets; a delivery signed with any of them is accepted. */
  secrets: readonly string[];
  /** The current time in ms since epoch (injected so the window is testable). */
  now: number;
  /** Largest accepted distance between `t` and now, either way. */
  toleranceSeconds?: number;
}

/** What a scheme says in its refusals: the header's name and a fix for each failed check. */
export interface SignatureScheme {
  header: string;
  /** The header's expected shape, quoted in "malformed" messages. */
  expectedFormat: string;
  defaultToleranceSeconds: number;
  /** Builds the scheme's AuthError (→ 401) carrying the reason. Never given a secret. */
  error(reason: HmacSignatureReason, message: string): AuthError;
  malformedAdvice: string;
  missing: string;
  noV1(sawLegacyScheme: boolean): string;
  mismatch(signatures: number, secrets: number): string;
  stale(ageSeconds: number, toleranceSeconds: number): string;
  future(aheadSeconds: number, toleranceSeconds: number): string;
}

function hmacHex(rawBody: Buffer, secret: string, timestampText: string): string {
  return hmacDigest(rawBody, secret, `${timestampText}${SIGNED_PAYLOAD_SEPARATOR}`, 'hex');
}

function hmacDigest(
  rawBody: Buffer,
  secret: string,
  prefix: string,
  encoding: 'hex' | 'base64',
): string {
  // Two updates hash the same bytes as one Buffer.concat, without copying the body.
  return createHmac(HMAC_ALGORITHM, secret).update(prefix).update(rawBody).digest(encoding);
}

/** The header value for `rawBody` at unix time `t` (tests, senders, simulators, benchmarks). */
export function signTimestampedHmac(rawBody: Buffer, secret: string, t: number): string {
  const timestampText = String(t);
  return `${TIMESTAMP_KEY}=${timestampText},${SIGNATURE_SCHEME}=${hmacHex(rawBody, secret, timestampText)}`;
}

interface ParsedHeader {
  /** `t` exactly as sent: it is part of the signed bytes. */
  timestampText: string;
  /** v1 signatures, lower-cased hex. */
  signatures: string[];
  sawLegacyScheme: boolean;
}

function parseHeader(header: string | string[] | undefined, scheme: SignatureScheme): ParsedHeader {
  const malformed = (detail: string) =>
    scheme.error(
      'malformed_signature',
      `the ${scheme.header} header is malformed: ${detail}; expected ${scheme.expectedFormat}${scheme.malformedAdvice}`,
    );
  if (Array.isArray(header)) {
    if (header.length > 1) throw malformed(`it was sent ${header.length} times instead of once`);
    header = header[0];
  }
  if (header === undefined || header.trim() === '') {
    throw scheme.error('missing_signature', scheme.missing);
  }
  let timestampText: string | undefined;
  const signatures: string[] = [];
  let sawLegacyScheme = false;
  // Values are echoed back only as positions and keys we know: the header is caller input.
  for (const [index, raw] of header.split(',').entries()) {
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
      if (!HEX.test(text)) {
        throw malformed(`its v1 signature (element ${index + 1}) is not hexadecimal`);
      }
      signatures.push(text.toLowerCase());
    } else if (key === LEGACY_SCHEME) {
      sawLegacyScheme = true;
    }
    // Other keys are ignored, so a new scheme sent alongside v1 does not break delivery.
  }
  if (timestampText === undefined) throw malformed('it has no t= timestamp');
  return { timestampText, signatures, sawLegacyScheme };
}

/**
 * Verifies a delivery on its raw bytes; throws the scheme's error naming the failed check. The
 * signature is checked before the timestamp, so stale/future is only reported for authentic
 * deliveries — that is when "fix the clock" or "send it again" is the right advice.
 */
export function verifyTimestampedHmac(
  rawBody: Buffer,
  header: string | string[] | undefined,
  options: HmacSignatureOptions,
  scheme: SignatureScheme,
): void {
  const toleranceSeconds = options.toleranceSeconds ?? scheme.defaultToleranceSeconds;
  const parsed = parseHeader(header, scheme);
  if (parsed.signatures.length === 0) {
    throw scheme.error('no_v1_signature', scheme.noV1(parsed.sawLegacyScheme));
  }
  checkSignatures(
    parsed.signatures,
    (secret) => hmacHex(rawBody, secret, parsed.timestampText),
    options,
    scheme,
  );
  checkWindow(Number(parsed.timestampText), options.now, toleranceSeconds, scheme);
}

/** Any received signature equal to the expected one under any secret, in constant time. */
function checkSignatures(
  signatures: readonly string[],
  expectedFor: (secret: string) => string,
  options: HmacSignatureOptions,
  scheme: SignatureScheme,
): void {
  const received = signatures.map((s) => Buffer.from(s, 'utf8'));
  const matches = options.secrets.some((secret) => {
    const expected = Buffer.from(expectedFor(secret), 'utf8');
    // timingSafeEqual throws a RangeError on unequal lengths; a wrong length is simply no match.
    return received.some((r) => r.length === expected.length && timingSafeEqual(r, expected));
  });
  if (!matches) {
    throw scheme.error(
      'signature_mismatch',
      scheme.mismatch(signatures.length, options.secrets.length),
    );
  }
}

function checkWindow(
  timestampSeconds: number,
  now: number,
  toleranceSeconds: number,
  scheme: SignatureScheme,
): void {
  const age = Math.floor(now / MS_PER_SECOND) - timestampSeconds;
  if (age > toleranceSeconds) {
    throw scheme.error('stale_timestamp', scheme.stale(age, toleranceSeconds));
  }
  if (-age > toleranceSeconds) {
    throw scheme.error('future_timestamp', scheme.future(-age, toleranceSeconds));
  }
}

// ── Schemes that send the timestamp in a header of its own ──────────────────────────────────

/**
 * The same check for sources that send the signature and its timestamp in two headers and sign
 * `<timestamp><separator><raw body>` (Zendesk: `X-Zendesk-Webhook-Signature` =
 * base64(HMAC-SHA256(timestamp + body)), timestamp in `X-Zendesk-Webhook-Signature-Timestamp`).
 * The timestamp is signed exactly as sent; it may be unix seconds or an ISO 8601 date-time.
 */
export interface SplitHeaderHmac {
  /** The timestamp header's name as documentation spells it. */
  timestampHeader: string;
  /** How the signature is encoded. */
  digest: 'hex' | 'base64';
  /** What sits between the timestamp and the body in the signed bytes ('' for Zendesk). */
  separator: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

function single(
  value: string | string[] | undefined,
  name: string,
  scheme: SignatureScheme,
): string | undefined {
  if (!Array.isArray(value)) return value;
  if (value.length > 1) {
    throw scheme.error(
      'malformed_signature',
      `the ${name} header is malformed: it was sent ${value.length} times instead of once; expected ${scheme.expectedFormat}${scheme.malformedAdvice}`,
    );
  }
  return value[0];
}

/** The header value for `rawBody` signed at `timestampText` (tests, senders, simulators). */
export function signSplitHeaderHmac(
  rawBody: Buffer,
  secret: string,
  timestampText: string,
  split: SplitHeaderHmac,
): string {
  return hmacDigest(rawBody, secret, `${timestampText}${split.separator}`, split.digest);
}

/** Verifies a two-header delivery on its raw bytes; throws the scheme's error naming the check. */
export function verifySplitHeaderHmac(
  rawBody: Buffer,
  signatureHeader: string | string[] | undefined,
  timestampHeader: string | string[] | undefined,
  options: HmacSignatureOptions,
  scheme: SignatureScheme,
  split: SplitHeaderHmac,
): void {
  const toleranceSeconds = options.toleranceSeconds ?? scheme.defaultToleranceSeconds;
  const signature = single(signatureHeader, scheme.header, scheme)?.trim();
  const timestampText = single(timestampHeader, split.timestampHeader, scheme)?.trim();
  if (!signature) throw scheme.error('missing_signature', scheme.missing);
  const malformed = (detail: string) =>
    scheme.error(
      'malformed_signature',
      `${detail}; expected ${scheme.expectedFormat}${scheme.malformedAdvice}`,
    );
  if (!timestampText) throw malformed(`the request has no ${split.timestampHeader} header`);
  const seconds = DIGITS.test(timestampText)
    ? Number(timestampText)
    : ISO_DATE_TIME.test(timestampText)
      ? Math.floor(Date.parse(timestampText) / MS_PER_SECOND)
      : NaN;
  if (!Number.isSafeInteger(seconds)) {
    throw malformed(
      `the ${split.timestampHeader} header is neither unix seconds nor an ISO 8601 date-time`,
    );
  }
  const shape = split.digest === 'hex' ? HEX : BASE64;
  if (!shape.test(signature)) {
    throw malformed(`the ${scheme.header} header is not ${split.digest}`);
  }
  checkSignatures(
    [split.digest === 'hex' ? signature.toLowerCase() : signature],
    (secret) => signSplitHeaderHmac(rawBody, secret, timestampText, split),
    options,
    scheme,
  );
  checkWindow(seconds, options.now, toleranceSeconds, scheme);
}

// ── The hub's generic scheme ────────────────────────────────────────────────────────────────

/** Header name as Node gives it (lower case). */
export const HMAC_SIGNATURE_HEADER = 'x-exhub-signature';
/** The header name as documentation and error messages spell it. */
export const HMAC_SIGNATURE_HEADER_DISPLAY = 'X-Exhub-Signature';
export const HMAC_DEFAULT_TOLERANCE_SECONDS = 300;
const EXPECTED_FORMAT = '"t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>"';

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

const EXHUB_SCHEME: SignatureScheme = {
  header: HMAC_SIGNATURE_HEADER_DISPLAY,
  expectedFormat: EXPECTED_FORMAT,
  defaultToleranceSeconds: HMAC_DEFAULT_TOLERANCE_SECONDS,
  error: (reason, message) => new HmacSignatureError(reason, message),
  malformedAdvice: '',
  missing:
    `the request has no ${HMAC_SIGNATURE_HEADER_DISPLAY} header — sign the body as ` +
    `${EXPECTED_FORMAT} with the connector's shared secret (see the connector README)`,
  noV1: () =>
    `the ${HMAC_SIGNATURE_HEADER_DISPLAY} header carries no v1 signature — add ` +
    'v1=<hex HMAC-SHA256 of "<t>.<raw body>"> keyed with the shared secret',
  mismatch: (signatures, secrets) =>
    `none of the ${signatures} v1 signature(s) matches the raw body under the ${secrets} ` +
    "configured secret(s) — check that the sender signs with this connector's secret, over the " +
    'exact bytes sent (no re-encoding or pretty-printing on the way)',
  stale: (age, tolerance) =>
    `the ${HMAC_SIGNATURE_HEADER_DISPLAY} timestamp is ${age} s old; tolerance is ${tolerance} s ` +
    "— sign each delivery when sending it and check the sender's clock",
  future: (ahead, tolerance) =>
    `the ${HMAC_SIGNATURE_HEADER_DISPLAY} timestamp is ${ahead} s in the future; tolerance is ` +
    `${tolerance} s — check the clocks of this host and of the sender (NTP)`,
};

/** The `X-Exhub-Signature` value for `rawBody` at unix time `t`. */
export const signHmacPayload = signTimestampedHmac;

/** Verifies an `X-Exhub-Signature` delivery; throws an `HmacSignatureError`. */
export function verifyHmacSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  options: HmacSignatureOptions,
): void {
  verifyTimestampedHmac(rawBody, header, options, EXHUB_SCHEME);
}
