import type { CompiledQuery, Compilable, QueryId, RootOperationNode } from 'kysely';

/**
 * Kysely queries built and compiled once per shape, then run again with new values (issue 17).
 *
 * Building a query with Kysely's builder and compiling it to SQL costs more CPU than SQLite takes
 * to run the small statements of the worker's hot path (the group commit, the related-exceptions
 * lookup). Here a query is built once with a marker in place of each value; Kysely compiles it to
 * SQL with bound parameters as always, and every later run of the same shape reuses that SQL and
 * only puts its own values, in order, into the parameter list. The SQL is still Kysely's, for the
 * store's dialect; every value is still a bound parameter. A marker that Kysely did not turn into
 * a parameter (inlined into the SQL) fails at the first compile, never silently.
 */

/** A value's place holder while the template is built: `value(i)` is the i-th value of `bind`. */
export type ValueOf = (index: number) => never;

interface Template {
  sql: string;
  /** For each bound parameter of the SQL, which value of `bind` it takes. */
  slots: number[];
  query: RootOperationNode;
  queryId: QueryId;
}

const MARKER = '\u0000exhub-value:';

/** Distinct shapes kept; the hot path has a few dozen (statement × row count). */
export const PREPARED_SHAPES_MAX = 1024;

export class PreparedQueries {
  private readonly templates = new Map<string, Template>();

  /**
   * The compiled query of shape `key` with `values`: built by `build` (with `value(i)` where the
   * i-th value goes) on the first call for `key`, reused afterwards. `key` must name everything
   * that changes the SQL text (which statement, how many rows, which optional conditions).
   */
  bind<R>(
    key: string,
    build: (value: ValueOf) => Compilable<R>,
    values: readonly unknown[],
  ): CompiledQuery<R> {
    let template = this.templates.get(key);
    if (!template) {
      template = compileTemplate(key, build);
      if (this.templates.size >= PREPARED_SHAPES_MAX) this.templates.clear();
      this.templates.set(key, template);
    }
    const parameters = new Array<unknown>(template.slots.length);
    for (let i = 0; i < parameters.length; i++) parameters[i] = values[template.slots[i]];
    return {
      sql: template.sql,
      parameters,
      query: template.query,
      queryId: template.queryId,
    } as CompiledQuery<R>;
  }
}

function compileTemplate<R>(key: string, build: (value: ValueOf) => Compilable<R>): Template {
  let used = 0;
  const value = ((index: number) => {
    used = Math.max(used, index + 1);
    return `${MARKER}${index}`;
  }) as ValueOf;
  const compiled = build(value).compile();
  const seen = new Set<number>();
  const slots = compiled.parameters.map((p) => {
    const index =
      typeof p === 'string' && p.startsWith(MARKER) ? Number(p.slice(MARKER.length)) : Number.NaN;
    if (!Number.isInteger(index)) {
      throw new Error(`prepared query ${key}: a parameter is not one of its values (${String(p)})`);
    }
    seen.add(index);
    return index;
  });
  if (seen.size !== used || compiled.sql.includes(MARKER)) {
    throw new Error(`prepared query ${key}: a value was not bound as a parameter`);
  }
  return {
    sql: compiled.sql,
    slots,
    query: compiled.query,
    queryId: compiled.queryId,
  };
}
