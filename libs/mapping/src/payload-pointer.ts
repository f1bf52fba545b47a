import type jsonata from 'jsonata';
import { ROOT_VARIABLE } from './constants';
import type { JsonataFailure } from './expression';

/**
 * Best-effort JSON pointer into the payload for an evaluation error: when the failing argument
 * (or the whole expression) is a plain path such as `data.object.currency`, the pointer is
 * `/data/object/currency`. Anything computed has no pointer.
 */

/** A plain path and whether it starts at the payload root (`$root.…`) or at the current item. */
interface PlainPath {
  segments: string[];
  fromRoot: boolean;
}

/** Variables bound to a plain path in the expression (`$d := data.object`), by name. */
type Aliases = ReadonlyMap<string, PlainPath>;

/**
 * `a.b.c`, `$.a.b`, `$root.a.b`, or `$d.c` where `$d := a.b` → segments; anything with filters
 * or computed steps → undefined.
 */
export function plainPath(
  node: jsonata.ExprNode | undefined,
  aliases: Aliases = new Map(),
): PlainPath | undefined {
  if (!node) return undefined;
  if (node.type === 'name' && !hasStages(node))
    return { segments: [String(node.value)], fromRoot: false };
  if (node.type === 'variable' && !hasStages(node)) return aliases.get(String(node.value));
  // jsonata's typings omit the 'path' node type the parser produces.
  if ((node.type as string) !== 'path' || !node.steps?.length) return undefined;
  const segments: string[] = [];
  let fromRoot = false;
  for (const [i, step] of node.steps.entries()) {
    if (hasStages(step)) return undefined;
    if (i === 0 && step.type === 'variable') {
      const name = String(step.value);
      const alias = aliases.get(name);
      if (name !== '' && name !== ROOT_VARIABLE && !alias) return undefined;
      fromRoot = alias ? alias.fromRoot : name === ROOT_VARIABLE;
      segments.push(...(alias?.segments ?? []));
      continue;
    }
    if (step.type !== 'name') return undefined;
    segments.push(String(step.value));
  }
  return { segments, fromRoot };
}

/** Collects `$name := <plain path>` bindings; a name bound twice is ambiguous and left out. */
function collectAliases(ast: jsonata.ExprNode): Aliases {
  const aliases = new Map<string, PlainPath>();
  const bound = new Set<string>();
  const ambiguous = new Set<string>();
  const seen = new Set<object>();
  const visit = (n: unknown): void => {
    if (n === null || typeof n !== 'object' || seen.has(n)) return;
    seen.add(n);
    const node = n as jsonata.ExprNode;
    if (
      (node.type as string) === 'bind' &&
      !Array.isArray(node.lhs) &&
      node.lhs?.type === 'variable'
    ) {
      const name = String(node.lhs.value);
      if (bound.has(name)) ambiguous.add(name);
      bound.add(name);
      const path = plainPath(node.rhs, aliases);
      if (path) aliases.set(name, path);
    }
    Object.values(n).forEach(visit);
  };
  visit(ast);
  for (const name of ambiguous) aliases.delete(name);
  return aliases;
}

/**
 * The JSON pointer for an error of `ast`, or `''` when it cannot be known. `itemPointer` is where
 * the expression's input sits in the payload (`''` for the payload itself, undefined if unknown).
 */
export function pointerForFailure(
  ast: jsonata.ExprNode,
  failure: JsonataFailure & { argIndex?: number },
  itemPointer: string | undefined,
): string {
  const call = failure.position === undefined ? undefined : findCall(ast, failure.position);
  // T0410 (signature mismatch) carries a 1-based `index`; helpers a 0-based `argIndex`.
  const argIndex =
    failure.argIndex ?? (failure.index !== undefined ? failure.index - 1 : undefined);
  const culprit = call && argIndex !== undefined ? call.arguments?.[argIndex] : ast;
  const path = plainPath(culprit, collectAliases(ast));
  if (!path) return '';
  if (path.fromRoot) return toPointer(path.segments);
  return itemPointer === undefined ? '' : itemPointer + toPointer(path.segments);
}

/** `['a', 'b/c']` → `/a/b~1c`. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function findCall(node: unknown, position: number): jsonata.ExprNode | undefined {
  const seen = new Set<object>();
  const search = (n: unknown): jsonata.ExprNode | undefined => {
    if (n === null || typeof n !== 'object' || seen.has(n)) return undefined;
    seen.add(n);
    const expr = n as jsonata.ExprNode;
    if (!Array.isArray(n) && expr.type === 'function' && expr.position === position) return expr;
    for (const child of Object.values(n)) {
      const found = search(child);
      if (found) return found;
    }
    return undefined;
  };
  return search(node);
}

function hasStages(node: jsonata.ExprNode): boolean {
  const n = node as jsonata.ExprNode & {
    stages?: unknown[];
    predicate?: unknown[];
    group?: unknown;
  };
  return Boolean(n.stages?.length || n.predicate?.length || n.group);
}
