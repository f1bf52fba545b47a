import type { ExceptionStore } from './store';

/**
 * The two-member cursor store polling connectors checkpoint through
 * (libs/connector-sdk/src/cursor-store.ts), kept in the store: cursors are JSON.
 */
export function storeCursors(store: ExceptionStore): {
  get(connectorId: string): Promise<unknown>;
  put(connectorId: string, cursor: unknown): Promise<void>;
} {
  return {
    async get(connectorId) {
      const row = await store.getCursor(connectorId);
      return row === undefined ? undefined : (JSON.parse(row.cursor) as unknown);
    },
    put: (connectorId, cursor) => store.putCursor(connectorId, JSON.stringify(cursor)),
  };
}
