/**
 * A small OData v2 `$filter` evaluator for the simulator: comparisons (`eq ne gt ge lt le`) of a
 * property with a string, `datetime'…'` or number literal, combined with `and`, `or`, `not` and
 * parentheses. Enough for what the connector sends; anything else is refused like SAP does (400).
 */
type Node =
  | { op: 'and' | 'or'; left: Node; right: Node }
  | { op: 'not'; arg: Node }
  | { op: 'cmp'; cmp: string; prop: string; value: string | number };

const TOKEN = /\s*(\(|\)|datetime'[^']*'|'(?:[^']|'')*'|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*)/y;
const COMPARATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const SAP_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;

export class ODataFilterError extends Error {}

function tokenize(s: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < s.length) {
    if (/^\s*$/.test(s.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(s);
    if (!m) throw new ODataFilterError(`invalid token at position ${at} of $filter`);
    out.push(m[1]);
  }
  return out;
}

function literal(tok: string | undefined): string | number {
  if (tok === undefined) throw new ODataFilterError('a comparison lacks its value');
  if (tok.startsWith("datetime'")) {
    const iso = tok.slice(9, -1);
    const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
    if (Number.isNaN(ms)) throw new ODataFilterError(`invalid datetime literal ${tok}`);
    return ms;
  }
  if (tok.startsWith("'")) return tok.slice(1, -1).replace(/''/g, "'");
  if (/^-?\d/.test(tok)) return Number(tok);
  throw new ODataFilterError(`expected a literal, found ${tok}`);
}

export function parseFilter(s: string): Node {
  const toks = tokenize(s);
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const expr = (): Node => {
    let left = term();
    while (peek() === 'or') {
      i++;
      left = { op: 'or', left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = factor();
    while (peek() === 'and') {
      i++;
      left = { op: 'and', left, right: factor() };
    }
    return left;
  };
  const factor = (): Node => {
    const t = toks[i++];
    if (t === '(') {
      const inner = expr();
      if (toks[i++] !== ')') throw new ODataFilterError('missing ) in $filter');
      return inner;
    }
    if (t === 'not') return { op: 'not', arg: factor() };
    const cmp = toks[i++];
    if (t === undefined || !/^[A-Za-z_]/.test(t) || !cmp || !COMPARATORS.has(cmp)) {
      throw new ODataFilterError(
        `expected "<Property> <eq|ne|gt|ge|lt|le> <value>" near ${t ?? 'end'}`,
      );
    }
    return { op: 'cmp', cmp, prop: t, value: literal(toks[i++]) };
  };
  const node = expr();
  if (i !== toks.length) throw new ODataFilterError(`unexpected ${toks[i]} in $filter`);
  return node;
}

function valueOf(entity: Record<string, unknown>, prop: string): string | number | undefined {
  const v = entity[prop];
  if (typeof v === 'string') {
    const d = SAP_DATE.exec(v);
    return d ? Number(d[1]) : v;
  }
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return undefined;
  return String(v);
}

export function matches(node: Node, entity: Record<string, unknown>): boolean {
  switch (node.op) {
    case 'and':
      return matches(node.left, entity) && matches(node.right, entity);
    case 'or':
      return matches(node.left, entity) || matches(node.right, entity);
    case 'not':
      return !matches(node.arg, entity);
    case 'cmp': {
      if (!(node.prop in entity)) throw new ODataFilterError(`unknown property ${node.prop}`);
      const a = valueOf(entity, node.prop) ?? '';
      const b = node.value;
      const c = a < b ? -1 : a > b ? 1 : 0;
      return { eq: c === 0, ne: c !== 0, gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0 }[
        node.cmp as 'eq'
      ];
    }
  }
}
