import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError } from '../../libs/connector-sdk/src/errors';
import {
  MS_PER_SECOND,
  STRIPE_DEFAULT_TOLERANCE_SECONDS,
  STRIPE_HMAC_ALGORITHM,
  STRIPE_LEGACY_SCHEME,
  STRIPE_SIGNATURE_SCHEME,
  STRIPE_SIGNED_PAYLOAD_SEPARATOR,
  STRIPE_TIMESTAMP_KEY,
} from './stripe.constants';

/** Why a delivery was refused; stable, machine-readable (metrics labels, logs, tests). */
export const STRIPE_SIGNATURE_REASONS = [
  'missing_signature',
  'malformed_signature',
  'no_v1_signature',
  'stale_timestamp',
  'future_timestamp',
  'signature_mismatch',
] as const;
export type StripeSignatureReason = (typeof STRIPE_SIGNATURE_REASONS)[number];

/** An `AuthError` (→ 401) that also says which check failed. Never carries a secret. */
export class StripeSignatureError extends AuthError {
  constructor(
    readonly reason: StripeSignatureReason,
    message: string,
  ) {
    super('ingress', message);
    this.name = 'StripeSignatureError';
  }
}

export interface StripeSignatureOptions {
  /** Endpoint signing secrets (`whsec_…`); a delivery signed with any of them is accepted. */
  secrets: readonly string[];
  /** The current time in ms since epoch (injected so the window is testable). */
  now: number;
  /** Largest accepted distance between `t` and now, either way. */
  toleranceSeconds?: number;
}

interface SignatureHeader {
  /** `t` exactly as sent: it is part of the signed bytes. */
  timestampText: string;
  timestamp: number;
  /** v1 signatures, lower-cased hex. */
  signatures: string[];
  hasLegacyScheme: boolean;
}

const HEX = /^[0-9a-f]+$/i;
const DIGITS = /^\d+$/;
const EXPECTED_FORMAT = '"t=<unix seconds>,v1=<hex signature>"';

function hmacHex(rawBody: Buffer, secret: string, timestampText: string): string {
  // Two updates hash the same bytes as one Buffer.concat, without copying the body.
  return createHmac(STRIPE_HMAC_ALGORITHM, secret)
    .update(`${timestampText}${STRIPE_SIGNED_PAYLOAD_SEPARATOR}`)
    .update(rawBody)
    .digest('hex');
}

/** A Stripe-Signature header value for `rawBody` at unix time `t` (tests, simulator, bench). */
export function signStripePayload(rawBody: Buffer, secret: string, t: number): string {
  const timestampText = String(t);
  return `${STRIPE_TIMESTAMP_KEY}=${timestampText},${STRIPE_SIGNATURE_SCHEME}=${hmacHex(rawBody, secret, timestampText)}`;
}

function malformed(detail: string): StripeSignatureError {
  return new StripeSignatureError(
    'malformed_signature',
    `the Stripe-Signature header is malformed: ${detail}; expected ${EXPECTED_FORMAT} as Stripe ` +
      'sends it — if a proxy sits in front of the hub, make it pass the header through unchanged',
  );
}

function singleHeader(header: string | string[] | undefined): string {
  if (Array.isArray(header)) {
    if (header.length > 1) {
      throw malformed(`it was sent ${header.length} times instead of once`);
    }
    header = header[0];
  }
  if (header === undefined || header.trim() === '') {
    throw new StripeSignatureError(
      'missing_signature',
      'the request has no Stripe-Signature header — Stripe signs every webhook delivery, so send ' +
        'deliveries straight from a Stripe webhook endpoint (or sign test requests as the connector ' +
        'README shows) and make any proxy forward the header',
    );
  }
  return header;
}

function parseHeader(value: string): SignatureHeader {
  let timestampText: string | undefined;
  const signatures: string[] = [];
  let hasLegacyScheme = false;
  // Values are echoed back only as positions and keys we know: the header is caller input.
  for (const [index, raw] of value.split(',').entries()) {
    const element = raw.trim();
    if (element === '') continue;
    const eq = element.indexOf('=');
    if (eq <= 0) throw malformed(`element ${index + 1} is not a key=value pair`);
    const key = element.slice(0, eq);
    const text = element.slice(eq + 1);
    if (key === STRIPE_TIMESTAMP_KEY) {
      if (timestampText !== undefined) throw malformed('it has more than one t= timestamp');
      if (!DIGITS.test(text) || !Number.isSafeInteger(Number(text))) {
        throw malformed('its t= value is not a unix time in whole seconds');
      }
      timestampText = text;
    } else if (key === STRIPE_SIGNATURE_SCHEME) {
      if (!HEX.test(text)) {
        throw malformed(`its v1 signature (element ${index + 1}) is not hexadecimal`);
      }
      signatures.push(text.toLowerCase());
    } else if (key === STRIPE_LEGACY_SCHEME) {
      hasLegacyScheme = true;
    }
    // Other keys are ignored, as Stripe's libraries do, so new schemes do not break delivery.
  }
  if (timestampText === undefined) throw malformed('it has no t= timestamp');
  return { timestampText, timestamp: Number(timestampText), signatures, hasLegacyScheme };
}

function matchesAnySecret(
  rawBody: Buffer,
  header: SignatureHeader,
  secrets: readonly string[],
): boolean {
  const received = header.signatures.map((s) => Buffer.from(s, 'utf8'));
  for (const secret of secrets) {
    const expected = Buffer.from(hmacHex(rawBody, secret, header.timestampText), 'utf8');
    // timingSafeEqual throws a RangeError on unequal lengths; a wrong length is simply no match.
    if (received.some((r) => r.length === expected.length && timingSafeEqual(r, expected))) {
      return true;
    }
  }
  return false;
}

function checkWindow(timestamp: number, now: number, toleranceSeconds: number): void {
  const nowSeconds = Math.floor(now / MS_PER_SECOND);
  const age = nowSeconds - timestamp;
  if (age > toleranceSeconds) {
    throw new StripeSignatureError(
      'stale_timestamp',
      `the Stripe-Signature timestamp is ${age} s old; tolerance is ${toleranceSeconds} s — check ` +
        "the sender's clock or replay the event from the Stripe dashboard",
    );
  }
  if (-age > toleranceSeconds) {
    throw new StripeSignatureError(
      'future_timestamp',
      `the Stripe-Signature timestamp is ${-age} s in the future; tolerance is ` +
        `${toleranceSeconds} s — check the clocks of this host and of the sender (NTP)`,
    );
  }
}

/**
 * Verifies a Stripe webhook delivery on its raw bytes, per Stripe's documented v1 scheme; throws a
 * `StripeSignatureError` naming the failed check. The signature is checked before the timestamp,
 * as Stripe's libraries do, so a stale or future error is only ever reported for an authentic
 * delivery — that is when "replay it" or "fix the clock" is the right advice.
 */
export function verifyStripeSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  options: StripeSignatureOptions,
): void {
  const toleranceSeconds = options.toleranceSeconds ?? STRIPE_DEFAULT_TOLERANCE_SECONDS;
  const parsed = parseHeader(singleHeader(header));
  if (parsed.signatures.length === 0) {
    throw new StripeSignatureError(
      'no_v1_signature',
      'the Stripe-Signature header carries no v1 signature' +
        (parsed.hasLegacyScheme
          ? ' (only v0, a legacy test-mode scheme the hub does not accept)'
          : '') +
        ' — the hub verifies Stripe’s v1 (HMAC-SHA256) scheme; send deliveries from a Stripe webhook ' +
        'endpoint or sign test requests with v1 as the connector README shows',
    );
  }
  if (!matchesAnySecret(rawBody, parsed, options.secrets)) {
    throw new StripeSignatureError(
      'signature_mismatch',
      `none of the ${parsed.signatures.length} v1 signature(s) matches the raw body under the ` +
        `${options.secrets.length} configured signing secret(s) — check that the connector's secret ` +
        "is this endpoint's signing secret (Stripe dashboard → Developers → Webhooks → the endpoint " +
        '→ Signing secret; `stripe listen` prints its own) and that nothing between Stripe and the ' +
        'hub re-encodes the body',
    );
  }
  checkWindow(parsed.timestamp, options.now, toleranceSeconds);
}
