import jsonata from 'jsonata';
import {
  INDEX_VARIABLE,
  JSONATA_BUILTIN_FUNCTIONS,
  JSONATA_DOCS_URL,
  ROOT_VARIABLE,
} from './constants';
import { registerStringGuards, unsafeConstruct } from './guards';
import { closest } from './suggest';
import type { ExpressionProblem, HelperFunction, MappingLimits } from './basics';

export type { ExpressionProblem };

/** What is wrong with an expression, and how to fix it. */

/** Error shape of the JSONata parser and evaluator (plain objects or Errors with these fields). */
export interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  index?: number;
  message?: string;
}

// Advice for the parser errors stewards actually make, by JSONata error code.
const SYNTAX_HINTS: Readonly<Record<string, string>> = {
  S0101: 'close the string with the quote it was opened with',
  S0102: 'the number is too large',
  S0103: 'use a supported escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX',
  S0105: 'close the `quoted field name` with a backquote',
  S0201: 'check the operators and punctuation just before this position',
  S0202: 'check the parentheses, brackets and commas',
  S0203: 'check the parentheses',
  S0204: 'JSONata operators are = != < > and or & (string join) + - * / %',
  S0205: 'check the operators and punctuation just before this position',
  S0207: 'the expression is incomplete',
  S0208: 'function parameters must be variables such as $x',
  S0211: 'check the operators and punctuation just before this position',
  S0212: 'only a $variable can be assigned with :=',
  S0301: 'an empty regular expression // matches nothing useful',
  S0302: 'close the regular expression with /',
};

/**
 * Compiles a JSONata expression once, with the evaluation limits and the helpers. Refuses syntax
 * errors and calls to unknown functions or variables now, instead of at the first payload.
 */
export function compileExpression(
  text: string,
  limits: MappingLimits,
  helpers: readonly HelperFunction[],
): { expression: jsonata.Expression } | { problem: ExpressionProblem } {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(text, {
      timeout: limits.expressionTimeoutMs,
      stack: limits.maxEvaluationDepth,
      sequence: limits.maxSequenceLength,
    });
  } catch (err) {
    const failure = err as JsonataFailure;
    return {
      problem: {
        message: `JSONata syntax error at position ${failure.position ?? 0}: ${failure.message ?? String(err)}`,
        hint: SYNTAX_HINTS[failure.code ?? ''] ?? `see ${JSONATA_DOCS_URL}`,
      },
    };
  }
  const unknown = unknownNames(expression.ast(), helpers) ?? unsafeConstruct(expression.ast());
  if (unknown) return { problem: unknown };
  registerStringGuards(expression, limits.maxStringLength);
  for (const helper of helpers) {
    expression.registerFunction(helper.name, helper.implementation);
  }
  return { expression };
}

/**
 * The first `$name` that is neither bound in the expression, a JSONata function, a helper, nor
 * `$root`/`$index`. JSONata would silently read it as undefined (or fail on the first payload).
 */
function unknownNames(
  ast: jsonata.ExprNode,
  helpers: readonly HelperFunction[],
): ExpressionProblem | undefined {
  const known = new Set<string>([
    ...JSONATA_BUILTIN_FUNCTIONS,
    ...helpers.map((h) => h.name),
    ROOT_VARIABLE,
    INDEX_VARIABLE,
  ]);
  const bound = new Set<string>(['', '$']);
  const used: { name: string; position: number; called: boolean }[] = [];
  const seen = new Set<object>();
  let callProblem: ExpressionProblem | undefined;

  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    const n = node as jsonata.ExprNode & Record<string, unknown>;
    if (n.type === 'variable' && typeof n.value === 'string') {
      used.push({ name: n.value, position: n.position ?? 0, called: false });
    }
    if ((n.type === 'function' || n.type === 'partial') && n.procedure?.type === 'variable') {
      const name = String(n.procedure.value);
      used.push({ name, position: n.position ?? 0, called: true });
      const helper = helpers.find((h) => h.name === name);
      const literals = (n.arguments ?? []).map((a) =>
        a.type === 'string' && typeof a.value === 'string' ? a.value : undefined,
      );
      const problem = helper?.checkCall?.(literals);
      if (problem && !callProblem) {
        callProblem = { ...problem, message: `${problem.message} (position ${n.position ?? 0})` };
      }
    }
    if (n.type === ('bind' as string) && !Array.isArray(n.lhs) && n.lhs?.type === 'variable') {
      bound.add(String(n.lhs.value));
    }
    if (n.type === 'lambda') {
      for (const arg of n.arguments ?? []) bound.add(String(arg.value));
    }
    // Positional bindings: `items@$item` and `items#$i`.
    if (typeof n.focus === 'string') bound.add(n.focus);
    if (typeof n.index === 'string') bound.add(n.index);
    Object.values(n).forEach(visit);
  };
  visit(ast);

  const unknown = used.find((u) => !bound.has(u.name) && !known.has(u.name));
  if (!unknown) return callProblem;
  const suggestion = closest(unknown.name, [...known, ...bound].filter(Boolean));
  const what = unknown.called
    ? `unknown function $${unknown.name}()`
    : `unknown variable $${unknown.name}`;
  return {
    message: `${what} at position ${unknown.position}`,
    hint: suggestion
      ? `did you mean $${suggestion}?`
      : `helpers: ${helpers.map((h) => `$${h.name}`).join(', ')}; JSONata functions: ${JSONATA_DOCS_URL}`,
  };
}
