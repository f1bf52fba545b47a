import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL server the e2e tests use (trust auth on localhost). */
export const PG_ADMIN_URL =
  process.env.EXHUB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh, empty database for hub processes under test (EXHUB_STORE_URL names a database, not a
 * schema): its URL, and a drop that also ends the connections left open to it.
 */
export async function freshDatabase(
  label: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `exhub_${label}_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
