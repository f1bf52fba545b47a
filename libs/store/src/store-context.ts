import type { Kysely } from 'kysely';
import type { StoreDatabase } from './schema';
import type { StoreKind } from './types';

/** What every repository function needs: the database (or a transaction) and which one it is. */
export interface StoreContext {
  db: Kysely<StoreDatabase>;
  kind: StoreKind;
}

export const iso = (at: Date | undefined): string => (at ?? new Date()).toISOString();
