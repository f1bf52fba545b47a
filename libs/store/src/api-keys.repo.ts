import type { Kysely } from 'kysely';
import { mintApiKey, parseApiKey, secretMatches } from './api-key-crypto';
import { StoreInputError } from './errors';
import type { StoreDatabase } from './schema';
import { API_KEY_ROLES, type ApiKeyRecord, type ApiKeyRole, type CreatedApiKey } from './types';

export function isApiKeyRole(role: string): role is ApiKeyRole {
  return (API_KEY_ROLES as readonly string[]).includes(role);
}

const toRecord = (r: {
  id: string;
  role: string;
  name: string;
  created_at: string;
}): ApiKeyRecord => ({
  id: r.id,
  role: r.role as ApiKeyRole,
  name: r.name,
  createdAt: r.created_at,
});

/** Stores only the salted hash; the returned `key` is the only time the plaintext exists. */
export async function createApiKey(
  db: Kysely<StoreDatabase>,
  role: string,
  name: string,
  at: Date,
): Promise<CreatedApiKey> {
  if (!isApiKeyRole(role)) {
    throw new StoreInputError(`role "${role}" is not one of ${API_KEY_ROLES.join(', ')}`, 'role');
  }
  if (name.trim() === '')
    throw new StoreInputError('an API key needs a name (who or what uses it)', 'name');
  const minted = mintApiKey();
  const createdAt = at.toISOString();
  await db
    .insertInto('api_keys')
    .values({
      id: minted.id,
      name,
      role,
      salt: minted.salt,
      hash: minted.hash,
      created_at: createdAt,
    })
    .execute();
  return { id: minted.id, role, name, createdAt, key: minted.key };
}

export async function findApiKey(
  db: Kysely<StoreDatabase>,
  plaintext: string,
): Promise<ApiKeyRecord | undefined> {
  const parsed = parseApiKey(plaintext);
  if (!parsed) return undefined;
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', parsed.id)
    .executeTakeFirst();
  if (!row || !secretMatches(parsed.secret, row.salt, row.hash)) return undefined;
  return toRecord(row);
}

export async function listApiKeys(db: Kysely<StoreDatabase>): Promise<ApiKeyRecord[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(['id', 'role', 'name', 'created_at'])
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  return rows.map(toRecord);
}

export async function revokeApiKey(db: Kysely<StoreDatabase>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
