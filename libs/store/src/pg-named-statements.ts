import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type { Pool, PoolClient } from 'pg';

/**
 * Named (server-side prepared) statements for Kysely on PostgreSQL.
 *
 * Kysely's PostgreSQL driver sends every query through `pg` unnamed: PostgreSQL parses and plans
 * each one again, every time. The hub's queries are a fixed set of texts (the group commit's
 * multi-row statements: one text per row count), so here each text with parameters gets a name
 * the first time it runs; `pg` then parses it once per connection and sends only Bind/Execute
 * after, and PostgreSQL can keep a generic plan.
 *
 * Bounded: at most `maxNames` distinct texts get a name (a text past that runs unnamed, as
 * before), so a query built with a varying number of parameters cannot grow every backend's
 * statement cache without end. A statement whose cached plan PostgreSQL refuses (`0A000`, "cached
 * plan must not change result type": a table it reads was altered under it, e.g. by another
 * process's migration) fails once like any failed statement, and from then on this pool names
 * nothing: every query runs unnamed, as it did before this wrapper.
 */
export function withNamedStatements(
  pool: Pool,
  maxNames = MAX_NAMED_STATEMENTS,
): NamedStatementPool {
  return new NamedStatementPool(pool, maxNames);
}

/** Distinct statement texts named per process (each backend keeps one plan per name it ran). */
export const MAX_NAMED_STATEMENTS = 512;
/** PostgreSQL's "feature not supported", which "cached plan must not change result type" carries. */
const CACHED_PLAN_CHANGED = '0A000';

export class NamedStatementPool implements PostgresPool {
  private readonly names = new Map<string, string>();
  /** Off after a cached plan was refused: every query runs unnamed from then on. */
  named = true;

  constructor(
    readonly pool: Pool,
    private readonly maxNames: number,
  ) {}

  /** What Kysely reads of the pool for query cancellation (its control connection). */
  get options(): object {
    return this.pool.options;
  }
  get Client(): PostgresPool['Client'] {
    return (this.pool as unknown as { Client?: PostgresPool['Client'] }).Client;
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    return new NamedStatementClient(client, this);
  }

  async end(): Promise<void> {
    await this.pool.end();
  }

  /** The name for a statement text, or undefined to run it unnamed. */
  nameFor(text: string): string | undefined {
    if (!this.named) return undefined;
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= this.maxNames) return known;
    const name = `exhub_${this.names.size + 1}`;
    this.names.set(text, name);
    return name;
  }

  /** Called with a failed statement's error. */
  failed(err: unknown): void {
    if ((err as { code?: string } | null)?.code === CACHED_PLAN_CHANGED) this.named = false;
  }
}

class NamedStatementClient implements PostgresPoolClient {
  constructor(
    private readonly client: PoolClient,
    private readonly owner: NamedStatementPool,
  ) {}

  // Kysely calls query(text, parameters) for its statements and query(cursor) for streams.
  query(...args: unknown[]): never {
    const [text, values] = args;
    const name =
      typeof text === 'string' && Array.isArray(values) && values.length > 0
        ? this.owner.nameFor(text)
        : undefined;
    if (name === undefined) {
      return (this.client.query as (...a: unknown[]) => never).apply(this.client, args);
    }
    // Only a named statement has a cached plan PostgreSQL can refuse.
    const run = this.client.query({ name, text: text as string, values: values as unknown[] });
    run.catch((err: unknown) => this.owner.failed(err));
    return run as never;
  }

  /** The backend's process id (Kysely reads it to cancel a query). */
  get processID(): number | undefined {
    return (this.client as unknown as { processID?: number }).processID;
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}
