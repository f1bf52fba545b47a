import { createHmac } from 'node:crypto';
import { AuthError } from '@exhub/core';
import { HmacSignatureError, signHmacPayload, verifyHmacSignature } from './hmac-signature';

const SECRET = 'hmac-spec-secret-0123456789';
const OTHER = 'hmac-spec-other-secret-987654';
const T = 1_779_783_019;
const NOW = T * 1000;
const body = Buffer.from('<Document><a>1</a></Document>\n');

function reason(header: string | string[] | undefined, now = NOW, secrets = [SECRET]): string {
  try {
    verifyHmacSignature(body, header, { secrets, now, toleranceSeconds: 300 });
  } catch (err) {
    expect(err).toBeInstanceOf(HmacSignatureError);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).not.toContain(SECRET);
    return (err as HmacSignatureError).reason;
  }
  return 'accepted';
}

describe('generic HMAC signature (X-Exhub-Signature)', () => {
  it('is HMAC-SHA256 over "<t>.<raw body>" in hex, as documented', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.`).update(body).digest('hex');
    expect(signHmacPayload(body, SECRET, T)).toBe(`t=${T},v1=${expected}`);
  });

  it('accepts a delivery signed with any configured secret (rotation)', () => {
    expect(reason(signHmacPayload(body, SECRET, T))).toBe('accepted');
    expect(reason(signHmacPayload(body, OTHER, T), NOW, [SECRET, OTHER])).toBe('accepted');
    const both = `${signHmacPayload(body, OTHER, T)},v1=${signHmacPayload(body, SECRET, T).split('v1=')[1]}`;
    expect(reason(both)).toBe('accepted');
  });

  it.each([
    ['no header', undefined, 'missing_signature'],
    ['an empty header', ' ', 'missing_signature'],
    ['the header twice', ['t=1,v1=ab', 't=1,v1=ab'], 'malformed_signature'],
    ['no timestamp', 'v1=abcdef', 'malformed_signature'],
    ['a non-numeric timestamp', 't=soon,v1=abcdef', 'malformed_signature'],
    ['a non-hex signature', `t=${T},v1=xyz`, 'malformed_signature'],
    ['an element without =', `t=${T},v1`, 'malformed_signature'],
    ['no v1', `t=${T},v0=abcdef`, 'no_v1_signature'],
    ['a wrong signature', `t=${T},v1=${'0'.repeat(64)}`, 'signature_mismatch'],
    ['a short signature', `t=${T},v1=abcd`, 'signature_mismatch'],
  ])('refuses %s: %s', (_name, header, expected) => {
    expect(reason(header)).toBe(expected);
  });

  it('refuses a delivery signed with a secret it does not hold', () => {
    expect(reason(signHmacPayload(body, OTHER, T))).toBe('signature_mismatch');
  });

  it('refuses a body changed after signing', () => {
    const header = signHmacPayload(Buffer.from('<Document/>'), SECRET, T);
    expect(reason(header)).toBe('signature_mismatch');
  });

  it('checks the timestamp window both ways, only for authentic deliveries', () => {
    expect(reason(signHmacPayload(body, SECRET, T - 301))).toBe('stale_timestamp');
    expect(reason(signHmacPayload(body, SECRET, T + 301))).toBe('future_timestamp');
    expect(reason(signHmacPayload(body, SECRET, T - 300))).toBe('accepted');
    expect(reason(signHmacPayload(body, OTHER, T - 301))).toBe('signature_mismatch');
  });
});
