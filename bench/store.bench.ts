// The embedded store's group commit on its own: CPU per stored exception, the store as shipped
// against variants that add SQLite pragmas on its connection, alternated round by round in one run
// (ratios, never a timed assertion). Each round opens a fresh file store (WAL, checkpoint thread,
// as the hub does) and stores STORE_BATCHES group commits of STORE_BATCH new exceptions each.
// Run: npm run bench:store
//   STORE_VARIANTS='{"name":["PRAGMA …", …]}' (default: temp_store = FILE, the setting before
//   statement journals were kept in memory), STORE_ROUNDS [4], STORE_BATCHES [800], STORE_BATCH [16].
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openStore } from '@exhub/store';
import { sampleException } from '../libs/store/testing/sample-exception';

const ROUNDS = Number(process.env.STORE_ROUNDS ?? 4);
const BATCHES = Number(process.env.STORE_BATCHES ?? 800);
const BATCH = Number(process.env.STORE_BATCH ?? 16);
/** Distinct parties, so some exceptions share one (its index and link keys) as real ones do. */
const PARTIES = 500;
const VARIANTS: Record<string, string[]> = {
  shipped: [],
  ...(JSON.parse(
    process.env.STORE_VARIANTS ?? '{"temp_store = FILE":["PRAGMA temp_store = FILE"]}',
  ) as Record<string, string[]>),
};

interface Measured {
  cpuMsPerException: number;
  wallMsPerException: number;
}

async function round(pragmas: string[]): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'exhub-store-bench-'));
  const store = await openStore(`sqlite:${join(dir, 'exhub.db')}`, {
    sqliteCheckpoint: 'background',
  });
  try {
    // A SQLite store is a KyselyStore, whose one connection runs these pragmas.
    const db = (store as unknown as { db: Kysely<unknown> }).db;
    for (const pragma of pragmas) await sql.raw(pragma).execute(db);
    const wall = Date.now();
    const cpu = process.threadCpuUsage();
    for (let b = 0; b < BATCHES; b++) {
      await store.upsertExceptions(
        Array.from({ length: BATCH }, () => ({
          exception: sampleException({
            id: randomUUID(),
            score: Math.random() * 100,
            parties: [`party-${Math.floor(Math.random() * PARTIES)}`],
          }),
          context: { actor: 'bench' },
        })),
      );
    }
    const used = process.threadCpuUsage(cpu);
    const n = BATCHES * BATCH;
    return {
      cpuMsPerException: (used.user + used.system) / 1000 / n,
      wallMsPerException: (Date.now() - wall) / n,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const seen: Record<string, Measured[]> = {};
  for (let r = 1; r <= ROUNDS; r++) {
    // Alternate the order, so neither variant always runs on a warmer machine.
    const names = Object.keys(VARIANTS);
    for (const name of r % 2 ? names : names.reverse()) {
      const m = await round(VARIANTS[name]);
      (seen[name] ??= []).push(m);
      console.log(
        `round ${r}/${ROUNDS} ${name}: ${m.cpuMsPerException.toFixed(3)} ms CPU, ` +
          `${m.wallMsPerException.toFixed(3)} ms wall per exception`,
      );
    }
  }
  const base = median(seen.shipped.map((m) => m.cpuMsPerException));
  for (const [name, ms] of Object.entries(seen)) {
    const cpu = median(ms.map((m) => m.cpuMsPerException));
    console.log(
      `${name}: median ${cpu.toFixed(3)} ms CPU per exception, ${(cpu / base).toFixed(2)}× shipped`,
    );
  }
}

void main();
