import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthError } from '@exhub/core';
import { MS_PER_SECOND, STRIPE_DEFAULT_TOLERANCE_SECONDS } from './stripe.constants';
import {
  signStripePayload,
  StripeSignatureError,
  verifyStripeSignature,
  type StripeSignatureReason,
} from './stripe.signature';

const FIXTURES = join(__dirname, 'fixtures');
const SECRET = 'whsec_test_primary_0123456789abcdef';
const NEXT_SECRET = 'whsec_test_rotated_fedcba9876543210';
const T = 1_779_785_366;
const NOW = T * MS_PER_SECOND;
const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
const body = readFileSync(join(FIXTURES, 'charge.failed.json'));

function verify(
  header: string | string[] | undefined,
  rawBody: Buffer = body,
  options: { secrets?: string[]; now?: number; toleranceSeconds?: number } = {},
): void {
  verifyStripeSignature(rawBody, header, { secrets: [SECRET], now: NOW, ...options });
}

function rejection(fn: () => void): StripeSignatureError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StripeSignatureError);
    expect(err).toBeInstanceOf(AuthError);
    return err as StripeSignatureError;
  }
  throw new Error('expected a rejection, got none');
}

function expectReason(fn: () => void, reason: StripeSignatureReason): StripeSignatureError {
  const err = rejection(fn);
  expect(err.reason).toBe(reason);
  expect(err.stage).toBe('ingress');
  expect(err.errorClass).toBe('AUTH');
  return err;
}

const v1Of = (header: string): string => header.split('v1=')[1];

describe('signStripePayload', () => {
  it('matches a vector computed independently with openssl dgst -sha256 -hmac', () => {
    // { printf '1779785366.'; cat fixtures/charge.failed.json; } |
    //   openssl dgst -sha256 -hmac whsec_readme_check_123 -r
    expect(signStripePayload(body, 'whsec_readme_check_123', T)).toBe(
      `t=${T},v1=a54c1fdc7b508e879f043c7aebc8c5748a266fe93befe5b513f046c01c8e4afb`,
    );
  });

  it('builds t=…,v1=… as HMAC-SHA256(secret, `${t}.${rawBody}`) in hex', () => {
    const expected = createHmac('sha256', SECRET)
      .update(Buffer.concat([Buffer.from(`${T}.`), body]))
      .digest('hex');
    expect(signStripePayload(body, SECRET, T)).toBe(`t=${T},v1=${expected}`);
  });
});

describe('verifyStripeSignature', () => {
  it.each(fixtureFiles)('accepts a valid signature over the raw bytes of %s', (file) => {
    const raw = readFileSync(join(FIXTURES, file));
    expect(() => verify(signStripePayload(raw, SECRET, T), raw)).not.toThrow();
  });

  it('rejects the body with one byte changed', () => {
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('2200')] = '9'.charCodeAt(0);
    expectReason(() => verify(signStripePayload(body, SECRET, T), tampered), 'signature_mismatch');
  });

  it('rejects the same JSON re-serialised with other whitespace', () => {
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    expectReason(
      () => verify(signStripePayload(body, SECRET, T), reformatted),
      'signature_mismatch',
    );
  });

  it('rejects a signature made with another secret', () => {
    expectReason(
      () => verify(signStripePayload(body, 'whsec_someone_else', T)),
      'signature_mismatch',
    );
  });

  it('accepts 299 s old and rejects 301 s old, saying how old and what the tolerance is', () => {
    const header = signStripePayload(body, SECRET, T);
    expect(() => verify(header, body, { now: NOW + 299 * MS_PER_SECOND })).not.toThrow();
    const err = expectReason(
      () => verify(header, body, { now: NOW + 301 * MS_PER_SECOND }),
      'stale_timestamp',
    );
    expect(err.message).toContain('301 s old; tolerance is 300 s');
    expect(err.message).toContain('replay the event from the Stripe dashboard');
  });

  it('rejects a timestamp more than the tolerance in the future, accepts one just within', () => {
    const header = signStripePayload(body, SECRET, T);
    expect(() => verify(header, body, { now: NOW - 299 * MS_PER_SECOND })).not.toThrow();
    const err = expectReason(
      () => verify(header, body, { now: NOW - 301 * MS_PER_SECOND }),
      'future_timestamp',
    );
    expect(err.message).toContain('301 s in the future');
  });

  it('uses the configured tolerance instead of the default', () => {
    const header = signStripePayload(body, SECRET, T);
    const now = NOW + (STRIPE_DEFAULT_TOLERANCE_SECONDS + 1) * MS_PER_SECOND;
    expect(() => verify(header, body, { now, toleranceSeconds: 600 })).not.toThrow();
    expectReason(() => verify(header, body, { now, toleranceSeconds: 60 }), 'stale_timestamp');
  });

  it('does not report a stale timestamp for a forged delivery', () => {
    const forged = signStripePayload(body, 'whsec_attacker', T);
    expectReason(
      () => verify(forged, body, { now: NOW + 3600 * MS_PER_SECOND }),
      'signature_mismatch',
    );
  });

  it('accepts several v1 signatures when only the second one matches', () => {
    const wrong = v1Of(signStripePayload(body, 'whsec_old_endpoint_secret', T));
    const right = v1Of(signStripePayload(body, SECRET, T));
    expect(() => verify(`t=${T},v1=${wrong},v1=${right},v0=abcdef`)).not.toThrow();
  });

  it('accepts a delivery signed with either of two configured secrets (rotation)', () => {
    const secrets = [SECRET, NEXT_SECRET];
    for (const signer of secrets) {
      expect(() => verify(signStripePayload(body, signer, T), body, { secrets })).not.toThrow();
    }
    expectReason(
      () => verify(signStripePayload(body, NEXT_SECRET, T), body, { secrets: [SECRET] }),
      'signature_mismatch',
    );
  });

  it('accepts the header when a proxy delivers it as a one-element array', () => {
    expect(() => verify([signStripePayload(body, SECRET, T)])).not.toThrow();
  });

  it.each<[string, string | string[] | undefined, StripeSignatureReason]>([
    ['no header', undefined, 'missing_signature'],
    ['an empty header', '  ', 'missing_signature'],
    ['no t=', 'v1=abcdef0123', 'malformed_signature'],
    ['a non-numeric t=', 't=yesterday,v1=abcdef0123', 'malformed_signature'],
    ['two t=', `t=${T},t=${T},v1=abcdef0123`, 'malformed_signature'],
    ['an element without =', `t=${T},v1`, 'malformed_signature'],
    ['a non-hex v1', `t=${T},v1=not-hex-at-all`, 'malformed_signature'],
    ['the header twice', [`t=${T},v1=ab`, `t=${T},v1=cd`], 'malformed_signature'],
    ['no v1', `t=${T}`, 'no_v1_signature'],
    ['only v0', `t=${T},v0=abcdef0123`, 'no_v1_signature'],
  ])('rejects %s', (_name, header, reason) => {
    expectReason(() => verify(header), reason);
  });

  it('names v0 when it is the only scheme sent', () => {
    expect(rejection(() => verify(`t=${T},v0=abcdef`)).message).toContain('only v0');
  });

  it('treats a v1 of another length as a mismatch, not a RangeError', () => {
    const right = v1Of(signStripePayload(body, SECRET, T));
    for (const sig of [right.slice(0, -2), `${right}00`, 'ab']) {
      expectReason(() => verify(`t=${T},v1=${sig}`), 'signature_mismatch');
    }
  });

  it('accepts an upper-case hex signature', () => {
    const right = v1Of(signStripePayload(body, SECRET, T));
    expect(() => verify(`t=${T},v1=${right.toUpperCase()}`)).not.toThrow();
  });

  it('never puts a secret or the expected signature in a message', () => {
    const secrets = [SECRET, NEXT_SECRET];
    const expectedSignatures = secrets.map((s) => v1Of(signStripePayload(body, s, T)));
    const attempts: (() => void)[] = [
      () => verify(undefined, body, { secrets }),
      () => verify('garbage', body, { secrets }),
      () => verify(`t=${T}`, body, { secrets }),
      () => verify(signStripePayload(body, 'whsec_other', T), body, { secrets }),
      () => verify(signStripePayload(body, SECRET, T), body, { secrets, now: NOW * 2 }),
      () => verify(signStripePayload(body, SECRET, T), body, { secrets, now: 0 }),
    ];
    const reasons = new Set<string>();
    for (const attempt of attempts) {
      const err = rejection(attempt);
      reasons.add(err.reason);
      for (const hidden of [...secrets, ...expectedSignatures]) {
        expect(err.message).not.toContain(hidden);
        expect(JSON.stringify(err)).not.toContain(hidden);
      }
    }
    expect(reasons.size).toBe(attempts.length);
  });
});
