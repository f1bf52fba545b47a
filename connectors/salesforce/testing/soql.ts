/**
 * The simulator's SOQL: enough of the language to answer what the connector asks, the way
 * Salesforce would. `SELECT` lists with dotted relationship fields and child subqueries,
 * `FROM`, `WHERE` (`= != <> < <= > >=`, `IN`/`NOT IN` with values or a semi-join subquery,
 * `AND OR NOT`, parentheses; string, number, boolean, null, date and datetime literals),
 * `ORDER BY` (ASC/DESC, several fields) and `LIMIT`. Anything else is a `MALFORMED_QUERY`, and so
 * is a semi-join or anti-join under OR or NOT, as Salesforce refuses them.
 */

export class SoqlError extends Error {}

type Token = { t: 'str' | 'num' | 'dt' | 'id' | 'op' | 'punct'; v: string };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    if (rest[0] === "'") {
      let v = '';
      let j = 1;
      for (; j < rest.length && rest[j] !== "'"; j++) {
        if (rest[j] === '\\') j++;
        v += rest[j] ?? '';
      }
      if (j >= rest.length) throw new SoqlError(`unterminated string literal at ${i}`);
      out.push({ t: 'str', v });
      i += j + 1;
      continue;
    }
    const dt = DATETIME.exec(rest) ?? DATE.exec(rest);
    if (dt) {
      out.push({ t: 'dt', v: dt[0] });
      i += dt[0].length;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(rest);
    if (num) {
      out.push({ t: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const op = /^(?:!=|<>|<=|>=|=|<|>)/.exec(rest);
    if (op) {
      out.push({ t: 'op', v: op[0] === '<>' ? '!=' : op[0] });
      i += op[0].length;
      continue;
    }
    if ('(),'.includes(rest[0])) {
      out.push({ t: 'punct', v: rest[0] });
      i++;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw new SoqlError(`unexpected character '${rest[0]}' at ${i}`);
  }
  return out;
}

export type Literal = string | number | boolean | null | { dt: number };
export type Condition =
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition }
  | { field: string; op: string; value: Literal }
  | { field: string; in: Literal[]; negate: boolean }
  | { field: string; semiJoin: Query; negate: boolean };

export interface Query {
  select: ({ field: string } | { sub: Query })[];
  from: string;
  where?: Condition;
  orderBy: { field: string; desc: boolean }[];
  limit?: number;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private kw(word: string): boolean {
    const t = this.peek();
    if (t?.t === 'id' && t.v.toUpperCase() === word) {
      this.i++;
      return true;
    }
    return false;
  }
  private expect(v: string): void {
    const t = this.tokens[this.i++];
    if (!t || t.v.toUpperCase() !== v) throw new SoqlError(`expected ${v}, got ${t?.v ?? 'end'}`);
  }
  private ident(): string {
    const t = this.tokens[this.i++];
    if (t?.t !== 'id') throw new SoqlError(`expected a field name, got ${t?.v ?? 'end'}`);
    return t.v;
  }

  query(): Query {
    this.expect('SELECT');
    const select: Query['select'] = [];
    do {
      if (this.peek()?.v === '(') {
        this.i++;
        select.push({ sub: this.query() });
        this.expect(')');
      } else select.push({ field: this.ident() });
    } while (this.peek()?.v === ',' && ++this.i);
    this.expect('FROM');
    const q: Query = { select, from: this.ident(), orderBy: [] };
    if (this.kw('WHERE')) q.where = this.or();
    if (this.kw('ORDER')) {
      this.expect('BY');
      do {
        const field = this.ident();
        const desc = this.kw('DESC');
        if (!desc) this.kw('ASC');
        q.orderBy.push({ field, desc });
      } while (this.peek()?.v === ',' && ++this.i);
    }
    if (this.kw('LIMIT')) {
      const t = this.tokens[this.i++];
      if (t?.t !== 'num') throw new SoqlError('LIMIT needs a number');
      q.limit = Number(t.v);
    }
    return q;
  }

  done(): void {
    if (this.i < this.tokens.length)
      throw new SoqlError(`unexpected token '${this.tokens[this.i].v}'`);
  }

  private or(): Condition {
    const parts = [this.and()];
    while (this.kw('OR')) parts.push(this.and());
    return parts.length === 1 ? parts[0] : { or: parts };
  }
  private and(): Condition {
    const parts = [this.not()];
    while (this.kw('AND')) parts.push(this.not());
    return parts.length === 1 ? parts[0] : { and: parts };
  }
  private not(): Condition {
    if (this.kw('NOT')) return { not: this.not() };
    if (this.peek()?.v === '(') {
      this.i++;
      const c = this.or();
      this.expect(')');
      return c;
    }
    const field = this.ident();
    const negate = this.kw('NOT');
    if (this.kw('IN')) {
      this.expect('(');
      if (this.peek()?.t === 'id' && this.peek()!.v.toUpperCase() === 'SELECT') {
        const sub = this.query();
        this.expect(')');
        return { field, semiJoin: sub, negate };
      }
      const values: Literal[] = [];
      do values.push(this.literal());
      while (this.peek()?.v === ',' && ++this.i);
      this.expect(')');
      return { field, in: values, negate };
    }
    if (negate) throw new SoqlError(`expected IN after ${field} NOT`);
    const op = this.tokens[this.i++];
    if (op?.t !== 'op') throw new SoqlError(`expected an operator after ${field}`);
    return { field, op: op.v, value: this.literal() };
  }
  private literal(): Literal {
    const t = this.tokens[this.i++];
    if (!t) throw new SoqlError('expected a value, got end');
    if (t.t === 'str') return t.v;
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'dt') return { dt: toMillis(t.v)! };
    if (t.t === 'id' && /^(true|false)$/i.test(t.v)) return t.v.toLowerCase() === 'true';
    if (t.t === 'id' && /^null$/i.test(t.v)) return null;
    throw new SoqlError(`expected a value, got ${t.v}`);
  }
}

export function parseSoql(soql: string): Query {
  const p = new Parser(tokenize(soql));
  const q = p.query();
  p.done();
  checkJoins(q);
  return q;
}

/**
 * Salesforce's placement rules for semi-joins (`IN (SELECT …)`) and anti-joins (`NOT IN (SELECT
 * …)`): never under OR, and otherwise only as a term of the top-level AND of a WHERE clause.
 */
function checkJoins(q: Query): void {
  const walk = (c: Condition, under: 'top' | 'or' | 'nested'): void => {
    if ('and' in c) c.and.forEach((x) => walk(x, under));
    else if ('or' in c) c.or.forEach((x) => walk(x, 'or'));
    else if ('not' in c) walk(c.not, under === 'or' ? 'or' : 'nested');
    else if ('semiJoin' in c) {
      const kind = c.negate ? 'Anti join' : 'Semi join';
      if (under === 'or')
        throw new SoqlError(`${kind} sub-selects are not allowed with the 'OR' operator`);
      if (under === 'nested')
        throw new SoqlError(
          `${kind} sub-selects are only allowed at the top level WHERE expressions and not in ` +
            'nested WHERE expressions.',
        );
      checkJoins(c.semiJoin);
    }
  };
  if (q.where) walk(q.where, 'top');
  for (const item of q.select) if ('sub' in item) checkJoins(item.sub);
}

/** Milliseconds of a Salesforce date or datetime (`+0000` offsets included). */
export function toMillis(v: string): number | undefined {
  if (!DATETIME.test(v) && !DATE.test(v)) return undefined;
  const ms = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? undefined : ms;
}

export type Row = Record<string, unknown>;

/** The value at a dotted path (`Account.Owner.Name`), undefined past a null relationship. */
export function valueAt(row: Row, path: string): unknown {
  let v: unknown = row;
  for (const part of path.split('.')) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    v = (v as Row)[part];
  }
  return v;
}

function compare(a: unknown, b: Literal): number | undefined {
  if (b === null || a === null || a === undefined) return undefined;
  if (typeof b === 'object') {
    const ms = typeof a === 'string' ? toMillis(a) : undefined;
    return ms === undefined ? undefined : Math.sign(ms - b.dt);
  }
  if (typeof b === 'number' && typeof a === 'number') return Math.sign(a - b);
  if (typeof b === 'boolean') return a === b ? 0 : undefined;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function equals(a: unknown, b: Literal): boolean {
  if (b === null) return a === null || a === undefined;
  return compare(a, b) === 0;
}

/** Child records of a relationship (`CaseMilestones`) or of an object name (`CaseMilestone`). */
export type Children = (row: Row, object: string) => Row[];

export function matches(c: Condition, row: Row, children: Children): boolean {
  if ('and' in c) return c.and.every((x) => matches(x, row, children));
  if ('or' in c) return c.or.some((x) => matches(x, row, children));
  if ('not' in c) return !matches(c.not, row, children);
  const v = valueAt(row, c.field);
  if ('in' in c) return c.in.some((x) => equals(v, x)) !== c.negate;
  if ('semiJoin' in c) {
    const sub = c.semiJoin;
    const found = children(row, sub.from).some(
      (child) => !sub.where || matches(sub.where, child, children),
    );
    return found !== c.negate;
  }
  switch (c.op) {
    case '=':
      return equals(v, c.value);
    case '!=':
      return !equals(v, c.value);
    default: {
      const d = compare(v, c.value);
      if (d === undefined) return false;
      return c.op === '<' ? d < 0 : c.op === '<=' ? d <= 0 : c.op === '>' ? d > 0 : d >= 0;
    }
  }
}

export function sortRows(rows: Row[], orderBy: Query['orderBy']): Row[] {
  return [...rows].sort((a, b) => {
    for (const { field, desc } of orderBy) {
      const [x, y] = [valueAt(a, field), valueAt(b, field)];
      const xs = typeof x === 'string' ? (toMillis(x) ?? x) : x;
      const ys = typeof y === 'string' ? (toMillis(y) ?? y) : y;
      if (xs === ys) continue;
      if (xs === null || xs === undefined) return desc ? 1 : -1;
      if (ys === null || ys === undefined) return desc ? -1 : 1;
      const d = (xs as number | string) < (ys as number | string) ? -1 : 1;
      return desc ? -d : d;
    }
    return 0;
  });
}
