import type { Kysely } from 'kysely';
import type { StoreDatabase } from './schema';
import type { ContextFact } from './types';

export async function putContextFact(db: Kysely<StoreDatabase>, fact: ContextFact): Promise<void> {
  const value = JSON.stringify(fact.value ?? null);
  await db
    .insertInto('context_facts')
    .values({ key: fact.key, value, source: fact.source, fetched_at: fact.fetchedAt })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({ value, source: fact.source, fetched_at: fact.fetchedAt }),
    )
    .execute();
}

export async function getContextFact(
  db: Kysely<StoreDatabase>,
  key: string,
): Promise<ContextFact | undefined> {
  const row = await db
    .selectFrom('context_facts')
    .selectAll()
    .where('key', '=', key)
    .executeTakeFirst();
  return (
    row && {
      key: row.key,
      value: JSON.parse(row.value) as unknown,
      source: row.source,
      fetchedAt: row.fetched_at,
    }
  );
}
