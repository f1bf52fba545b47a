import type { Kysely } from 'kysely';
import type { StoreDatabase } from './schema';
import type { ConnectorCursor } from './types';

export async function getCursor(
  db: Kysely<StoreDatabase>,
  connectorId: string,
): Promise<ConnectorCursor | undefined> {
  const row = await db
    .selectFrom('connector_cursors')
    .selectAll()
    .where('connector_id', '=', connectorId)
    .executeTakeFirst();
  return row && { connectorId: row.connector_id, cursor: row.cursor, updatedAt: row.updated_at };
}

export async function putCursor(
  db: Kysely<StoreDatabase>,
  connectorId: string,
  cursor: string,
  at: Date,
): Promise<void> {
  const updatedAt = at.toISOString();
  await db
    .insertInto('connector_cursors')
    .values({ connector_id: connectorId, cursor, updated_at: updatedAt })
    .onConflict((oc) => oc.column('connector_id').doUpdateSet({ cursor, updated_at: updatedAt }))
    .execute();
}
