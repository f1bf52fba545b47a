import jsonata from 'jsonata';
import safeRegex from 'safe-regex2';
import { HelperError } from './errors';
import type { ExpressionProblem } from './basics';

/**
 * Limits on what one native JSONata built-in may do. JSONata's `timeout` is checked when the
 * evaluator enters a node, so a single native call escapes it: `$pad("x", 500000000)` ran 35 s and
 * grew to 2.9 GB, `/^(a+)+$/` on 32 characters backtracked for 21 s. Two checks close that:
 *
 * - at load, every regular expression literal is checked for catastrophic backtracking (nested
 *   repetition, safe-regex2), and `$eval` is refused: it builds expressions, regexes included, at
 *   run time, where the load-time check cannot see them;
 * - at run time, the string built-ins are shadowed by wrappers that refuse a string argument, a
 *   `$pad` width or a result longer than `maxStringLength` before or after the native call, so
 *   no call works on more than that. A refusal is a HelperError: permanent (dead-lettered once,
 *   naming mapping, field and limit), never retried.
 *
 * Cost: one length check per argument of a string built-in; the wrappers are plain functions
 * once the built-ins are resolved (at module load), so no promise is added per call.
 */

/**
 * Built-ins that take or return strings whose work grows with string length, with their JSONata
 * signatures (as JSONata 2.x declares them), so a wrapper validates and binds arguments alike.
 */
const STRING_BUILTINS: Readonly<Record<string, string>> = {
  string: '<x-b?:s>',
  substring: '<s-nn?:s>',
  substringBefore: '<s-s:s>',
  substringAfter: '<s-s:s>',
  lowercase: '<s-:s>',
  uppercase: '<s-:s>',
  length: '<s-:n>',
  trim: '<s-:s>',
  pad: '<s-ns?:s>',
  match: '<s-f<s:o>n?:a<o>>',
  contains: '<s-(sf):b>',
  replace: '<s-(sf)(sf)n?:s>',
  split: '<s-(sf)n?:a<s>>',
  join: '<a<s>s?:s>',
  base64encode: '<s-:s>',
  base64decode: '<s-:s>',
  encodeUrlComponent: '<s-:s>',
  encodeUrl: '<s-:s>',
  decodeUrlComponent: '<s-:s>',
  decodeUrl: '<s-:s>',
};
const STRING_BUILTIN_NAMES = Object.keys(STRING_BUILTINS);

/** The built-ins guarded here: the fast path hands a string past the limit to them (fast-path.ts). */
export const GUARDED_BUILTINS: ReadonlySet<string> = new Set(STRING_BUILTIN_NAMES);

/** Functions a mapping or filter may not call, with why. */
const REFUSED_FUNCTIONS: Readonly<Record<string, ExpressionProblem>> = {
  eval: {
    message:
      '$eval is not allowed: it builds an expression at run time, which the load-time safety checks cannot see',
    hint: 'write the expression out instead',
  },
};

/** A JSONata function value: what `$pad` evaluates to, and what `assign` can bind. */
interface BuiltinFunction {
  _jsonata_function: true;
  implementation: (...args: unknown[]) => unknown;
  /** Parsed once by JSONata (`validate` checks and binds the arguments). */
  signature: unknown;
}

/** The native implementations, resolved once at module load (JSONata evaluates asynchronously). */
const builtins = new Map<string, BuiltinFunction>();
const builtinsReady: Promise<void> = jsonata(
  `[${STRING_BUILTIN_NAMES.map((n) => `$${n}`).join(', ')}]`,
)
  .evaluate({})
  .then((fns: BuiltinFunction[]) => {
    STRING_BUILTIN_NAMES.forEach((name, i) => builtins.set(name, fns[i]));
  });

/**
 * The first problem with the expression's regular expressions or refused functions, or
 * undefined. Walks the whole syntax tree once, at load.
 */
export function unsafeConstruct(ast: jsonata.ExprNode): ExpressionProblem | undefined {
  const seen = new Set<object>();
  let problem: ExpressionProblem | undefined;
  const visit = (node: unknown): void => {
    if (problem || node === null || typeof node !== 'object' || seen.has(node)) return;
    if (node instanceof RegExp) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    const n = node as jsonata.ExprNode & { value?: unknown };
    if (n.type === ('regex' as string) && n.value instanceof RegExp) {
      problem = regexProblem(n.value, n.position ?? 0);
      if (problem) return;
    }
    if (n.type === 'function' && n.procedure?.type === 'variable') {
      const refused = REFUSED_FUNCTIONS[String(n.procedure.value)];
      if (refused) {
        problem = { ...refused, message: `${refused.message} (position ${n.position ?? 0})` };
        return;
      }
    }
    Object.values(n).forEach(visit);
  };
  visit(ast);
  return problem;
}

/**
 * Why a regex literal could backtrack without bound, or undefined: the two exponential shapes,
 * nested repetition (`(a+)+`, found by safe-regex2) and a repeated alternation (`(a|a)*`,
 * which safe-regex2 lets through). Refused at load, since no time limit can stop a match once
 * it runs. V8's linear-time fallback engine
 * (`--enable-experimental-regexp-engine-on-excessive-backtracks`) would catch the rest, but it
 * is process-wide and made every regex of the hub slower: a Stripe mapping took 3.5 times as
 * long per event with it on.
 */
function regexProblem(re: RegExp, position: number): ExpressionProblem | undefined {
  const what = `regular expression /${re.source}/${re.flags.replace('g', '')} at position ${position}`;
  if (!safeRegex(re)) {
    return {
      message: `${what} can backtrack catastrophically (a repetition inside a repetition), which no time limit can interrupt`,
      hint: 'remove the nested repetition, e.g. /^(a+)+$/ → /^a+$/',
    };
  }
  if (ALTERNATION_UNDER_REPETITION.test(re.source)) {
    return {
      message: `${what} repeats an alternation, which can backtrack exponentially when the alternatives overlap`,
      hint: 'use a character class ([ab]+ instead of (a|b)+), or match each alternative in its own call',
    };
  }
  return undefined;
}

/** A group holding `|`, repeated: `(a|ab)*`, `(?:x|y)+`, `(a|b){2,}`. */
const ALTERNATION_UNDER_REPETITION = /\([^()]*\|[^()]*\)(?:[*+]|\{\d+,)/;

/** Shadows the string built-ins of `expression` with wrappers that enforce `maxLength`. */
export function registerStringGuards(expression: jsonata.Expression, maxLength: number): void {
  const cached = guardedFunctions(maxLength);
  for (const [name, signature] of Object.entries(STRING_BUILTINS)) {
    const fn = cached?.get(name);
    // Bound as a ready function value: no signature parsing per expression (registerFunction
    // parses it each time, 20 × every expression of every mapping at each load).
    if (fn) expression.assign(name, fn);
    else expression.registerFunction(name, guard(name, maxLength), signature);
  }
}

/** Per limit, the guarded function values (once the built-ins are resolved; else undefined). */
const guardedByLimit = new Map<number, Map<string, BuiltinFunction>>();

function guardedFunctions(maxLength: number): Map<string, BuiltinFunction> | undefined {
  if (builtins.size === 0) return undefined;
  let cached = guardedByLimit.get(maxLength);
  if (!cached) {
    cached = new Map();
    for (const [name, builtin] of builtins) {
      cached.set(name, { ...builtin, implementation: guard(name, maxLength) });
    }
    guardedByLimit.set(maxLength, cached);
  }
  return cached;
}

function guard(name: string, maxLength: number) {
  return function (this: unknown, ...args: unknown[]): unknown {
    checkArguments(name, args, maxLength);
    if (!builtins.has(name)) {
      // Only before module load finished resolving them: wait once.
      return builtinsReady.then(() => callChecked(this, name, args, maxLength));
    }
    return callChecked(this, name, args, maxLength);
  };
}

function callChecked(self: unknown, name: string, args: unknown[], maxLength: number): unknown {
  const result = (builtins.get(name) as BuiltinFunction).implementation.apply(self, args);
  // `$replace` with a function replacement is async in JSONata 2.x.
  if (result instanceof Promise) return result.then((r) => checkResult(name, r, maxLength));
  return checkResult(name, result, maxLength);
}

function checkResult(name: string, result: unknown, maxLength: number): unknown {
  if (typeof result === 'string' && result.length > maxLength) {
    throw new HelperError(
      name,
      `the result is ${result.length} characters long; the limit is ${maxLength} (maxStringLength)`,
    );
  }
  return result;
}

function checkArguments(name: string, args: unknown[], maxLength: number): void {
  args.forEach((arg, argIndex) => {
    if (typeof arg === 'string' && arg.length > maxLength) {
      throw new HelperError(
        name,
        `argument ${argIndex + 1} is ${arg.length} characters long; the limit is ${maxLength} (maxStringLength)`,
        argIndex,
      );
    }
  });
  // `$replace(s, "a", r)`: every match becomes r, so the result can be |s| × |r| long; count the
  // matches of a string pattern (one indexOf scan) and refuse before building it.
  if (name === 'replace') checkReplaceSize(args, maxLength);
  // `$pad(s, width)`: the native call allocates |width| characters before anything can stop it.
  if (name === 'pad' && typeof args[1] === 'number' && Math.abs(args[1]) > maxLength) {
    throw new HelperError(
      'pad',
      `width ${args[1]} is over the limit of ${maxLength} characters (maxStringLength)`,
      1,
    );
  }
}

function checkReplaceSize(args: unknown[], maxLength: number): void {
  const [str, pattern, replacement, limitArg] = args;
  if (typeof str !== 'string' || typeof pattern !== 'string' || pattern === '') return;
  if (typeof replacement !== 'string' || replacement.length <= pattern.length) return;
  const limit = typeof limitArg === 'number' ? limitArg : Infinity;
  let count = 0;
  for (let at = str.indexOf(pattern); at !== -1 && count < limit; count++) {
    at = str.indexOf(pattern, at + pattern.length);
  }
  const size = str.length + count * (replacement.length - pattern.length);
  if (size > maxLength) {
    throw new HelperError(
      'replace',
      `the result would be ${size} characters long (${count} matches replaced by ${replacement.length} characters); the limit is ${maxLength} (maxStringLength)`,
      2,
    );
  }
}
