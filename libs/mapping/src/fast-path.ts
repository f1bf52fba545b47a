/**
 * A compiled fast path for the JSONata shapes mappings use: paths (with filters, array
 * constructors first or last, and positional `#$i` bindings), literals, blocks with `:=` variables, conditions (`? :`, `?:`,
 * `??`), `&`, comparisons, `in`, `and`/`or`, arithmetic, array and object constructors, lambdas
 * bound with `:=` and called by name, regex literals as the pattern of `$replace`, `$contains`,
 * `$match` and `$split`, and calls of the hub's helpers and of the JSONata built-ins in BUILTINS.
 * Each shape is turned once, at load, into a plain JavaScript closure that follows JSONata 2.x's
 * own evaluation rules (sequences, singleton unwrapping, effective booleans, `$string` casting,
 * its `$n` replacement syntax), so a mapping runs without JSONata's per-node async machinery.
 *
 * Two ways back to JSONata itself, so the output never differs:
 * - at load, an expression that uses anything else (a lambda as a value, `~>`, sorting, `..`,
 *   context `@` bindings, a filter on a step of a `#` tuple stream, functions not listed here, …) gets no fast path;
 * - at run time, any case the closures do not cover to the letter (a type error JSONata would
 *   report, an array as the whole input, a helper that throws or returns a promise, a zero-length
 *   regex match, a date picture with names, a string past `maxStringLength`) throws `FallBack`,
 *   and the caller evaluates the same expression with JSONata, which then gives its own result or
 *   error.
 * A differential test runs every golden case of every shipped mapping both ways and requires
 * identical output (fast-path.spec.ts and the registry's cases).
 *
 * Why it is safe without JSONata's guardrails: the closures recurse only as deep as the
 * expression (a lambda body calls no lambda, so nothing recurses with the data), loop only over
 * the payload's own arrays, and call no built-in whose cost an argument can blow up: `$pad` is
 * not here, a string past `maxStringLength` goes to JSONata's guarded built-ins, and a regex
 * literal passed the load-time check for catastrophic backtracking (guards.ts) — its native call
 * costs the same here as in JSONata, whose time limit cannot interrupt it either.
 */

import { DEFAULT_LIMITS } from './constants';
import { GUARDED_BUILTINS } from './guards';

/** Thrown when the fast path does not cover a case: evaluate with JSONata instead. */
export class FallBack extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'FallBack';
  }
}

/** A JSONata AST node, as `jsonata(text).ast()` returns it (only the members read here). */
interface Node {
  type: string;
  value?: unknown;
  steps?: Node[];
  stages?: { type: string; expr: Node }[];
  predicate?: { type: string; expr: Node }[];
  lhs?: Node | [Node, Node][];
  rhs?: Node;
  expression?: Node;
  expressions?: Node[];
  condition?: Node;
  then?: Node;
  else?: Node;
  arguments?: Node[];
  procedure?: Node;
  body?: Node;
  thunk?: boolean;
  consarray?: boolean;
  [other: string]: unknown;
}

/** Members a node may have for the fast path to take it; anything else (focus, tuple, group, keepArray, consarray…) means JSONata. */
const KNOWN_MEMBERS = new Set([
  'type',
  'value',
  'position',
  'steps',
  'stages',
  'predicate',
  'lhs',
  'rhs',
  'expression',
  'expressions',
  'condition',
  'then',
  'else',
  'arguments',
  'procedure',
  // lambdas: `function($a) { body }` bound by `:=` in a block, and the tail-call thunks JSONata's
  // parser wraps a lambda's tail calls in
  'body',
  'thunk',
  'signature',
  // an array constructor first or last in a path (see path())
  'consarray',
  // a positional binding `step#$i` (see tupleStream())
  'index',
  'tuple',
]);

type Sequence = unknown[] & { sequence: true };
type Evaluate = (input: unknown, scope: Scope) => unknown;
type Helper = (...args: unknown[]) => unknown;

/** A block's slot for a name its `:=` has not bound yet (see Scope.block); never a value. */
const UNBOUND: unknown = Object.freeze({ unbound: true });

/**
 * Variables in force: a block's frame over its parent's, as in JSONata; the outermost frame
 * reads the caller's bindings ($root, $index) and `$$`, the input.
 */
class Scope {
  /** This frame's variables, names and values side by side: a block binds a handful, and a scan of a few interned strings is cheaper than a Map. */
  private names: string[] | undefined;
  private values: unknown[] | undefined;
  /** Whether `names` is a block's list of the names it binds (see Scope.block), shared by its frames: copied before a name is added. */
  private shared = false;
  /** The calls computed for this evaluation's item (see CallMemo): the outermost frame's, shared by every frame. */
  readonly memo: CallMemo | undefined;
  constructor(
    private readonly parent: Scope | undefined,
    private readonly bindings?: Readonly<Record<string, unknown>>,
    private readonly root?: unknown,
    memo?: CallMemo,
  ) {
    this.memo = parent === undefined ? memo : parent.memo;
  }

  bind(name: string, value: unknown): void {
    if (this.names === undefined) {
      this.names = [name];
      this.values = [value];
      return;
    }
    const at = this.names.indexOf(name);
    if (at >= 0) (this.values as unknown[])[at] = value;
    else {
      if (this.shared) {
        this.names = this.names.slice();
        this.shared = false;
      }
      this.names.push(name);
      (this.values as unknown[]).push(value);
    }
  }

  /**
   * `bind(name, value)` where the compiler expects `name` at `slot` of this frame (a `:=` of the
   * block whose frame this is): no search when it is there, bind's own search otherwise (a
   * frame's names are distinct, so both find the same slot).
   */
  bindAt(slot: number, name: string, value: unknown): void {
    const names = this.names;
    if (names !== undefined && names[slot] === name) (this.values as unknown[])[slot] = value;
    else this.bind(name, value);
  }

  /**
   * A block's frame over `parent`, with a slot for each name the block binds (`names`, shared
   * by all its frames), every slot UNBOUND (`unbound`, copied) until its `:=` runs: lookups read
   * through an UNBOUND slot to the frames above, as they read through a name not bound yet.
   */
  static block(parent: Scope, names: string[], unbound: readonly unknown[]): Scope {
    const frame = new Scope(parent);
    frame.names = names;
    frame.values = unbound.slice();
    frame.shared = true;
    return frame;
  }

  /** A frame over `parent` with the first `count` of `names` bound to `values` (its own copies). */
  static over(
    parent: Scope,
    names: readonly string[],
    count: number,
    values: readonly unknown[],
  ): Scope {
    const frame = new Scope(parent);
    if (count > 0) {
      frame.names = names.slice(0, count);
      frame.values = values.slice(0, count);
    }
    return frame;
  }

  /** The innermost frame's value of `name`: a loop up the frames, not a call per frame. */
  lookup(name: string): unknown {
    return Scope.find(this, name);
  }

  private static find(start: Scope, name: string): unknown {
    let frame = start;
    for (;;) {
      const names = frame.names;
      if (names !== undefined) {
        for (let i = 0; i < names.length; i++) {
          if (names[i] === name) {
            const value = (frame.values as unknown[])[i];
            if (value !== UNBOUND) return value;
            break;
          }
        }
      }
      if (frame.parent === undefined) break;
      frame = frame.parent;
    }
    if (name === '$') return frame.root;
    const bindings = frame.bindings;
    return bindings && Object.prototype.hasOwnProperty.call(bindings, name)
      ? bindings[name]
      : undefined;
  }
}

/**
 * Results of calls, for the expressions of one item: a call compiled as memoized (see
 * FastOptions.memoize) computes its result once per distinct argument list and hands the same
 * result to every later call with those arguments (compared with `===`). Only for pure helpers
 * and built-ins, whose results no closure modifies; one memo must not outlive the item (its
 * payload could change after it). By the call's slot: its arguments and result so far, one
 * after the other (an item usually makes a call with one list of arguments).
 */
export type CallMemo = unknown[][];

/** A compiled expression: run it against one input with the mapping's bindings ($root, $index). */
export interface FastExpression {
  /** `memo`: shared by the expressions run for one item, which reuse each other's memoized calls. */
  run(input: unknown, bindings: Readonly<Record<string, unknown>>, memo?: CallMemo): unknown;
}

/** How to compile an expression (see compileFast). */
export interface FastOptions {
  /**
   * The calls to memoize in a CallMemo, by callKey, each with its slot in the memo: calls of
   * pure helpers (HelperFunction's `pure`) and built-ins that the mapping makes more than once
   * (repeatedCalls). Any other call is computed every time.
   */
  memoize?: ReadonlyMap<string, number>;
}

/**
 * The fast path of one expression, or undefined when it uses a shape not covered here.
 * `helpers`: the functions registered on the expression (the hub's helpers and lookups), which
 * take precedence over JSONata's built-ins of the same name, as registration does in JSONata.
 */
export function compileFast(
  ast: unknown,
  helpers: ReadonlyMap<string, Helper>,
  maxStringLength: number = DEFAULT_LIMITS.maxStringLength,
  options: FastOptions = {},
): FastExpression | undefined {
  const compiled = compileOrExplain(ast, helpers, maxStringLength, options);
  return typeof compiled === 'string' ? undefined : compiled;
}

/**
 * Why an expression gets no fast path (the first shape not covered, e.g. `$pad` or `stage
 * index`), or undefined when it has one: what the bench and coverage reports print.
 */
export function fastPathGap(
  ast: unknown,
  helpers: ReadonlyMap<string, Helper>,
): string | undefined {
  const compiled = compileOrExplain(ast, helpers, DEFAULT_LIMITS.maxStringLength);
  return typeof compiled === 'string' ? compiled : undefined;
}

function compileOrExplain(
  ast: unknown,
  helpers: ReadonlyMap<string, Helper>,
  maxStringLength: number,
  options: FastOptions = {},
): FastExpression | string {
  let evaluate: Evaluate;
  try {
    const names = boundNames(ast as Node);
    const compiler = new Compiler(helpers, names, maxStringLength, options.memoize);
    evaluate = compiler.node(ast as Node);
  } catch (err) {
    if (err instanceof Unsupported) return err.message;
    throw err;
  }
  return {
    run(input, bindings, memo) {
      // JSONata wraps an array input in an outer sequence with rules of its own: leave it to JSONata.
      if (Array.isArray(input)) throw new FallBack('array input');
      return evaluate(input, new Scope(undefined, bindings, input, memo));
    },
  };
}

/**
 * What FastOptions.memoize knows a call by: the function's name and how many arguments it is
 * given (`lookup/2`). Calls with the same key share a slot, and so each other's results for the
 * same arguments, whichever expression makes them (the same function of the same arguments).
 */
export function callKey(node: unknown): string | undefined {
  const n = node as Node;
  if (n.type !== 'function' || n.procedure?.type !== 'variable') return undefined;
  return `${String(n.procedure.value)}/${(n.arguments ?? []).length}`;
}

/**
 * The calls in `asts` worth memoizing, each with its slot: those of a helper `pure` names, or
 * of a built-in in MEMOIZED_BUILTINS (a name no helper has), made more than once with the same
 * number of arguments (by callKey). What FastOptions.memoize takes.
 */
export function repeatedCalls(
  asts: readonly unknown[],
  helpers: ReadonlyMap<string, Helper>,
  pure: ReadonlySet<string>,
): Map<string, number> {
  const counts = new Map<string, number>();
  walkNodes(asts, (n) => {
    const procedure = n.procedure;
    if (n.type === 'function' && procedure?.type === 'variable') {
      const name = String(procedure.value);
      if (helpers.has(name) ? pure.has(name) : MEMOIZED_BUILTINS.has(name)) {
        const key = callKey(n) as string;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  });
  const repeated = [...counts].filter(([, count]) => count > 1).map(([key]) => key);
  return new Map(repeated.map((key, slot) => [key, slot]));
}

/**
 * Calls `visit` on every node of an AST (objects, also inside arrays of arrays), parents first;
 * a node for which it returns false is not descended into. Regex literals are values, not nodes.
 */
function walkNodes(root: unknown, visit: (node: Node) => boolean | void): void {
  if (root === null || typeof root !== 'object' || root instanceof RegExp) return;
  if (Array.isArray(root)) {
    for (const item of root) walkNodes(item, visit);
    return;
  }
  if (visit(root as Node) === false) return;
  for (const value of Object.values(root)) walkNodes(value, visit);
}

/** Thrown at compile time for a shape the fast path does not take. */
class Unsupported extends Error {}

/** The variable names an expression binds: to lambdas, and to anything else. */
interface BoundNames {
  /** Every name bound with `:=` or as a lambda parameter (such a name is not a built-in we call). */
  all: Set<string>;
  /** Names bound to a lambda (`$f := function($x) { … }`): called by name, never read as values. */
  lambdas: Set<string>;
}

/**
 * Every variable name an expression binds. A name bound to a lambda must be bound to nothing
 * else (no other `:=`, no parameter of that name): its calls are then calls of a lambda.
 */
function boundNames(root: Node): BoundNames {
  const all = new Set<string>();
  const lambdas = new Set<string>();
  const others = new Set<string>();
  walkNodes(root, (node) => {
    if (node.type === 'bind' && node.lhs && !Array.isArray(node.lhs)) {
      const name = String(node.lhs.value);
      all.add(name);
      const rhs = node.rhs;
      if (rhs?.type === 'lambda' && rhs.thunk !== true) lambdas.add(name);
      else others.add(name);
    }
    if (node.type === 'lambda' && node.thunk !== true) {
      for (const param of node.arguments ?? []) {
        all.add(String(param.value));
        others.add(String(param.value));
      }
    }
  });
  for (const name of lambdas) {
    if (others.has(name)) throw new Unsupported(`$${name} is bound to a lambda and to a value`);
  }
  return { all, lambdas };
}

/**
 * A lambda's value: its parameters and body, with the input and variables in force where it was
 * defined (JSONata's closure). Only ever called by name, so it never reaches a result.
 */
class FastLambda {
  constructor(
    private readonly params: readonly string[],
    private readonly body: Evaluate,
    private readonly input: unknown,
    private readonly scope: Scope,
  ) {}

  /** JSONata's applyProcedure: a frame over the closure's, each parameter bound (missing: undefined). */
  call(args: readonly unknown[]): unknown {
    const frame = new Scope(this.scope);
    for (let i = 0; i < this.params.length; i++) frame.bind(this.params[i], args[i]);
    return this.body(this.input, frame);
  }
}

/** Every regex literal's FastRegex, by `/source/flags` (see sharedRegex). */
const REGEXES = new Map<string, FastRegex>();

/** How many replacement texts a FastRegex keeps compiled. */
const MAX_TEMPLATES = 16;

/**
 * The FastRegex of a regex literal, one per source and flags for the process: memoized calls
 * with the same literal in two expressions then have the same arguments (a FastRegex keeps no
 * state from one call to the next but its compiled replacements, each the same for every call).
 */
function sharedRegex(literal: RegExp): FastRegex {
  const key = `/${literal.source}/${literal.flags}`;
  let regex = REGEXES.get(key);
  if (regex === undefined) {
    regex = new FastRegex(literal);
    REGEXES.set(key, regex);
  }
  return regex;
}

/** A regex literal, as JSONata's matcher runs it: a fresh `lastIndex` for every search. */
class FastRegex {
  private readonly re: RegExp;
  /** How many capture groups the regex has: every match's `groups` has that length. */
  readonly groupCount: number;
  /** Replacement texts `$replace` used with this regex, compiled (see Template): a few at most. */
  private readonly templates = new Map<string, Template>();
  constructor(literal: RegExp) {
    this.re = new RegExp(literal);
    // An empty alternative matches the empty string: the match has one slot per group.
    this.groupCount =
      (new RegExp(`${literal.source}|`, literal.flags).exec('') as unknown[]).length - 1;
  }

  /** Whether the regex matches anywhere in `str` (`$contains`): no match object built. */
  test(str: string): boolean {
    this.re.lastIndex = 0;
    return this.re.test(str);
  }

  /**
   * `replacement` compiled for this regex's groups, kept for the next call: a mapping's
   * replacements are literals, a few per regex; one built from the payload is not kept past
   * MAX_TEMPLATES.
   */
  template(replacement: string): Template {
    let template = this.templates.get(replacement);
    if (template === undefined) {
      template = compileTemplate(replacement, this.groupCount);
      if (this.templates.size < MAX_TEMPLATES) this.templates.set(replacement, template);
    }
    return template;
  }

  /**
   * `$replace(str, regex, replacement)` without a limit, `replacement` compiled (template): the
   * matches `all` gives, each replaced as JSONata does, FallBack on a zero-length match and
   * on a result past `maxLength` (checked after each match, as replaceRegex's loop does), but no
   * match object per match, and the replacement text read once, not once per match. (A loop of
   * `exec`: the engine's global `String.prototype.replace` took longer, with a function or a
   * replacement string.)
   */
  replaceAll(str: string, template: Template, maxLength: number): string {
    const re = this.re;
    let result = '';
    let position = 0;
    re.lastIndex = 0;
    for (;;) {
      const m = re.exec(str);
      if (m === null) break;
      const match = m[0];
      if (match === '') throw new FallBack('zero-length regex match');
      result += str.substring(position, m.index) + renderTemplate(template, m);
      if (result.length > maxLength) throw new FallBack('$replace result too long');
      position = m.index + match.length;
      // JSONata's next(): no search from the end of the string.
      if (position >= str.length) break;
      re.lastIndex = position;
    }
    return result + str.substring(position);
  }

  /** The first match at or after `from`: JSONata's match object (match, start, end, groups). */
  exec(str: string, from = 0): RegexMatch | undefined {
    this.re.lastIndex = from;
    const m = this.re.exec(str);
    if (m === null) return undefined;
    return { match: m[0], start: m.index, end: m.index + m[0].length, groups: m.slice(1) };
  }

  /**
   * Every match in order, as JSONata's `next()` walks them (each search starts where the last
   * match ended, none once the end of the string is reached), at most `limit`. A zero-length
   * match falls back: JSONata refuses it (D1004) when it is not the last.
   */
  all(str: string, limit?: number): RegexMatch[] {
    const matches: RegexMatch[] = [];
    let m = this.exec(str);
    while (m !== undefined && (limit === undefined || matches.length < limit)) {
      if (m.match === '') throw new FallBack('zero-length regex match');
      matches.push(m);
      if (m.end >= str.length) break;
      m = this.exec(str, m.end);
    }
    return matches;
  }
}

interface RegexMatch {
  match: string;
  start: number;
  end: number;
  groups: (string | undefined)[];
}

/**
 * A `$replace` replacement text read once for a regex with `groupCount` groups: literal text,
 * and group numbers (0: the whole match) in place of JSONata's `$n`.
 */
interface Template {
  parts: (string | number)[];
}

/** The replacement text of one match: `groups[0]` the match, `groups[n]` group n (as `exec` gives them). */
function renderTemplate(template: Template, groups: ArrayLike<string | undefined>): string {
  const parts = template.parts;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    out += typeof part === 'string' ? part : (groups[part] ?? '');
  }
  return out;
}

/**
 * JSONata's reading of a replacement text (`$$` a dollar, `$0` the match, `$n` group n: as many
 * digits as the regex has groups can have, one fewer when that number is past them), done once,
 * with each group reference kept as its number. A reference to a group the regex does not have
 * adds nothing, as in JSONata.
 */
function compileTemplate(replacement: string, groupCount: number): Template {
  const parts: (string | number)[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push(literal);
    literal = '';
  };
  let position = 0;
  let index = replacement.indexOf('$', position);
  while (index !== -1 && position < replacement.length) {
    literal += replacement.substring(position, index);
    position = index + 1;
    const dollarVal = replacement.charAt(position);
    if (dollarVal === '$') {
      literal += '$';
      position++;
    } else if (dollarVal === '0') {
      flush();
      parts.push(0);
      position++;
    } else {
      const maxDigits = groupCount === 0 ? 1 : Math.floor(Math.log(groupCount) * Math.LOG10E) + 1;
      let group = parseInt(replacement.substring(position, position + maxDigits), 10);
      if (maxDigits > 1 && group > groupCount) {
        group = parseInt(replacement.substring(position, position + maxDigits - 1), 10);
      }
      if (!isNaN(group)) {
        if (groupCount > 0 && group >= 1 && group <= groupCount) {
          flush();
          parts.push(group);
        }
        position += group.toString().length;
      } else {
        literal += '$';
      }
    }
    index = replacement.indexOf('$', position);
  }
  literal += replacement.substring(position);
  flush();
  return { parts };
}

class Compiler {
  private readonly bound: ReadonlySet<string>;
  private readonly lambdas: ReadonlySet<string>;
  /** How many lambda bodies enclose the node being compiled. */
  private inLambda = 0;
  /** The names the innermost enclosing block binds, in its frame's slot order (see Scope.block). */
  private frameNames: readonly string[] | undefined;

  constructor(
    private readonly helpers: ReadonlyMap<string, Helper>,
    names: BoundNames,
    /** String built-ins fall back to JSONata past it, whose guarded built-ins refuse it. */
    private readonly maxStringLength: number,
    /** FastOptions.memoize. */
    private readonly memoize: ReadonlyMap<string, number> = new Map(),
  ) {
    this.bound = names.all;
    this.lambdas = names.lambdas;
  }

  /** A node as JSONata's `evaluate` runs it: the node, its predicates, then sequence unwrapping. */
  node(node: Node): Evaluate {
    for (const key of Object.keys(node)) {
      if (!KNOWN_MEMBERS.has(key) && node[key] !== undefined) throw new Unsupported(key);
    }
    // A path that carries its tuples out (for `%` ancestry) is JSONata's.
    if (node.type === 'path' && node.tuple !== undefined) throw new Unsupported('tuple path');
    // Without predicates, the kinds that can unwrap their own result do (`fold`), and those whose
    // result is never a sequence need no unwrapping: one closure per node instead of two.
    const fold = (node.predicate ?? []).length === 0;
    const inner = this.kind(node, fold);
    const predicates = (node.predicate ?? []).map((p) => this.filter(p));
    if (predicates.length === 0) {
      return FOLDED_KINDS.has(node.type) || neverSequence(node)
        ? inner
        : (input, scope) => unwrap(inner(input, scope));
    }
    return (input, scope) => {
      let result = inner(input, scope);
      for (const p of predicates) result = p(result, scope);
      return unwrap(result);
    };
  }

  /** The node's own evaluation; `fold`: with JSONata's unwrapping of its result (FOLDED_KINDS). */
  private kind(node: Node, fold: boolean): Evaluate {
    switch (node.type) {
      case 'string':
      case 'number':
      case 'value': {
        const value = node.value;
        return () => value;
      }
      case 'variable':
        return this.variable(node, fold);
      case 'name': {
        const key = String(node.value);
        return fold ? (input) => unwrap(lookup(input, key)) : (input) => lookup(input, key);
      }
      case 'path':
        return this.path(node, fold);
      case 'binary':
        return this.binary(node);
      case 'unary':
        return this.unary(node);
      case 'condition':
        return this.condition(node, fold);
      case 'block':
        return this.block(node, fold);
      case 'bind':
        return this.bind(node, fold);
      case 'function':
        return this.call(node, fold);
      case 'lambda':
        // A tail call in a lambda body, which JSONata's trampoline evaluates right after the
        // body, with the same input and variables: the call itself.
        if (node.thunk === true && this.inLambda > 0 && node.body?.type === 'function') {
          return this.node(node.body);
        }
        throw new Unsupported('lambda value');
      default:
        throw new Unsupported(node.type);
    }
  }

  private variable(node: Node, fold: boolean): Evaluate {
    const name = String(node.value);
    if (name === '') return fold ? (input) => unwrap(input) : (input) => input;
    if (this.lambdas.has(name)) throw new Unsupported(`lambda value $${name}`);
    // A bare `$lowercase` is a function value in JSONata: not taken here.
    if (!this.bound.has(name) && (this.helpers.has(name) || BUILTINS.has(name))) {
      throw new Unsupported(`function value $${name}`);
    }
    return fold
      ? (_input, scope) => unwrap(scope.lookup(name))
      : (_input, scope) => scope.lookup(name);
  }

  private path(node: Node, fold: boolean): Evaluate {
    const steps = (node.steps ?? []).map((step) => {
      if (step.type === 'sort') throw new Unsupported('sort');
      const evaluate = this.node(step);
      const stages = (step.stages ?? []).map((stage) => {
        if (stage.type !== 'filter') throw new Unsupported(`stage ${stage.type}`);
        return this.filter(stage);
      });
      return { evaluate, stages };
    });
    const first = node.steps?.[0];
    const absolute = first?.type === 'variable';
    // `[a, b].x`: JSONata evaluates a leading array constructor once, against the whole input
    // sequence, rather than once per item (and applies no stages to it).
    const constructed = first?.consarray === true;
    if (constructed && (first.type !== 'unary' || first.predicate || first.stages)) {
      throw new Unsupported('leading constructor with predicates');
    }
    const tupleAt = (node.steps ?? []).findIndex((s) => s.tuple !== undefined);
    if (tupleAt >= 0) {
      const tuples = this.tupleStream(node, steps, tupleAt, constructed, absolute);
      return fold ? (input, scope) => unwrap(tuples(input, scope)) : tuples;
    }
    const walk = (input: unknown, scope: Scope): unknown[] | undefined => {
      let current: unknown[] = Array.isArray(input) && !absolute ? input : sequenceOf(input);
      let result: unknown[] | undefined;
      for (let i = 0; i < steps.length; i++) {
        result =
          i === 0 && constructed
            ? (steps[0].evaluate(current, scope) as unknown[])
            : step(steps[i], current, scope, i === steps.length - 1);
        if (result.length === 0) break;
        current = result;
      }
      return result;
    };
    const generic: Evaluate = fold ? (input, scope) => unwrap(walk(input, scope)) : walk;
    // The generic walk from step `from` on, given the one value the steps before it gave (each
    // over a single item): what `walk` gives, without redoing those steps.
    const resume = (value: unknown[], from: number, scope: Scope): unknown => {
      let current: unknown[] = newSequence();
      pushFlattened(current, value);
      let result: unknown[] = current;
      for (let i = from; i < steps.length; i++) {
        result = step(steps[i], current, scope, i === steps.length - 1);
        if (result.length === 0) break;
        current = result;
      }
      return fold ? unwrap(result) : result;
    };
    return this.memberWalk(node, steps[0].evaluate, generic, resume, fold) ?? generic;
  }

  /**
   * A path with a positional binding, `steps#$i.rest`: JSONata's tuple stream. From the bound
   * step on, each item travels with the variables bound so far; `$i` is the item's position in
   * what its step gave for one input item. Filters on those steps (which JSONata applies to the
   * tuples) are not taken.
   */
  private tupleStream(
    node: Node,
    steps: Parameters<typeof step>[0][],
    tupleAt: number,
    constructed: boolean,
    absolute: boolean,
  ): Evaluate {
    const nodes = node.steps ?? [];
    if (constructed && tupleAt === 0) throw new Unsupported('tuple on a leading constructor');
    const indexes = nodes.map((s) => {
      if (s.index !== undefined && typeof s.index !== 'string') throw new Unsupported('index');
      return s.index as string | undefined;
    });
    for (let i = tupleAt; i < nodes.length; i++) {
      if (nodes[i].stages) throw new Unsupported('filter in a tuple stream');
    }
    // The positional variables, once each in the order first bound; per step from tupleAt on,
    // how many of them its frame sees (those bound by the steps before it) and the slot its own
    // `#$name` writes (-1: none).
    const names: string[] = [];
    const slots: number[] = [];
    const widths: number[] = [];
    for (let i = tupleAt; i < nodes.length; i++) {
      widths.push(names.length);
      const index = indexes[i];
      if (index === undefined) {
        slots.push(-1);
        continue;
      }
      if (!names.includes(index)) names.push(index);
      slots.push(names.indexOf(index));
    }
    // A step that sees no position yet and binds nothing needs no frame of its own: an empty
    // frame over `scope` reads as `scope` does.
    const framelessSteps = widths.map(
      (width, k) => width === 0 && !containsBind(nodes[tupleAt + k]),
    );
    return (input, scope) => {
      let current: unknown[] = Array.isArray(input) && !absolute ? input : sequenceOf(input);
      for (let i = 0; i < tupleAt; i++) {
        const result =
          i === 0 && constructed
            ? (steps[0].evaluate(current, scope) as unknown[])
            : step(steps[i], current, scope, false);
        if (result.length === 0) return result;
        current = result;
      }
      // Each tuple: the item and the positions bound so far, by slot (see `slots`).
      let tuples: { item: unknown; values: unknown[] }[] = current.map((item) => ({
        item,
        values: [],
      }));
      for (let i = tupleAt; i < steps.length; i++) {
        const next: { item: unknown; values: unknown[] }[] = [];
        const slot = slots[i - tupleAt];
        const width = widths[i - tupleAt];
        const frameless = framelessSteps[i - tupleAt];
        for (const tuple of tuples) {
          const frame = frameless ? scope : Scope.over(scope, names, width, tuple.values);
          const res = steps[i].evaluate(tuple.item, frame);
          if (res === undefined) continue;
          if (!Array.isArray(res)) {
            // One item, at position 0.
            let values = tuple.values;
            if (slot >= 0) {
              values = values.slice();
              values[slot] = 0;
            }
            next.push({ item: res, values });
            continue;
          }
          for (let position = 0; position < res.length; position++) {
            // A tuple's positions are never written once it is made: a step that binds no
            // position passes them on as they are.
            let values = tuple.values;
            if (slot >= 0) {
              values = values.slice();
              values[slot] = position;
            }
            next.push({ item: res[position], values });
          }
        }
        tuples = next;
      }
      const result = newSequence();
      for (const tuple of tuples) result.push(tuple.item);
      return result;
    };
  }

  /**
   * `a.b.c` or `$v.b.c` without filters, the commonest shape of all, as a walk down plain
   * objects: no sequence per step. It gives what the generic path gives once unwrapped, so it is
   * only taken where nothing reads the path's raw sequence (no predicate on the path); an array
   * met on the way (JSONata maps over it) hands the whole path to the generic evaluation.
   */
  private memberWalk(
    node: Node,
    first: Evaluate,
    generic: Evaluate,
    resume: (value: unknown[], from: number, scope: Scope) => unknown,
    fold: boolean,
  ): Evaluate | undefined {
    const steps = node.steps ?? [];
    if (node.predicate || steps.length < 2) return undefined;
    const plain = (s: Node, i: number) =>
      !s.predicate &&
      !s.stages &&
      s.tuple === undefined &&
      (s.type === 'name' || (i === 0 && s.type === 'variable'));
    if (!steps.every(plain)) return undefined;
    const fromVariable = steps[0].type === 'variable';
    const keys = steps.slice(fromVariable ? 1 : 0).map((s) => String(s.value));
    const offset = fromVariable ? 1 : 0;
    return (input, scope) => {
      let value = fromVariable ? first(input, scope) : input;
      for (let k = 0; k < keys.length; k++) {
        if (Array.isArray(value)) {
          // An array input is the generic walk's from the start; one met on the way (JSONata maps
          // the rest of the path over it) continues generically from the step it reached.
          if (k + offset === 0) return generic(input, scope);
          return resume(value, k + offset, scope);
        }
        if (value === null || typeof value !== 'object') return undefined;
        // lookup()'s object case, without the call: a data member is what a read finds.
        const key = keys[k];
        const member = (value as Record<string, unknown>)[key];
        value = typeof member !== 'function' && key !== '__proto__' ? member : lookup(value, key);
      }
      return fold ? unwrap(value) : value;
    };
  }

  /** JSONata's evaluateFilter: a numeric index (or indexes), else items whose predicate holds. */
  private filter(stage: { type: string; expr: Node }): (input: unknown, scope: Scope) => unknown {
    if (stage.type !== 'filter') throw new Unsupported(`stage ${stage.type}`);
    const predicate = stage.expr;
    if (predicate.type === 'number') {
      const wanted = Math.floor(Number(predicate.value));
      return (value) => {
        const input = Array.isArray(value) ? value : sequenceOf(value);
        const index = wanted < 0 ? input.length + wanted : wanted;
        const item = input[index];
        if (item === undefined) return newSequence();
        return Array.isArray(item) ? item : sequenceOf(item);
      };
    }
    const evaluate = this.node(predicate);
    return (value, scope) => {
      const input = Array.isArray(value) ? value : sequenceOf(value);
      const results = newSequence();
      for (let index = 0; index < input.length; index++) {
        const item = input[index];
        let res = evaluate(item, scope);
        if (isNumeric(res)) res = [res];
        if (isArrayOfNumbers(res)) {
          for (const n of res as number[]) {
            let ii = Math.floor(n);
            if (ii < 0) ii = input.length + ii;
            if (ii === index) results.push(item);
          }
        } else if (toBoolean(res)) {
          results.push(item);
        }
      }
      return results;
    };
  }

  private binary(node: Node): Evaluate {
    const op = String(node.value);
    if (op === '&') return this.concatenation(node);
    const lhs = this.node(node.lhs as Node);
    const rhs = this.node(node.rhs as Node);
    switch (op) {
      case 'and':
        return (input, scope) => boolize(lhs(input, scope)) && boolize(rhs(input, scope));
      case 'or':
        return (input, scope) => boolize(lhs(input, scope)) || boolize(rhs(input, scope));
      case '=':
      case '!=': {
        const negate = op === '!=';
        return (input, scope) => {
          const l = lhs(input, scope);
          const r = rhs(input, scope);
          if (l === undefined || r === undefined) return false;
          return deepEqual(l, r) !== negate;
        };
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        return (input, scope) => compare(lhs(input, scope), rhs(input, scope), op);
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return (input, scope) => arithmetic(lhs(input, scope), rhs(input, scope), op);
      case 'in': {
        const list = literalList(node.rhs as Node);
        if (list !== undefined) {
          // `x in ['A', 'B']`: the list is known at compile time, not built per evaluation.
          return (input, scope) => {
            const l = lhs(input, scope);
            if (l === undefined) return false;
            for (let i = 0; i < list.length; i++) if (list[i] === l) return true;
            return false;
          };
        }
        return (input, scope) => includes(lhs(input, scope), rhs(input, scope));
      }
      default:
        throw new Unsupported(`operator ${op}`);
    }
  }

  /**
   * `a & b & c & …` (left-nested `&` nodes) as one loop over its operands, in JSONata's order:
   * each `&` is a string, so concatenating the parts at once gives what concatenating pair by
   * pair gives, without a call per `&`. An `&` with predicates is an operand of its own.
   */
  private concatenation(node: Node): Evaluate {
    const operands: Evaluate[] = [];
    const collect = (n: Node): void => {
      const plain =
        n.type === 'binary' &&
        n.value === '&' &&
        (n.predicate ?? []).length === 0 &&
        Object.keys(n).every((key) => KNOWN_MEMBERS.has(key) || n[key] === undefined);
      if (!plain) {
        operands.push(this.node(n));
        return;
      }
      collect(n.lhs as Node);
      collect(n.rhs as Node);
    };
    collect(node.lhs as Node);
    collect(node.rhs as Node);
    return (input, scope) => {
      let text = '';
      for (let i = 0; i < operands.length; i++) {
        const v = operands[i](input, scope);
        if (v !== undefined) text += castString(v);
      }
      return text;
    };
  }

  private unary(node: Node): Evaluate {
    switch (node.value) {
      case '-': {
        const operand = this.node(node.expression as Node);
        return (input, scope) => {
          const v = operand(input, scope);
          if (v === undefined) return undefined;
          if (isNumeric(v)) return -(v as number);
          throw new FallBack('negating a non-number');
        };
      }
      case '[': {
        const items = (node.expressions ?? []).map((e) => ({
          nested: e.type === 'unary' && e.value === '[',
          evaluate: this.node(e),
        }));
        const cons = node.consarray === true;
        const nested = items.map((item) => item.nested);
        const evaluates = items.map((item) => item.evaluate);
        return (input, scope) => {
          // Pushed in place: what concatenating each item's array (or the value) gives, without a
          // new array per item.
          const result: unknown[] = [];
          for (let i = 0; i < evaluates.length; i++) {
            const value = evaluates[i](input, scope);
            if (value === undefined) continue;
            if (nested[i] || !Array.isArray(value)) result.push(value);
            else for (let k = 0; k < value.length; k++) result.push(value[k]);
          }
          // First or last in a path: kept whole, not flattened into the path's sequence.
          if (cons) Object.defineProperty(result, 'cons', { value: true });
          return result;
        };
      }
      case '{': {
        const nodes = node.lhs as [Node, Node][];
        const pairs = nodes.map(([k, v]) => [this.node(k), this.node(v)]);
        // Every key a distinct plain string literal (the usual `{'type': …, 'id': …}`): no key
        // to evaluate or check per object, each value straight into its key.
        const literal = nodes.map(([k]) =>
          k.type === 'string' &&
          (k.predicate ?? []).length === 0 &&
          !k.stages &&
          typeof k.value === 'string' &&
          k.value !== '_jsonata_lambda' &&
          k.value !== '_jsonata_function'
            ? k.value
            : undefined,
        );
        if (literal.every((k) => k !== undefined) && new Set(literal).size === literal.length) {
          const keys = literal as string[];
          const values = pairs.map(([, value]) => value);
          return (input, scope) => {
            if (Array.isArray(input)) throw new FallBack('object constructor over a sequence');
            const result = new MemberRecord();
            for (let i = 0; i < keys.length; i++) {
              const v = values[i](input, scope);
              if (v !== undefined) result[keys[i]] = v;
            }
            return result;
          };
        }
        return (input, scope) => {
          if (Array.isArray(input)) throw new FallBack('object constructor over a sequence');
          const result = new MemberRecord();
          const seen = new Set<string>();
          const entries: [string, Evaluate][] = [];
          for (const [key, value] of pairs) {
            const k = key(input, scope);
            if (k === undefined) continue;
            if (typeof k !== 'string' || k === '_jsonata_lambda' || k === '_jsonata_function') {
              throw new FallBack('object key is not a plain string');
            }
            if (seen.has(k)) throw new FallBack('duplicate object key');
            seen.add(k);
            entries.push([k, value]);
          }
          for (const [k, value] of entries) {
            const v = value(input, scope);
            if (v !== undefined) result[k] = v;
          }
          return result;
        };
      }
      default:
        throw new Unsupported(`unary ${String(node.value)}`);
    }
  }

  private condition(node: Node, fold: boolean): Evaluate {
    const test = this.node(node.condition as Node);
    const then = this.node(node.then as Node);
    const otherwise = node.else ? this.node(node.else) : undefined;
    const shortcut = otherwise ? this.elvis(node) : undefined;
    if (shortcut === '?:' && otherwise) {
      // `a ?: b`, which JSONata parses as `a ? a : b`: `a` evaluated once, not twice.
      return (input, scope) => {
        const v = test(input, scope);
        const result = toBoolean(v) ? v : otherwise(input, scope);
        return fold ? unwrap(result) : result;
      };
    }
    if (shortcut === '??' && otherwise) {
      // `a ?? b`, which JSONata parses as `$exists(a) ? a : b`: `a` evaluated once, not twice.
      return (input, scope) => {
        const v = then(input, scope);
        const result = v !== undefined ? v : otherwise(input, scope);
        return fold ? unwrap(result) : result;
      };
    }
    if (fold) {
      return (input, scope) => {
        if (toBoolean(test(input, scope))) return unwrap(then(input, scope));
        return otherwise ? unwrap(otherwise(input, scope)) : undefined;
      };
    }
    return (input, scope) => {
      if (toBoolean(test(input, scope))) return then(input, scope);
      return otherwise ? otherwise(input, scope) : undefined;
    };
  }

  /**
   * Whether a condition is JSONata's expansion of `a ?: b` (`a ? a : b`) or `a ?? b`
   * (`$exists(a) ? a : b`): its test is a copy of its `then`, or `$exists` of one (the built-in,
   * not a helper of that name). Only when `a` binds no variable, so evaluating it once gives what
   * evaluating it twice gives (the compiled closures are otherwise free of side effects).
   */
  private elvis(node: Node): '?:' | '??' | undefined {
    const test = node.condition as Node;
    const then = node.then as Node;
    if (containsBind(then)) return undefined;
    if (sameShape(test, then)) return '?:';
    const args = test.arguments ?? [];
    const procedure = test.procedure;
    if (
      test.type === 'function' &&
      procedure?.type === 'variable' &&
      procedure.value === 'exists' &&
      !this.helpers.has('exists') &&
      !this.bound.has('exists') &&
      args.length === 1 &&
      (test.predicate ?? []).length === 0 &&
      sameShape(args[0], then)
    ) {
      return '??';
    }
    return undefined;
  }

  private block(node: Node, fold: boolean): Evaluate {
    const list = node.expressions ?? [];
    const binds = containsBind(list);
    const names = binds ? frameBindings(list) : [];
    const enclosing = this.frameNames;
    if (binds) this.frameNames = names;
    let expressions: Evaluate[];
    try {
      expressions = list.map((e, i) =>
        isLambdaDefinition(e) ? this.defineLambda(e, i === list.length - 1) : this.node(e),
      );
    } finally {
      this.frameNames = enclosing;
    }
    // A block that binds nothing anywhere inside (`(a ? b : c)`, the commonest parentheses) has
    // an empty frame all its life: lookups read through it to its parent's, so it needs none.
    if (!binds) {
      if (expressions.length === 1) {
        const only = expressions[0];
        return fold ? (input, scope) => unwrap(only(input, scope)) : only;
      }
      return (input, scope) => {
        let result: unknown;
        for (let i = 0; i < expressions.length; i++) result = expressions[i](input, scope);
        return fold ? unwrap(result) : result;
      };
    }
    const unbound = names.map(() => UNBOUND);
    return (input, scope) => {
      const frame = Scope.block(scope, names, unbound);
      let result: unknown;
      for (let i = 0; i < expressions.length; i++) result = expressions[i](input, frame);
      return fold ? unwrap(result) : result;
    };
  }

  /**
   * `$f := function($a, $b) { body }` in a block: binds a closure. Taken only where its value is
   * not the block's result (a lambda never reaches an output), without a signature, outside other
   * lambdas (calls of lambdas are not compiled inside lambdas, so nothing recurses).
   */
  private defineLambda(node: Node, last: boolean): Evaluate {
    const lambda = node.rhs as Node;
    if (last) throw new Unsupported('lambda as a result');
    if (this.inLambda > 0) throw new Unsupported('lambda in a lambda');
    if (lambda.signature !== undefined) throw new Unsupported('lambda signature');
    for (const key of Object.keys(node)) {
      if (!KNOWN_MEMBERS.has(key) && node[key] !== undefined) throw new Unsupported(key);
    }
    const name = String((node.lhs as Node).value);
    const params = (lambda.arguments ?? []).map((p) => {
      if (p.type !== 'variable') throw new Unsupported('lambda parameter');
      return String(p.value);
    });
    this.inLambda++;
    const enclosing = this.frameNames;
    // The body runs in a frame of its own (FastLambda.call).
    this.frameNames = undefined;
    let body: Evaluate;
    try {
      body = this.node(lambda.body as Node);
    } finally {
      this.inLambda--;
      this.frameNames = enclosing;
    }
    const slot = enclosing ? enclosing.indexOf(name) : -1;
    return (input, scope) => {
      const f = new FastLambda(params, body, input, scope);
      if (slot >= 0) scope.bindAt(slot, name, f);
      else scope.bind(name, f);
      return undefined;
    };
  }

  private bind(node: Node, fold: boolean): Evaluate {
    const target = node.lhs as Node;
    if (target.type !== 'variable') throw new Unsupported('bind target');
    const name = String(target.value);
    const value = this.node(node.rhs as Node);
    const slot = this.frameNames ? this.frameNames.indexOf(name) : -1;
    if (slot >= 0) {
      return (input, scope) => {
        const v = value(input, scope);
        scope.bindAt(slot, name, v);
        return fold ? unwrap(v) : v;
      };
    }
    return (input, scope) => {
      const v = value(input, scope);
      scope.bind(name, v);
      return fold ? unwrap(v) : v;
    };
  }

  private call(node: Node, fold: boolean): Evaluate {
    const procedure = node.procedure as Node;
    if (procedure.type !== 'variable') throw new Unsupported('procedure');
    const name = String(procedure.value);
    if (this.lambdas.has(name)) return this.callLambda(name, node, fold);
    if (this.bound.has(name)) throw new Unsupported(`$${name} is also a variable`);
    const builtinRegex = REGEX_ARGUMENT.get(name);
    const args = (node.arguments ?? []).map((a, i) => {
      if (a.type !== 'regex') return this.node(a);
      // A regex literal only as the pattern of the string functions that take one.
      if (i !== builtinRegex || this.helpers.has(name) || !(a.value instanceof RegExp)) {
        throw new Unsupported('regex');
      }
      for (const key of Object.keys(a)) {
        if (!KNOWN_MEMBERS.has(key) && a[key] !== undefined) throw new Unsupported(key);
      }
      // One FastRegex per literal: memoized calls with it have the same arguments in every expression.
      const regex = sharedRegex(a.value);
      return () => regex;
    });
    const helper = this.helpers.get(name);
    // The call's slot in the memo, when it is memoized.
    const memoSlot =
      helper || MEMOIZED_BUILTINS.has(name) ? this.memoize.get(callKey(node) as string) : undefined;
    let apply: (values: unknown[]) => unknown;
    if (helper) {
      apply = (values) => {
        let result: unknown;
        try {
          result = helper(...values);
        } catch {
          // JSONata reports the helper's error with the call's position and argument.
          throw new FallBack(`$${name} failed`);
        }
        if (result !== null && typeof result === 'object' && 'then' in result) {
          throw new FallBack(`$${name} returned a promise`);
        }
        return result;
      };
    } else {
      const builtin = BUILTINS.get(name);
      if (!builtin || args.length < builtin.min || args.length > builtin.max) {
        throw new Unsupported(`$${name}`);
      }
      const max = this.maxStringLength;
      if (!GUARDED_BUILTINS.has(name)) {
        if (memoSlot === undefined) {
          return fold
            ? (input, scope) => unwrap(builtin.run(argValues(args, input, scope), max))
            : (input, scope) => builtin.run(argValues(args, input, scope), max);
        }
        apply = (values) => builtin.run(values, max);
      } else {
        // JSONata's string built-ins are guarded (guards.ts): past the limit, it refuses, naming it.
        apply = (values) => {
          for (const v of values) {
            if (typeof v === 'string' && v.length > max)
              throw new FallBack('string over the limit');
          }
          const result = builtin.run(values, max);
          if (typeof result === 'string' && result.length > max) {
            throw new FallBack('result over the limit');
          }
          return result;
        };
      }
    }
    if (memoSlot !== undefined) {
      return (input, scope) => {
        const values = argValues(args, input, scope);
        const memo = scope.memo;
        const result = memo === undefined ? apply(values) : memoized(memo, memoSlot, values, apply);
        return fold ? unwrap(result) : result;
      };
    }
    return (input, scope) => {
      const result = apply(argValues(args, input, scope));
      return fold ? unwrap(result) : result;
    };
  }

  /** `$f(a, b)` of a lambda bound in the expression: JSONata's apply of a lambda. */
  private callLambda(name: string, node: Node, fold: boolean): Evaluate {
    // Only at the top level: a lambda calling a lambda could recurse as deep as the data.
    if (this.inLambda > 0) throw new Unsupported(`$${name} called in a lambda`);
    const args = (node.arguments ?? []).map((a) => this.node(a));
    return (input, scope) => {
      const f = scope.lookup(name);
      // Not bound yet, or out of scope: JSONata reports it (T1006).
      if (!(f instanceof FastLambda)) throw new FallBack(`$${name} is not a function here`);
      const result = f.call(argValues(args, input, scope));
      return fold ? unwrap(result) : result;
    };
  }
}

/** Two AST nodes written alike (JSONata's parser copies `a` of `a ?: b` as JSON). */
function sameShape(a: Node, b: Node): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/**
 * The names a block's own frame is expected to bind: every `:=` target inside it, not inside a
 * nested block or lambda (which have frames of their own), in order of appearance. Only a hint
 * for slots (Scope.bindAt checks it): a `:=` that runs in another frame binds there all the same.
 */
function frameBindings(nodes: readonly Node[]): string[] {
  const names: string[] = [];
  walkNodes(nodes, (n) => {
    if (n.type === 'block' || n.type === 'lambda') return false;
    if (n.type === 'bind' && n.lhs && !Array.isArray(n.lhs) && n.lhs.type === 'variable') {
      const name = String(n.lhs.value);
      if (!names.includes(name)) names.push(name);
    }
  });
  return names;
}

/** Whether a `:=` appears anywhere in the node. */
function containsBind(node: unknown): boolean {
  if (node === null || typeof node !== 'object' || node instanceof RegExp) return false;
  if (Array.isArray(node)) return node.some(containsBind);
  if ((node as Node).type === 'bind') return true;
  return Object.values(node).some(containsBind);
}

/**
 * The built-ins whose calls are memoized when repeated (FastOptions.memoize): those that cost
 * more than a look-up in the memo. All of BUILTINS are pure; most are cheaper than the look-up.
 */
const MEMOIZED_BUILTINS: ReadonlySet<string> = new Set([
  'replace',
  'match',
  'split',
  'toMillis',
  'fromMillis',
]);

/**
 * `apply(values)` through the memo's `slot`: the result kept for the same arguments (`===`), or
 * computed and kept (for the first MAX_MEMO_ENTRIES lists of arguments). A FallBack is not
 * kept. A call with a `-0` argument (`===` to 0, but not the same argument to every function)
 * is computed every time.
 */
function memoized(
  memo: CallMemo,
  slot: number,
  values: unknown[],
  apply: (values: unknown[]) => unknown,
): unknown {
  const arity = values.length;
  for (let i = 0; i < arity; i++) {
    if (values[i] === 0 && Object.is(values[i], -0)) return apply(values);
  }
  let kept = memo[slot];
  if (kept !== undefined) {
    for (let at = 0; at < kept.length; at += arity + 1) {
      let same = true;
      for (let i = 0; i < arity; i++) {
        if (kept[at + i] !== values[i]) {
          same = false;
          break;
        }
      }
      if (same) return kept[at + arity];
    }
  } else {
    kept = [];
    memo[slot] = kept;
  }
  const result = apply(values);
  // A call in a loop over the payload's items (many lists of arguments) is not worth a scan.
  if (kept.length < MAX_MEMO_ENTRIES * (arity + 1)) {
    for (let i = 0; i < arity; i++) kept.push(values[i]);
    kept.push(result);
  }
  return result;
}

/** How many lists of arguments a memoized call keeps results for, per item. */
const MAX_MEMO_ENTRIES = 8;

/** Each argument's value, in order (a plain loop: calls are the commonest node after paths). */
function argValues(args: readonly Evaluate[], input: unknown, scope: Scope): unknown[] {
  const values = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i++) values[i] = args[i](input, scope);
  return values;
}

/**
 * What an object constructor builds: an object with nothing inherited, as JSONata's
 * `Object.create(null)` (no `constructor`, `toString` or `__proto__` accessor to find, a
 * `'__proto__'` key an own member like any other), but with V8's fast properties, which an
 * object without a prototype never has: its prototype is an empty, frozen object without one.
 * Building one was the largest line of a statement's `each`, and reading one is faster too.
 */
const MemberRecord = function MemberRecord() {} as unknown as new () => Record<string, unknown>;
MemberRecord.prototype = Object.freeze(Object.create(null) as object) as Record<string, unknown>;

/** Node kinds whose compiled closure unwraps its own result when asked to (`fold`). */
const FOLDED_KINDS: ReadonlySet<string> = new Set([
  'variable',
  'name',
  'path',
  'condition',
  'block',
  'bind',
  'function',
]);

/**
 * Nodes whose value is never a sequence, so JSONata's unwrapping leaves it as it is: literals,
 * operators (booleans, strings, numbers), negation, and array and object constructors (a plain
 * array, an object).
 */
function neverSequence(node: Node): boolean {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value':
    case 'binary':
      return true;
    case 'unary':
      return node.value === '-' || node.value === '[' || node.value === '{';
    default:
      return false;
  }
}

/** `$f := function(…) { … }`, the one shape a lambda is taken in. */
function isLambdaDefinition(node: Node): boolean {
  return (
    node.type === 'bind' &&
    !Array.isArray(node.lhs) &&
    node.lhs?.type === 'variable' &&
    node.rhs?.type === 'lambda' &&
    node.rhs.thunk !== true
  );
}

/**
 * The values of an array constructor of plain string or number literals (`['A', 'B']`), or
 * undefined for any other node: what it evaluates to, every time.
 */
function literalList(node: Node): readonly unknown[] | undefined {
  if (
    node.type !== 'unary' ||
    node.value !== '[' ||
    node.consarray ||
    node.predicate ||
    node.stages
  )
    return undefined;
  for (const key of Object.keys(node)) {
    if (!KNOWN_MEMBERS.has(key) && node[key] !== undefined) return undefined;
  }
  const list: unknown[] = [];
  for (const item of node.expressions ?? []) {
    if (item.type !== 'string' && item.type !== 'number') return undefined;
    if ((item.predicate ?? []).length > 0 || item.stages) return undefined;
    if (Object.keys(item).some((k) => !KNOWN_MEMBERS.has(k) && item[k] !== undefined))
      return undefined;
    list.push(item.value);
  }
  return list;
}

/**
 * Whether `$trim` leaves `s` as it is: no tab, newline or carriage return, no two spaces in a
 * row, no space first or last (most strings; one scan instead of a regex replace).
 */
function alreadyTrimmed(s: string): boolean {
  const last = s.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = s.charCodeAt(i);
    if (c === 9 || c === 10 || c === 13) return false;
    if (c === 32 && (i === 0 || i === last || s.charCodeAt(i + 1) === 32)) return false;
  }
  return true;
}

/** JSONata's `in`: strict equality with the right side or one of its items. */
function includes(l: unknown, r: unknown): boolean {
  if (l === undefined || r === undefined) return false;
  const list = Array.isArray(r) ? r : [r];
  for (let i = 0; i < list.length; i++) if (list[i] === l) return true;
  return false;
}

/** One path step over the input sequence: JSONata's evaluateStep (flattening one level). */
function step(
  s: { evaluate: Evaluate; stages: ((input: unknown, scope: Scope) => unknown)[] },
  input: unknown[],
  scope: Scope,
  last: boolean,
): unknown[] {
  // The first result is held back until a second comes: a last step with one array result gives
  // that array itself (JSONata's rule), so it is never copied into a sequence first.
  let first: unknown;
  let out: Sequence | undefined;
  const stages = s.stages;
  for (let i = 0; i < input.length; i++) {
    let res = s.evaluate(input[i], scope);
    for (let j = 0; j < stages.length; j++) res = stages[j](res, scope);
    if (res === undefined) continue;
    if (first === undefined) {
      first = res;
      continue;
    }
    if (out === undefined) {
      out = newSequence();
      pushFlattened(out, first);
    }
    pushFlattened(out, res);
  }
  if (out !== undefined) return out;
  if (first === undefined) return newSequence();
  if (last && Array.isArray(first) && !isSequence(first)) return first as unknown[];
  out = newSequence();
  pushFlattened(out, first);
  return out;
}

/** A step's result into the path's sequence: an array's items (one level), a kept whole constructor, or the value. */
function pushFlattened(out: unknown[], res: unknown): void {
  if (!Array.isArray(res) || (res as { cons?: boolean }).cons) out.push(res);
  else for (let k = 0; k < res.length; k++) out.push(res[k]);
}

function newSequence(): Sequence {
  const s = [] as unknown as Sequence;
  s.sequence = true;
  return s;
}

/** JSONata's createSequence(value): a sequence of that one value (undefined included). */
function sequenceOf(value: unknown): Sequence {
  const s = newSequence();
  s.push(value);
  return s;
}

function isSequence(value: unknown): boolean {
  return Array.isArray(value) && (value as { sequence?: boolean }).sequence === true;
}

/** The end of JSONata's evaluate: an empty sequence is nothing, a singleton its one item. */
function unwrap(result: unknown): unknown {
  if (isSequence(result)) {
    const s = result as unknown[];
    if (s.length === 0) return undefined;
    if (s.length === 1) return s[0];
  }
  return result;
}

/** JSONata's lookup: a member of an object, or of every object in an array (flattened). */
function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = newSequence();
    for (const item of input) {
      const res = lookup(item, key);
      if (res === undefined) continue;
      if (Array.isArray(res)) for (const v of res) result.push(v);
      else result.push(res);
    }
    return result;
  }
  if (input !== null && typeof input === 'object') {
    // One read answers for data: own or absent (undefined); inherited data is what JSONata reads
    // too. Only a function (Object.prototype's methods) or `__proto__` needs to know whose it is.
    const value = (input as Record<string, unknown>)[key];
    if (typeof value !== 'function' && key !== '__proto__') return value;
    return Object.prototype.hasOwnProperty.call(input, key) ? value : inheritedMember(input, key);
  }
  return undefined;
}

/** JSONata reads `input[key]`, which for a payload object (plain JSON) only ever finds own members or Object.prototype's. */
function inheritedMember(input: object, key: string): unknown {
  if (key in input) throw new FallBack(`member "${key}" is inherited`);
  return undefined;
}

function isNumeric(n: unknown): boolean {
  if (typeof n !== 'number') return false;
  if (Number.isNaN(n)) return false;
  if (!Number.isFinite(n)) throw new FallBack('non-finite number');
  return true;
}

function isArrayOfNumbers(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/** JSONata's $boolean: undefined stays undefined. */
function toBooleanOrUndefined(arg: unknown): boolean | undefined {
  // First the commonest test of a condition: a comparison's or `and`'s boolean.
  if (typeof arg === 'boolean') return arg;
  if (arg === undefined) return undefined;
  if (Array.isArray(arg)) {
    if (arg.length === 1) return toBooleanOrUndefined(arg[0]);
    if (arg.length > 1) return arg.some((v) => toBooleanOrUndefined(v) === true);
    return false;
  }
  if (typeof arg === 'string') return arg.length > 0;
  if (isNumeric(arg)) return arg !== 0;
  if (typeof arg === 'boolean') return arg;
  if (typeof arg === 'function') return false;
  if (arg !== null && typeof arg === 'object') return hasOwnKeys(arg);
  return false;
}

/** `Object.keys(o).length > 0` without building the list: a condition on an object is common. */
function hasOwnKeys(o: object): boolean {
  for (const key in o) if (Object.prototype.hasOwnProperty.call(o, key)) return true;
  return false;
}

function toBoolean(arg: unknown): boolean {
  return toBooleanOrUndefined(arg) === true;
}

function boolize(arg: unknown): boolean {
  return toBooleanOrUndefined(arg) ?? false;
}

/** JSONata's $string for what a mapping meets: strings, numbers, booleans, null, JSON data. */
function castString(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new FallBack('non-finite number');
    // What the JSON.stringify below writes for a number, without a replacer call.
    return String(Number.isInteger(arg) ? arg : Number(arg.toPrecision(15)));
  }
  if (typeof arg === 'boolean') return arg ? 'true' : 'false';
  if (typeof arg === 'function') throw new FallBack('function value');
  return JSON.stringify(arg, (_key, val: unknown) => {
    if (typeof val === 'number' && !Number.isNaN(val)) {
      if (!Number.isFinite(val)) throw new FallBack('non-finite number');
      return Number.isInteger(val) ? val : Number(val.toPrecision(15));
    }
    if (typeof val === 'function') throw new FallBack('function value');
    return val;
  });
}

function deepEqual(l: unknown, r: unknown): boolean {
  if (l === r) return true;
  if (typeof l === 'object' && typeof r === 'object' && l !== null && r !== null) {
    if (Array.isArray(l) && Array.isArray(r)) {
      return l.length === r.length && l.every((v, i) => deepEqual(v, r[i]));
    }
    if (Array.isArray(l) !== Array.isArray(r)) throw new FallBack('array compared to object');
    const lk = Object.getOwnPropertyNames(l).sort();
    const rk = Object.getOwnPropertyNames(r).sort();
    if (lk.length !== rk.length || lk.some((k, i) => k !== rk[i])) return false;
    return lk.every((k) =>
      deepEqual((l as Record<string, unknown>)[k], (r as Record<string, unknown>)[k]),
    );
  }
  return false;
}

function compare(l: unknown, r: unknown, op: string): boolean | undefined {
  const lt = typeof l;
  const rt = typeof r;
  const comparable = (t: string) => t === 'undefined' || t === 'string' || t === 'number';
  if (!comparable(lt) || !comparable(rt)) throw new FallBack('comparing a non-comparable value');
  if (l === undefined || r === undefined) return undefined;
  if (lt !== rt) throw new FallBack('comparing a string with a number');
  if (lt === 'number') {
    isNumeric(l);
    isNumeric(r);
  }
  const a = l as string | number;
  const b = r as string | number;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function arithmetic(l: unknown, r: unknown, op: string): number | undefined {
  if (l !== undefined && !isNumeric(l)) throw new FallBack('arithmetic on a non-number');
  if (r !== undefined && !isNumeric(r)) throw new FallBack('arithmetic on a non-number');
  if (l === undefined || r === undefined) return undefined;
  const a = l as number;
  const b = r as number;
  let result: number;
  switch (op) {
    case '+':
      result = a + b;
      break;
    case '-':
      result = a - b;
      break;
    case '*':
      result = a * b;
      break;
    case '/':
      result = a / b;
      break;
    default:
      result = a % b;
  }
  // JSONata reports a non-finite result (D1001) where it is used: leave that to it.
  if (!Number.isFinite(result)) throw new FallBack('non-finite result');
  return result;
}

/** A string argument as JSONata's signature checks accept it: a string, or nothing. */
function stringArg(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  throw new FallBack('argument is not a string');
}

function numberArg(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new FallBack('argument is not a number');
}

interface Builtin {
  min: number;
  max: number;
  /** `maxStringLength`: the longest string it may build (see Compiler). */
  run(args: unknown[], maxStringLength: number): unknown;
}

/**
 * The JSONata built-ins taken here, with their documented semantics for well-typed arguments;
 * any other argument type falls back to JSONata, whose signature check reports it.
 * Functions that take the context when an argument is left out are taken only with it given.
 */
const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['exists', { min: 1, max: 1, run: ([a]) => a !== undefined }],
  ['boolean', { min: 1, max: 1, run: ([a]) => toBooleanOrUndefined(a) }],
  [
    'not',
    { min: 1, max: 1, run: ([a]) => (a === undefined ? undefined : !toBooleanOrUndefined(a)) },
  ],
  ['string', { min: 1, max: 1, run: ([a]) => (a === undefined ? undefined : castString(a)) }],
  ['lowercase', { min: 1, max: 1, run: ([a]) => stringArg(a)?.toLowerCase() }],
  ['uppercase', { min: 1, max: 1, run: ([a]) => stringArg(a)?.toUpperCase() }],
  [
    'trim',
    {
      min: 1,
      max: 1,
      run: ([a]) => {
        const s = stringArg(a);
        if (s === undefined) return undefined;
        if (alreadyTrimmed(s)) return s;
        let result = s.replace(/[ \t\n\r]+/gm, ' ');
        if (result.charAt(0) === ' ') result = result.substring(1);
        if (result.charAt(result.length - 1) === ' ')
          result = result.substring(0, result.length - 1);
        return result;
      },
    },
  ],
  ['length', { min: 1, max: 1, run: ([a]) => characters(stringArg(a))?.length }],
  [
    'substring',
    {
      min: 2,
      max: 3,
      run: ([str, startArg, lengthArg]) => {
        const chars = characters(stringArg(str));
        let start = numberArg(startArg);
        const length = numberArg(lengthArg);
        if (chars === undefined) return undefined;
        if (start === undefined) throw new FallBack('$substring without a start');
        if (chars.length + start < 0) start = 0;
        let part: string | string[];
        if (length !== undefined) {
          if (length <= 0) return '';
          const end = start >= 0 ? start + length : chars.length + start + length;
          part = chars.slice(start, end);
        } else {
          part = chars.slice(start);
        }
        return typeof part === 'string' ? part : part.join('');
      },
    },
  ],
  [
    'substringBefore',
    {
      min: 2,
      max: 2,
      run: ([str, chars]) => {
        const s = stringArg(str);
        const c = stringArg(chars);
        if (s === undefined) return undefined;
        if (c === undefined) throw new FallBack('$substringBefore without chars');
        const pos = s.indexOf(c);
        return pos > -1 ? s.substring(0, pos) : s;
      },
    },
  ],
  [
    'substringAfter',
    {
      min: 2,
      max: 2,
      run: ([str, chars]) => {
        const s = stringArg(str);
        const c = stringArg(chars);
        if (s === undefined) return undefined;
        if (c === undefined) throw new FallBack('$substringAfter without chars');
        const pos = s.indexOf(c);
        return pos > -1 ? s.substring(pos + c.length) : s;
      },
    },
  ],
  [
    'match',
    {
      min: 2,
      max: 3,
      run: ([str, regex, limitArg]) => {
        const s = stringArg(str);
        const limit = numberArg(limitArg);
        if (s === undefined) return undefined;
        // A pattern that is not a regex literal (a string, a function) is JSONata's to judge.
        if (!(regex instanceof FastRegex)) throw new FallBack('$match without a regex');
        if (limit !== undefined && limit < 0) throw new FallBack('$match limit');
        const result = newSequence();
        if (limit !== undefined && limit <= 0) return result;
        for (const m of regex.all(s, limit)) {
          result.push({ match: m.match, index: m.start, groups: m.groups });
        }
        return result;
      },
    },
  ],
  [
    'toMillis',
    {
      min: 1,
      max: 2,
      run: ([timestamp, picture]) => {
        const t = stringArg(timestamp);
        if (t === undefined) return undefined;
        // A picture string is parsed by JSONata's own date-time parser.
        if (picture !== undefined) throw new FallBack('$toMillis with a picture');
        if (!ISO_8601.test(t)) throw new FallBack('$toMillis of a non-ISO 8601 string');
        const millis = Date.parse(t);
        if (Number.isNaN(millis)) throw new FallBack('$toMillis of an impossible date');
        return millis;
      },
    },
  ],
  [
    'fromMillis',
    {
      min: 1,
      max: 3,
      run: ([millis, picture, timezone]) => {
        const ms = numberArg(millis);
        if (ms === undefined) return undefined;
        if (timezone !== undefined) throw new FallBack('$fromMillis with a timezone');
        return formatUtc(ms, picture === undefined ? DEFAULT_PICTURE : stringArg(picture));
      },
    },
  ],
  [
    'distinct',
    {
      min: 1,
      max: 1,
      run: ([arr]) => {
        if (!Array.isArray(arr) || arr.length <= 1) return arr;
        const results: unknown[] = isSequence(arr) ? newSequence() : [];
        for (const value of arr) {
          if (!results.some((kept) => deepEqual(value, kept))) results.push(value);
        }
        return results;
      },
    },
  ],
  [
    'zip',
    {
      min: 1,
      max: Infinity,
      run: (args) => {
        // JSONata's signature makes each argument an array; leave a missing one to it.
        if (args.some((a) => a === undefined)) throw new FallBack('$zip of nothing');
        const lists = args.map((a) => (Array.isArray(a) ? a : [a]));
        const length = Math.min(...lists.map((l) => l.length));
        const result: unknown[][] = [];
        for (let i = 0; i < length; i++) result.push(lists.map((l) => l[i]));
        return result;
      },
    },
  ],
  // JSONata raises the error, with its message and position.
  [
    'error',
    {
      min: 0,
      max: 1,
      run: () => {
        throw new FallBack('$error');
      },
    },
  ],
  [
    'contains',
    {
      min: 2,
      max: 2,
      run: ([str, token]) => {
        const s = stringArg(str);
        if (token instanceof FastRegex) return s === undefined ? undefined : token.test(s);
        const t = stringArg(token);
        if (s === undefined || t === undefined) return undefined;
        return s.indexOf(t) !== -1;
      },
    },
  ],
  [
    'replace',
    {
      min: 3,
      max: 4,
      run: ([str, pattern, replacement, limitArg], maxStringLength) => {
        const s = stringArg(str);
        if (pattern instanceof FastRegex) {
          return replaceRegex(s, pattern, replacement, limitArg, maxStringLength);
        }
        const p = stringArg(pattern);
        const r = stringArg(replacement);
        const limit = numberArg(limitArg);
        if (s === undefined) return undefined;
        if (p === undefined || p === '' || r === undefined || (limit !== undefined && limit < 0)) {
          throw new FallBack('$replace arguments');
        }
        if (limit !== undefined && limit <= 0) return s;
        let result = '';
        let position = 0;
        let count = 0;
        let index = s.indexOf(p, position);
        while (index !== -1 && (limit === undefined || count < limit)) {
          result += s.substring(position, index) + r;
          // A payload-sized replacement of every match grows without bound: JSONata's guarded
          // $replace refuses it with the mapping's own limit (guards.ts).
          if (result.length > maxStringLength) throw new FallBack('$replace result too long');
          position = index + p.length;
          count++;
          index = s.indexOf(p, position);
        }
        return result + s.substring(position);
      },
    },
  ],
  [
    'split',
    {
      min: 2,
      max: 3,
      run: ([str, separator, limitArg]) => {
        const s = stringArg(str);
        const limit = numberArg(limitArg);
        if (separator instanceof FastRegex) {
          if (s === undefined) return undefined;
          if (limit !== undefined && limit < 0) throw new FallBack('$split arguments');
          if (limit !== undefined && limit <= 0) return [];
          const result: string[] = [];
          let start = 0;
          const matches = separator.all(s, limit);
          for (const m of matches) {
            result.push(s.substring(start, m.start));
            start = m.end;
          }
          if (limit === undefined || matches.length < limit) result.push(s.substring(start));
          return result;
        }
        const sep = stringArg(separator);
        if (s === undefined) return undefined;
        if (sep === undefined || (limit !== undefined && limit < 0)) {
          throw new FallBack('$split arguments');
        }
        if (limit !== undefined && limit <= 0) return [];
        return s.split(sep, limit);
      },
    },
  ],
  [
    'join',
    {
      min: 1,
      max: 2,
      run: ([strs, separator], maxStringLength) => {
        const sep = stringArg(separator) ?? '';
        if (strs === undefined) return undefined;
        const list = Array.isArray(strs) ? strs : [strs];
        if (!list.every((s) => typeof s === 'string')) throw new FallBack('$join of non-strings');
        if ((list.length - 1) * sep.length > maxStringLength) throw new FallBack('$join too long');
        return list.join(sep);
      },
    },
  ],
  [
    'count',
    {
      min: 1,
      max: 1,
      run: ([a]) => (a === undefined ? 0 : Array.isArray(a) ? a.length : 1),
    },
  ],
  [
    'number',
    {
      min: 1,
      max: 1,
      run: ([a]) => {
        if (a === undefined) return undefined;
        if (typeof a === 'number') return a;
        if (
          typeof a === 'string' &&
          /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/.test(a) &&
          Number.isFinite(parseFloat(a))
        ) {
          return parseFloat(a);
        }
        if (a === true) return 1;
        if (a === false) return 0;
        throw new FallBack('$number of a value it cannot cast');
      },
    },
  ],
  [
    'type',
    {
      min: 1,
      max: 1,
      run: ([a]) => {
        if (a === undefined) return undefined;
        if (a === null) return 'null';
        if (Array.isArray(a)) return 'array';
        if (typeof a === 'function') throw new FallBack('$type of a function');
        return typeof a === 'object' ? 'object' : typeof a;
      },
    },
  ],
  [
    'append',
    {
      min: 2,
      max: 2,
      run: ([a, b]) => {
        if (a === undefined) return b;
        if (b === undefined) return a;
        const first = Array.isArray(a) ? a : sequenceOf(a);
        return first.concat(Array.isArray(b) ? b : [b]);
      },
    },
  ],
]);

/**
 * `$replace(str, /regex/, replacement, limit?)`: JSONata's own `$n` substitution (not
 * JavaScript's), a zero-length match handed back to JSONata.
 */
function replaceRegex(
  str: string | undefined,
  regex: FastRegex,
  replacementArg: unknown,
  limitArg: unknown,
  maxStringLength: number,
): string | undefined {
  if (str === undefined) return undefined;
  const limit = numberArg(limitArg);
  if (typeof replacementArg !== 'string') throw new FallBack('$replace replacement');
  if (limit !== undefined && limit < 0) throw new FallBack('$replace arguments');
  if (limit !== undefined && limit <= 0) return str;
  if (limit === undefined)
    return regex.replaceAll(str, regex.template(replacementArg), maxStringLength);
  const template = regex.template(replacementArg);
  let result = '';
  let position = 0;
  for (const m of regex.all(str, limit)) {
    result += str.substring(position, m.start) + renderTemplate(template, [m.match, ...m.groups]);
    if (result.length > maxStringLength) throw new FallBack('$replace result too long');
    position = m.start + m.match.length;
  }
  return result + str.substring(position);
}

/** JSONata's test of an ISO 8601 timestamp before `Date.parse` (`$toMillis` without a picture). */
const ISO_8601 =
  /^\d{4}(-[01]\d)?(-[0-3]\d)?(T[0-2]\d:[0-5]\d:[0-5]\d)?(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$/;

/** `$fromMillis` without a picture: JSONata's ISO 8601 picture in UTC (`Z`). */
const DEFAULT_PICTURE = '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]Z';

/**
 * The picture strings taken here: fixed-width numeric markers of a UTC date-time and literal
 * text (no `[[` escapes, names, widths or time zones, which JSONata's formatter handles).
 */
const SIMPLE_PICTURE = /^(?:\[(?:Y0001|M01|D01|H01|m01|s01|f001)\]|[^[\]])*$/;
const PICTURE_MARKER = /\[(Y0001|M01|D01|H01|m01|s01|f001)\]/g;

/** `$fromMillis(ms, picture)` for a simple picture, in UTC; anything else falls back. */
function formatUtc(millis: number, picture: string | undefined): string {
  if (picture === undefined || !SIMPLE_PICTURE.test(picture)) {
    throw new FallBack('$fromMillis picture');
  }
  const date = new Date(millis);
  const year = date.getUTCFullYear();
  // Beyond four digits (or before year 0) JSONata's year formatting has rules of its own.
  if (Number.isNaN(year) || year < 0 || year > 9999) throw new FallBack('$fromMillis year');
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return picture.replace(PICTURE_MARKER, (_marker, component: string) => {
    switch (component) {
      case 'Y0001':
        return pad(year, 4);
      case 'M01':
        return pad(date.getUTCMonth() + 1, 2);
      case 'D01':
        return pad(date.getUTCDate(), 2);
      case 'H01':
        return pad(date.getUTCHours(), 2);
      case 'm01':
        return pad(date.getUTCMinutes(), 2);
      case 's01':
        return pad(date.getUTCSeconds(), 2);
      default:
        return pad(date.getUTCMilliseconds(), 3);
    }
  });
}

/** Which argument of a built-in may be a regex literal. */
const REGEX_ARGUMENT: ReadonlyMap<string, number> = new Map([
  ['replace', 1],
  ['contains', 1],
  ['split', 1],
  ['match', 1],
]);

/** A UTF-16 surrogate: half of a character beyond the Basic Multilingual Plane (or a lone one). */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * A string as JSONata counts characters, by code point: its code points, or the string itself
 * when it has no surrogate (each code unit is then a code point, and a string's `length` and
 * `slice` are those of the list, without building it).
 */
function characters(s: string | undefined): string | string[] | undefined {
  if (s === undefined) return undefined;
  return SURROGATE.test(s) ? Array.from(s) : s;
}
