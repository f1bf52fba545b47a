/**
 * Where polling connectors checkpoint: the hub's store (libs/store `storeCursors`, SQLite or
 * PostgreSQL) in production. Two members, so the runner does not depend on the store.
 */
export interface CursorStore {
  get(connectorId: string): Promise<unknown>;
  put(connectorId: string, cursor: unknown): Promise<void>;
}

/** In memory (tests). */
export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, unknown>();
  async get(connectorId: string): Promise<unknown> {
    return this.cursors.get(connectorId);
  }
  async put(connectorId: string, cursor: unknown): Promise<void> {
    this.cursors.set(connectorId, structuredClone(cursor));
  }
}
