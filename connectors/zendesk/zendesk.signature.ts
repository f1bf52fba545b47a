import { AuthError } from '@exhub/core';
import {
  signSplitHeaderHmac,
  verifySplitHeaderHmac,
  type HmacSignatureOptions,
  type HmacSignatureReason,
  type SignatureScheme,
  type SplitHeaderHmac,
} from '@exhub/connector-sdk';
import {
  ZENDESK_DEFAULT_TOLERANCE_SECONDS,
  ZENDESK_SIGNATURE_HEADER,
  ZENDESK_SIGNATURE_HEADER_DISPLAY as HEADER,
  ZENDESK_TIMESTAMP_HEADER,
  ZENDESK_TIMESTAMP_HEADER_DISPLAY as TIMESTAMP,
} from './zendesk.constants';

/** An `AuthError` (→ 401) that also says which check failed. Never carries a secret. */
export class ZendeskSignatureError extends AuthError {
  constructor(
    readonly reason: HmacSignatureReason,
    message: string,
  ) {
    super('ingress', message);
    this.name = 'ZendeskSignatureError';
  }
}

/** Zendesk signs base64(HMAC-SHA256(secret, timestamp + raw body)), nothing in between. */
const ZENDESK_SPLIT: SplitHeaderHmac = {
  timestampHeader: TIMESTAMP,
  digest: 'base64',
  separator: '',
};

const ZENDESK_SCHEME: SignatureScheme = {
  header: HEADER,
  expectedFormat: `${HEADER}: <base64 HMAC-SHA256 of timestamp + body> and ${TIMESTAMP}: <the signed timestamp>`,
  defaultToleranceSeconds: ZENDESK_DEFAULT_TOLERANCE_SECONDS,
  error: (reason, message) => new ZendeskSignatureError(reason, message),
  malformedAdvice:
    ' as Zendesk sends them — if a proxy sits in front of the hub, make it pass both headers through unchanged',
  missing:
    `the request has no ${HEADER} header — Zendesk signs every webhook request; send it from the ` +
    "Zendesk webhook whose signing secret is this connector's (Admin Center → Apps and " +
    'integrations → Webhooks), and make any proxy forward the header',
  noV1: () => `the ${HEADER} header is empty`,
  mismatch: (_signatures, secrets) =>
    `the ${HEADER} signature does not match the raw body under the ${secrets} configured signing ` +
    "secret(s) — check that the connector's secret is this webhook's signing secret (Admin Center → " +
    'Webhooks → the webhook → Signing secret → Reveal secret) and that nothing between Zendesk and ' +
    'the hub re-encodes the body',
  stale: (age, tolerance) =>
    `the ${TIMESTAMP} is ${age} s old; tolerance is ${tolerance} s — a replayed or long-delayed ` +
    "request; check the sender's clock, or resend the ticket event from Zendesk",
  future: (ahead, tolerance) =>
    `the ${TIMESTAMP} is ${ahead} s in the future; tolerance is ${tolerance} s — check the clocks ` +
    'of this host (NTP)',
};

/** The X-Zendesk-Webhook-Signature value for `rawBody` at `timestamp` (tests, simulators). */
export function signZendeskPayload(rawBody: Buffer, secret: string, timestamp: string): string {
  return signSplitHeaderHmac(rawBody, secret, timestamp, ZENDESK_SPLIT);
}

/** Verifies a Zendesk webhook request on its raw bytes; throws a `ZendeskSignatureError`. */
export function verifyZendeskSignature(
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
  options: HmacSignatureOptions,
): void {
  verifySplitHeaderHmac(
    rawBody,
    headers[ZENDESK_SIGNATURE_HEADER],
    headers[ZENDESK_TIMESTAMP_HEADER],
    options,
    ZENDESK_SCHEME,
    ZENDESK_SPLIT,
  );
}
