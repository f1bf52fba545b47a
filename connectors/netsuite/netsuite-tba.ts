import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MS_PER_SECOND } from '@exhub/core';

/**
 * NetSuite token-based authentication (OAuth 1.0a HMAC-SHA256 signature per request). The credentials of
 * one integration record + access token; the connector plugs the signer in as an `AuthProvider`.
 */
export interface NetSuiteTbaCredentials {
  account: string;
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
}

/**
 * NetSuite token-based authentication (TBA) for SuiteTalk SOAP: the `tokenPassport` request header
 * (core XSD types TokenPassport and TokenPassportSignature). Every request carries its own
 * passport: account, consumerKey, token, a fresh nonce and timestamp, and a signature = base64
 * HMAC-SHA256 over `account&consumerKey&token&nonce&timestamp`, keyed with
 * `consumerSecret&tokenSecret`. There is no login call and no session.
 */
export const NETSUITE_TBA_ALGORITHM = 'HMAC-SHA256';
/** NetSuite wants a 6–64 character alphanumeric nonce. */
export const NETSUITE_TBA_NONCE_LENGTH = 20;
const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The passport as it goes into the header; `timestamp` is Unix seconds. */
export interface NetSuiteTokenPassport {
  account: string;
  consumerKey: string;
  token: string;
  nonce: string;
  timestamp: number;
  signature: { value: string; algorithm: typeof NETSUITE_TBA_ALGORITHM };
}

/** The string NetSuite signs. */
export function tbaBaseString(p: {
  account: string;
  consumerKey: string;
  token: string;
  nonce: string;
  timestamp: number;
}): string {
  return [p.account, p.consumerKey, p.token, p.nonce, String(p.timestamp)].join('&');
}

/** base64 HMAC-SHA256 of the base string, keyed with `consumerSecret&tokenSecret`. */
export function tbaSignature(
  baseString: string,
  consumerSecret: string,
  tokenSecret: string,
): string {
  return createHmac('sha256', `${consumerSecret}&${tokenSecret}`)
    .update(baseString, 'utf8')
    .digest('base64');
}

/** A random alphanumeric nonce (rejection sampling keeps every character equally likely). */
export function tbaNonce(length = NETSUITE_TBA_NONCE_LENGTH): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += NONCE_ALPHABET[b % NONCE_ALPHABET.length];
    }
  }
  return out;
}

/** Signs one request's passport; `now` and `nonce` are injectable for tests. */
export function signTokenPassport(
  c: NetSuiteTbaCredentials,
  o: { now?: () => number; nonce?: () => string } = {},
): NetSuiteTokenPassport {
  const unsigned = {
    account: c.account,
    consumerKey: c.consumerKey,
    token: c.tokenId,
    nonce: (o.nonce ?? tbaNonce)(),
    timestamp: Math.floor((o.now ?? Date.now)() / MS_PER_SECOND),
  };
  return {
    ...unsigned,
    signature: {
      value: tbaSignature(tbaBaseString(unsigned), c.consumerSecret, c.tokenSecret),
      algorithm: NETSUITE_TBA_ALGORITHM,
    },
  };
}

/**
 * Checks a received passport against the secrets (what NetSuite does; the simulator uses it):
 * why it fails, or undefined when it is valid. `maxSkewSeconds` bounds the timestamp's age.
 */
export function verifyTokenPassport(
  p: Partial<Omit<NetSuiteTokenPassport, 'signature' | 'timestamp'>> & {
    timestamp?: number | string;
    signature?: { value?: string; algorithm?: string };
  },
  c: NetSuiteTbaCredentials,
  o: { now?: () => number; maxSkewSeconds?: number } = {},
): string | undefined {
  for (const k of ['account', 'consumerKey', 'token', 'nonce'] as const) {
    if (typeof p[k] !== 'string' || p[k] === '') return `tokenPassport.${k} is missing`;
  }
  if (p.account !== c.account) return 'tokenPassport.account is not this account';
  if (p.consumerKey !== c.consumerKey) return 'tokenPassport.consumerKey is unknown';
  if (p.token !== c.tokenId) return 'tokenPassport.token is unknown';
  if (!/^[A-Za-z0-9]{6,64}$/.test(p.nonce!))
    return 'tokenPassport.nonce must be 6-64 alphanumerics';
  const ts = Number(p.timestamp);
  if (!Number.isInteger(ts)) return 'tokenPassport.timestamp must be Unix seconds';
  const skew = Math.abs((o.now ?? Date.now)() / MS_PER_SECOND - ts);
  if (o.maxSkewSeconds !== undefined && skew > o.maxSkewSeconds) {
    return `tokenPassport.timestamp is ${Math.round(skew)} s away from the server's clock`;
  }
  if (p.signature?.algorithm !== NETSUITE_TBA_ALGORITHM) {
    return `tokenPassport.signature algorithm must be ${NETSUITE_TBA_ALGORITHM}`;
  }
  const expected = Buffer.from(
    tbaSignature(
      tbaBaseString({
        account: p.account!,
        consumerKey: p.consumerKey!,
        token: p.token!,
        nonce: p.nonce!,
        timestamp: ts,
      }),
      c.consumerSecret,
      c.tokenSecret,
    ),
  );
  const got = Buffer.from(p.signature.value ?? '');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    return 'tokenPassport.signature does not match';
  }
  return undefined;
}
