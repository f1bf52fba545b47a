import { AuthError } from '@exhub/core';
import {
  HMAC_SIGNATURE_REASONS,
  signTimestampedHmac,
  verifyTimestampedHmac,
  type HmacSignatureOptions,
  type HmacSignatureReason,
  type SignatureScheme,
} from '@exhub/connector-sdk';
import { STRIPE_DEFAULT_TOLERANCE_SECONDS } from './stripe.constants';

/** Why a delivery was refused; stable, machine-readable (metrics labels, logs, tests). */
export const STRIPE_SIGNATURE_REASONS = HMAC_SIGNATURE_REASONS;
export type StripeSignatureReason = HmacSignatureReason;

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

/** Endpoint signing secrets (`whsec_…`), the clock, and the tolerance (default 300 s). */
export type StripeSignatureOptions = HmacSignatureOptions;

const HEADER = 'Stripe-Signature';

/**
 * Stripe's documented v1 scheme is the hub's timestamped HMAC construction
 * (libs/connector-sdk/src/hmac-signature.ts); what is Stripe's own is the header and the advice:
 * where to find the endpoint secret, how to replay an event.
 */
const STRIPE_SCHEME: SignatureScheme = {
  header: HEADER,
  expectedFormat: '"t=<unix seconds>,v1=<hex signature>"',
  defaultToleranceSeconds: STRIPE_DEFAULT_TOLERANCE_SECONDS,
  error: (reason, message) => new StripeSignatureError(reason, message),
  malformedAdvice:
    ' as Stripe sends it — if a proxy sits in front of the hub, make it pass the header through unchanged',
  missing:
    `the request has no ${HEADER} header — Stripe signs every webhook delivery, so send ` +
    'deliveries straight from a Stripe webhook endpoint (or sign test requests as the connector ' +
    'README shows) and make any proxy forward the header',
  noV1: (sawLegacy) =>
    `the ${HEADER} header carries no v1 signature` +
    (sawLegacy ? ' (only v0, a legacy test-mode scheme the hub does not accept)' : '') +
    ' — the hub verifies Stripe’s v1 (HMAC-SHA256) scheme; send deliveries from a Stripe webhook ' +
    'endpoint or sign test requests with v1 as the connector README shows',
  mismatch: (signatures, secrets) =>
    `none of the ${signatures} v1 signature(s) matches the raw body under the ${secrets} ` +
    "configured signing secret(s) — check that the connector's secret is this endpoint's signing " +
    'secret (Stripe dashboard → Developers → Webhooks → the endpoint → Signing secret; `stripe ' +
    'listen` prints its own) and that nothing between Stripe and the hub re-encodes the body',
  stale: (age, tolerance) =>
    `the ${HEADER} timestamp is ${age} s old; tolerance is ${tolerance} s — check the sender's ` +
    'clock or replay the event from the Stripe dashboard',
  future: (ahead, tolerance) =>
    `the ${HEADER} timestamp is ${ahead} s in the future; tolerance is ${tolerance} s — check the ` +
    'clocks of this host and of the sender (NTP)',
};

/** A Stripe-Signature header value for `rawBody` at unix time `t` (tests, the simulator, bench). */
export const signStripePayload = signTimestampedHmac;

/** Verifies a Stripe webhook delivery on its raw bytes; throws a `StripeSignatureError`. */
export function verifyStripeSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  options: StripeSignatureOptions,
): void {
  verifyTimestampedHmac(rawBody, header, options, STRIPE_SCHEME);
}
