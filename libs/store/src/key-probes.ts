import type { Kysely } from 'kysely';
import type { PreparedQueries } from './prepared';
import type { StoreDatabase } from './schema';

/** A link key as the key index holds it. */
export interface ProbeKey {
  kind: string;
  value: string;
}

/** Distinct keys per read of the key index (each count is one compiled shape). */
export const KEYS_PER_STATEMENT = 32;

interface Pending {
  keys: ReadonlyArray<ProbeKey>;
  excludeId: string | undefined;
  resolve: (found: boolean) => void;
  reject: (err: unknown) => void;
}

/** Holder rows read per distinct key of a statement, at most (a key many hold may use more). */
export const HOLDER_ROWS_PER_KEY = 4;

/** What one statement found: the holders of its keys, all of them unless it hit its limit. */
interface Found {
  holders: Map<string, Set<string>>;
  /** Keys of a statement that hit its row limit: a holder of theirs may not have been read. */
  partial: Set<string>;
}

/** One string per key, for maps and sets. */
export const keyId = (k: ProbeKey) => `${k.kind}\u0000${k.value}`;

/**
 * Who holds `keys` in the key index: one plain, bounded read (at most `limit` rows; a key many
 * exceptions hold can use them all). A plain read costs ~2 µs a key in SQLite, where a scalar
 * subquery per key costs ~8: both the coalesced probes below and the group commit's
 * `sharingLinkKeys` read holders this way.
 */
export async function readKeyHolders(
  db: Kysely<StoreDatabase>,
  prepared: PreparedQueries,
  keys: ReadonlyArray<ProbeKey>,
  limit: number,
): Promise<{ kind: string; value: string; exception_id: string }[]> {
  const compiled = prepared.bind(
    `exception-keys.holders-read:${keys.length}`,
    (v) =>
      db
        .selectFrom('exception_keys')
        .select(['kind', 'value', 'exception_id'])
        .where((k) =>
          k.or(
            keys.map((_, j) => k.and([k('kind', '=', v(2 * j)), k('value', '=', v(2 * j + 1))])),
          ),
        )
        .limit(v(2 * keys.length)),
    [...keys.flatMap((k) => [k.kind, k.value]), limit],
  );
  return (await db.executeQuery(compiled)).rows;
}

/**
 * The key-index probes of concurrent callers, one statement for all (issue 17). The worker's
 * deliveries of one micro-batch each ask, before their exception is stored, whether another
 * exception has one of its link keys (`anyKeyOfAnother`): one small statement per event. The
 * probes asked in one turn of the event loop are answered together on the next by one plain
 * index read of the holders of all their distinct keys (chunks of KEYS_PER_STATEMENT). A
 * caller's answer is whether a holder of one of its keys is not its `excludeId`: exactly what its
 * own probe would say. The read is bounded (HOLDER_ROWS_PER_KEY per key): when it hits the bound,
 * a caller it found no other holder for asks its own probe, as does a lone probe.
 */
export class KeyProbes {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Probes asked, and statements run to answer them (tests and the bench). */
  readonly stats = { statements: 0, probes: 0 };

  constructor(
    private readonly db: Kysely<StoreDatabase>,
    private readonly prepared: PreparedQueries,
    private readonly single: (
      keys: ReadonlyArray<ProbeKey>,
      excludeId: string | undefined,
    ) => Promise<boolean>,
  ) {}

  /** Whether any exception but `excludeId` holds one of `keys` (`keys` not empty). */
  probe(keys: ReadonlyArray<ProbeKey>, excludeId: string | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.stats.probes++;
      this.queue.push({ keys, excludeId, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // On the next turn of the loop, so the probes of this turn's deliveries join.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    let found: Found | undefined;
    if (batch.length > 1) {
      try {
        found = await this.holders(batch);
      } catch (err) {
        for (const p of batch) p.reject(err);
        return;
      }
    }
    for (const p of batch) {
      const answer = found && answerOf(p, found);
      if (answer !== undefined) {
        p.resolve(answer);
        continue;
      }
      this.stats.statements++;
      this.single(p.keys, p.excludeId).then(p.resolve, p.reject);
    }
  }

  /** The holders of the distinct keys of `batch`, one bounded statement per chunk. */
  private async holders(batch: Pending[]): Promise<Found> {
    const distinct = new Map<string, ProbeKey>();
    for (const p of batch) for (const k of p.keys) distinct.set(keyId(k), k);
    const keys = [...distinct.values()];
    const found: Found = { holders: new Map(), partial: new Set() };
    for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
      const chunk = keys.slice(i, i + KEYS_PER_STATEMENT);
      const limit = HOLDER_ROWS_PER_KEY * chunk.length;
      this.stats.statements++;
      const rows = await readKeyHolders(this.db, this.prepared, chunk, limit);
      for (const r of rows) {
        const id = keyId(r);
        let holders = found.holders.get(id);
        if (!holders) found.holders.set(id, (holders = new Set()));
        holders.add(r.exception_id);
      }
      if (rows.length >= limit) for (const k of chunk) found.partial.add(keyId(k));
    }
    return found;
  }
}

/** A caller's answer from what the statement found; undefined when only its own probe can say. */
function answerOf(p: Pending, found: Found): boolean | undefined {
  let complete = true;
  for (const k of p.keys) {
    const id = keyId(k);
    for (const holder of found.holders.get(id) ?? []) if (holder !== p.excludeId) return true;
    if (found.partial.has(id)) complete = false;
  }
  return complete ? false : undefined;
}
