import { createHmac } from 'node:crypto';
import {
  signTokenPassport,
  tbaBaseString,
  tbaNonce,
  tbaSignature,
  verifyTokenPassport,
} from './netsuite-tba';

// The worked example of NetSuite's help ("Creating the Token Password"): account 1234567 and the
// consumer/token keys and secrets it lists.
const DOC = {
  account: '1234567',
  consumerKey: '71cc02b731f05895561ef0862d71553a3ac99498a947c3b7beaf4a1e4a29f7c4',
  tokenId: '89e08d9767c5ac85b374415725567d05b54ecf0960ad2470894a52f741020d82',
  consumerSecret: '7278da58caf07f5c336301a601203d10a58e948efa280f0618e25fcee1ef2abd',
  tokenSecret: '060cd9ab3ffbbe1e3d3918e90165ffd37ab12acc76b4691046e2d29c7d7674c2',
};
const NONCE = '6obMKq0tmY8ylVOdEkA1';
const TIMESTAMP = 1439829974;

describe('NetSuite token-based authentication', () => {
  it('builds the base string NetSuite documents', () => {
    expect(
      tbaBaseString({
        account: DOC.account,
        consumerKey: DOC.consumerKey,
        token: DOC.tokenId,
        nonce: NONCE,
        timestamp: TIMESTAMP,
      }),
    ).toBe(`1234567&${DOC.consumerKey}&${DOC.tokenId}&6obMKq0tmY8ylVOdEkA1&1439829974`);
  });

  it('signs with HMAC-SHA256 keyed consumerSecret&tokenSecret, base64', () => {
    const p = signTokenPassport(DOC, { now: () => TIMESTAMP * 1000 + 999, nonce: () => NONCE });
    const base = `1234567&${DOC.consumerKey}&${DOC.tokenId}&${NONCE}&${TIMESTAMP}`;
    const independent = createHmac('sha256', `${DOC.consumerSecret}&${DOC.tokenSecret}`)
      .update(base)
      .digest('base64');
    expect(p).toEqual({
      account: '1234567',
      consumerKey: DOC.consumerKey,
      token: DOC.tokenId,
      nonce: NONCE,
      timestamp: TIMESTAMP,
      signature: { value: independent, algorithm: 'HMAC-SHA256' },
    });
    expect(Buffer.from(p.signature.value, 'base64')).toHaveLength(32);
    expect(tbaSignature(base, DOC.consumerSecret, 'other')).not.toBe(independent);
  });

  it('makes a fresh 6-64 character alphanumeric nonce for each passport', () => {
    const a = signTokenPassport(DOC);
    const b = signTokenPassport(DOC);
    expect(a.nonce).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(a.nonce).not.toBe(b.nonce);
    expect(tbaNonce(64)).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it('verifies a good passport and says what is wrong with a bad one', () => {
    const now = () => TIMESTAMP * 1000;
    const p = signTokenPassport(DOC, { now, nonce: () => NONCE });
    expect(verifyTokenPassport(p, DOC, { now, maxSkewSeconds: 300 })).toBeUndefined();
    // Timestamps arrive as text from XML.
    expect(
      verifyTokenPassport({ ...p, timestamp: String(p.timestamp) }, DOC, { now }),
    ).toBeUndefined();
    expect(verifyTokenPassport(p, { ...DOC, tokenSecret: 'rotated' }, { now })).toBe(
      'tokenPassport.signature does not match',
    );
    expect(verifyTokenPassport({ ...p, nonce: 'other1' }, DOC, { now })).toBe(
      'tokenPassport.signature does not match',
    );
    expect(verifyTokenPassport({ ...p, token: 'x' }, DOC, { now })).toBe(
      'tokenPassport.token is unknown',
    );
    expect(
      verifyTokenPassport(p, DOC, { now: () => (TIMESTAMP + 3600) * 1000, maxSkewSeconds: 300 }),
    ).toMatch(/timestamp is 3600 s away/);
    expect(
      verifyTokenPassport({ ...p, signature: { ...p.signature, algorithm: 'HMAC-SHA1' } }, DOC, {
        now,
      }),
    ).toMatch(/HMAC-SHA256/);
  });
});
