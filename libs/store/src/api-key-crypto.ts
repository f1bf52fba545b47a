import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  API_KEY_ID_BYTES,
  API_KEY_PREFIX,
  API_KEY_SALT_BYTES,
  API_KEY_SECRET_BYTES,
} from './constants';

/*
 * A key is `exhub_<id>.<secret>`: the id finds the row, the secret is checked against
 * sha256(salt ‖ secret). The secret is 256 random bits, so a fast hash is enough (a slow KDF
 * protects guessable passwords, which these are not); the per-key salt keeps equal hashes apart.
 */
const KEY_FORMAT = /^exhub_([0-9a-f]+)\.([A-Za-z0-9_-]+)$/;

export interface MintedKey {
  id: string;
  key: string;
  salt: string;
  hash: string;
}

export function hashSecret(secret: string, salt: string): string {
  return createHash('sha256').update(salt, 'hex').update(secret, 'utf8').digest('hex');
}

export function mintApiKey(): MintedKey {
  const id = randomBytes(API_KEY_ID_BYTES).toString('hex');
  const secret = randomBytes(API_KEY_SECRET_BYTES).toString('base64url');
  const salt = randomBytes(API_KEY_SALT_BYTES).toString('hex');
  return { id, key: `${API_KEY_PREFIX}${id}.${secret}`, salt, hash: hashSecret(secret, salt) };
}

export function parseApiKey(plaintext: string): { id: string; secret: string } | undefined {
  const m = KEY_FORMAT.exec(plaintext.trim());
  return m ? { id: m[1], secret: m[2] } : undefined;
}

export function secretMatches(secret: string, salt: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret, salt), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
