import type { Kysely } from 'kysely';
import type { PreparedQueries } from './prepared';
import type { StoreDatabase } from './schema';

/** A link key as the key index holds it. */
export interface ProbeKey {
  kind: string;
  value: string;
}

/** Distinct keys per statement of a coalesced probe (each count is one compiled shape). */
export const PROBE_KEYS_PER_STATEMENT = 32;

interface Pending {
  keys: ReadonlyArray<ProbeKey>;
  excludeId: string | undefined;
  resolve: (found: boolean) => void;
  reject: (err: unknown) => void;
}

/** The lowest and highest id holding a key (undefined: none does). */
interface Holders {
  first?: string;
  last?: string;
}

const keyId = (k: ProbeKey) => `${k.kind}\u0000${k.value}`;

/**
 * The key-index probes of concurrent callers, one statement for all (issue 17). The worker's
 * deliveries of one micro-batch each ask, before their exception is stored, whether another
 * exception has one of its link keys (`anyKeyOfAnother`): one small statement per event. The
 * probes asked in one turn of the event loop are answered together on the next: per distinct
 * key, the lowest and highest id holding it (two index seeks, whatever the number of holders).
 * A caller's answer is whether one of its keys is held by an id other than its `excludeId`: the
 * lowest or the highest is not `excludeId` — exactly what its own probe would say. A lone probe
 * runs its own statement (`single`), as before.
 */
export class KeyProbes {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Statements run and probes they answered (tests and the bench). */
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
    if (batch.length === 1) {
      const [p] = batch;
      this.stats.statements++;
      this.stats.probes++;
      this.single(p.keys, p.excludeId).then(p.resolve, p.reject);
      return;
    }
    try {
      const holders = await this.holders(batch);
      for (const p of batch) {
        p.resolve(
          p.keys.some((k) => {
            const h = holders.get(keyId(k));
            if (h?.first === undefined) return false;
            return p.excludeId === undefined || h.first !== p.excludeId || h.last !== p.excludeId;
          }),
        );
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  /** Per distinct key of `batch`, its lowest and highest holder. */
  private async holders(batch: Pending[]): Promise<Map<string, Holders>> {
    const distinct = new Map<string, ProbeKey>();
    for (const p of batch) for (const k of p.keys) distinct.set(keyId(k), k);
    const keys = [...distinct.entries()];
    const out = new Map<string, Holders>();
    for (let i = 0; i < keys.length; i += PROBE_KEYS_PER_STATEMENT) {
      const chunk = keys.slice(i, i + PROBE_KEYS_PER_STATEMENT);
      const compiled = this.prepared.bind(
        `exception-keys.probe:${chunk.length}`,
        (v) =>
          this.db.selectNoFrom((eb) =>
            chunk.flatMap((_, j) =>
              (['asc', 'desc'] as const).map((direction) =>
                eb
                  .selectFrom('exception_keys')
                  .select('exception_id')
                  .where('kind', '=', v(2 * j))
                  .where('value', '=', v(2 * j + 1))
                  .orderBy('exception_id', direction)
                  .limit(v(2 * chunk.length))
                  .as(`${direction === 'asc' ? 'f' : 'l'}${j}`),
              ),
            ),
          ),
        [...chunk.flatMap(([, k]) => [k.kind, k.value]), 1],
      );
      this.stats.statements++;
      const { rows } = await this.db.executeQuery(compiled);
      const row = (rows[0] ?? {}) as Record<string, string | null>;
      chunk.forEach(([id], j) => {
        out.set(id, { first: row[`f${j}`] ?? undefined, last: row[`l${j}`] ?? undefined });
      });
    }
    this.stats.probes += batch.length;
    return out;
  }
}
