import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openStore, type ExceptionStore } from '@exhub/store';
import type { StoreHarness } from '../../../libs/store/testing';

/** The PostgreSQL the e2e tests use (trust auth on localhost). */
export const PG_URL = process.env.EXHUB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A random schema per harness, dropped with everything in it by cleanup(). */
export async function pgHarness(): Promise<StoreHarness & { schema: string }> {
  const schema = `exhub_test_${randomBytes(6).toString('hex')}`;
  const opened: ExceptionStore[] = [];
  let client: Client | undefined;
  return {
    schema,
    async open() {
      const store = await openStore(PG_URL, { schema });
      opened.push(store);
      return store;
    },
    async raw(sqlText) {
      if (!client) {
        client = new Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
        await client.connect();
      }
      return (await client.query(sqlText)).rows as Record<string, unknown>[];
    },
    async cleanup() {
      for (const s of opened) await s.close().catch(() => undefined);
      await client?.end().catch(() => undefined);
      const admin = new Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        await admin.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}
