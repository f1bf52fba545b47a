/**
 * The mapping library's plain types, which import nothing: the modules that load, check and
 * evaluate mappings all use them (types.ts re-exports them).
 */

/** A place in a mapping or cases file, 1-based, as editors show it. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/**
 * Resource limits of one evaluation. The JSONata guardrails (the expression and `each` time
 * limits, depth and sequence length) are checked each time the evaluator enters an expression
 * node; the others are enforced by this library.
 */
export interface MappingLimits {
  /** Wall-clock limit of one expression on one payload, in ms (JSONata `timeout`, error D1012). */
  expressionTimeoutMs: number;
  /**
   * Wall-clock budget of one mapping on one payload, all expressions together, in ms; for a
   * mapping with `each`, of each item's field expressions (the budget starts again at each item,
   * so a statement with many entries gets one budget per entry).
   */
  mappingTimeoutMs: number;
  /**
   * Wall-clock limit of the `each` expression on one payload, in ms (JSONata `timeout`): it walks
   * the whole document once, so its cost grows with the document, unlike a field's.
   */
  eachTimeoutMs: number;
  /**
   * Most items an `each` expression may yield for one payload. More is refused, naming the count:
   * never truncated. With the two limits above it bounds one payload's time (MappingLimits in
   * libs/mapping/README.md).
   */
  maxEachItems: number;
  /** Deepest nesting of expression frames, recursion included (JSONata `stack`, error D1011). */
  maxEvaluationDepth: number;
  /** Longest sequence an expression may build (JSONata `sequence`, errors D2014/D2015). */
  maxSequenceLength: number;
  /** Deepest nesting of objects and arrays accepted in a payload. */
  maxPayloadDepth: number;
  /**
   * Longest string a string built-in (`$pad`, `$replace`, `$join`, …) may take or return, and the
   * widest `$pad`: one native call cannot be interrupted by the time limits.
   */
  maxStringLength: number;
}

/** A function callable from every expression as `$name(...)`. */
export interface HelperFunction {
  name: string;
  /** One line for stewards: what it does, with an example. */
  doc: string;
  implementation: (...args: unknown[]) => unknown;
  /**
   * The result depends on the arguments alone (no clock, no state that changes while a payload
   * is mapped) and is never modified by whoever reads it: the fast path may then compute a call
   * that several fields of one item make with the same arguments once (fast-path.ts, CallMemo).
   */
  pure?: boolean;
  /**
   * Checks a call at load time, given its arguments that are string literals (undefined for any
   * other argument): e.g. `$lookup('no-such-table', …)` is refused before any payload runs.
   */
  checkCall?: (
    literals: readonly (string | undefined)[],
  ) => { message: string; hint?: string } | undefined;
}

/** One problem found while loading a mapping or cases file. */
export interface MappingProblem extends SourcePosition {
  /** Where in the document, e.g. `fields.amount` (empty for the whole file). */
  path: string;
  /** What is wrong. */
  message: string;
  /** How to fix it, when there is something useful to say. */
  hint?: string;
}

/** Why an expression is refused, and how to fix it. */
export interface ExpressionProblem {
  message: string;
  hint?: string;
}
