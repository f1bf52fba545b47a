import { INDEX_VARIABLE, ROOT_VARIABLE } from './constants';
import { minorUnitsOf, normalizeCurrency } from './currencies';
import { DecimalError, toMinorUnitPlaces } from './decimal';
import { HelperError, MappingError, TIMEOUT_RULE, type MappingErrorDetails } from './errors';
import type { JsonataFailure } from './expression';
import type { CallMemo } from './fast-path';
import { prune, setPath } from './field-path';
import { plainPath, pointerForFailure, toPointer } from './payload-pointer';
import type { CompiledExpression, CompiledField, CompiledMapping, MappedException } from './types';

/** The canonical exception's Money fields (schemas/canonical-exception.v1.schema.json). */
const MONEY_FIELDS = ['amount', 'amountBase'] as const;

/**
 * Expression evaluations since start, by the path that answered them: `compiled` by the fast path
 * (fast-path.ts), `jsonata` by JSONata (expressions the fast path does not cover, and those it
 * fell back on); `fellBack` counts the fast path's fall-backs (each also counted in `jsonata`).
 */
export const evaluationCounts = { compiled: 0, jsonata: 0, fellBack: 0 };

/** Which `each` item an evaluation is at, for the time-out messages (items 0 without `each`). */
interface Progress {
  item: number;
  items: number;
}

/**
 * Applies one compiled mapping to one payload: `match` → `each` → `fields`.
 *
 * Limits: every expression runs under JSONata's own guardrails, set at compile time (a
 * per-expression timeout — `each` has its own, larger one —, an evaluation depth and a sequence
 * length, checked each time the evaluator enters a node); the mapping has a time budget, checked
 * before each expression: per payload, or per item for a mapping with `each`, so a statement with
 * a thousand entries gets a thousand budgets; `each` may yield at most `maxEachItems` items; and
 * the payload's nesting depth is checked before anything runs, because JSONata's `**` and the
 * result copy recurse natively.
 */
export async function evaluateMapping(
  mapping: CompiledMapping,
  payload: unknown,
): Promise<MappedException[]> {
  const { limits } = mapping;
  let deadline = Date.now() + limits.mappingTimeoutMs;
  const progress: Progress = { item: 0, items: 0 };
  checkPayloadDepth(mapping, payload);
  // The variables every expression sees: one object per item, shared by its expressions (neither
  // the fast path nor JSONata, which copies them into its own frame, writes to it).
  const payloadBindings = { [ROOT_VARIABLE]: payload, [INDEX_VARIABLE]: 0 };
  const run = (
    expr: CompiledExpression,
    input: unknown,
    bindings: Record<string, unknown>,
    itemPointer?: string,
    memo?: CallMemo,
  ) => {
    // The compiled path answers synchronously: no promise for the common case.
    const quick = runCompiled(mapping, expr, input, bindings, deadline, progress, memo);
    return quick !== NOT_ANSWERED
      ? quick
      : runExpression(mapping, expr, input, bindings, itemPointer, deadline, progress);
  };

  if (mapping.match) {
    const matched = run(mapping.match, payload, payloadBindings, '');
    if (!effectiveBoolean(matched instanceof Promise ? await matched : matched)) return [];
  }
  let items: unknown[] = [payload];
  if (mapping.each) {
    const yielded = run(mapping.each, payload, payloadBindings, '');
    items = toItems(yielded instanceof Promise ? await yielded : yielded);
    checkItemCount(mapping, mapping.each, items.length);
    progress.items = items.length;
  }

  const results: MappedException[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const itemPointer = mapping.each ? eachItemPointer(mapping.each, payload, item, index) : '';
    if (mapping.each) {
      // One budget per item: the work grows with the items, each item's does not.
      progress.item = index;
      deadline = Date.now() + limits.mappingTimeoutMs;
    }
    const combined = mapping.combined
      ? await evaluateCombined(mapping, item, payload, index, deadline)
      : undefined;
    // The slow path re-runs what failed to name the field at fault: it gets its own budget,
    // so a runaway expression costs at most two budgets.
    if (combined === 'failed') deadline = Date.now() + limits.mappingTimeoutMs;
    const bindings =
      index === 0 ? payloadBindings : { [ROOT_VARIABLE]: payload, [INDEX_VARIABLE]: index };
    const fields: Record<string, unknown> = {};
    // The calls the item's fields repeat, computed once (fast-path.ts, CallMemo): this item's only.
    const memo: CallMemo = [];
    const mappingFields = mapping.fields;
    for (let f = 0; f < mappingFields.length; f++) {
      const field = mappingFields[f];
      let raw: unknown;
      if (!field.expression) raw = field.constant;
      else if (combined instanceof Map && combined.has(field)) raw = combined.get(field);
      else {
        const value = run(field.expression, item, bindings, itemPointer, memo);
        raw = value instanceof Promise ? await value : value;
      }
      const value = prune(raw);
      if (value !== undefined) setPath(fields, field.segments, value);
    }
    normalizeAmounts(mapping, fields, itemPointer ?? '');
    const mapped: MappedException = {
      mapping: { id: mapping.id, version: mapping.version },
      fields,
    };
    if (mapping.emits === 'lifecycle') mapped.emits = 'lifecycle';
    results.push(mapped);
  }
  return results;
}

/**
 * Every field's value from the combined expression, or undefined when there is none or it failed
 * (the caller then evaluates field by field, which reports the failure with its field).
 */
async function evaluateCombined(
  mapping: CompiledMapping,
  item: unknown,
  payload: unknown,
  index: number,
  deadline: number,
): Promise<Map<CompiledField, unknown> | 'failed' | undefined> {
  const combined = mapping.combined;
  if (!combined || Date.now() > deadline) return undefined;
  let result: { values?: unknown[] } | undefined;
  evaluationCounts.jsonata += combined.fields.length;
  try {
    result = (await combined.jsonata.evaluate(item, {
      [ROOT_VARIABLE]: payload,
      [INDEX_VARIABLE]: index,
    })) as { values?: unknown[] } | undefined;
  } catch {
    return 'failed';
  }
  const values = result?.values;
  if (!Array.isArray(values) || values.length !== combined.fields.length) return undefined;
  return new Map(combined.fields.map((field, i) => [field, values[i]]));
}

/** runCompiled's answer when the expression has no fast path, or the fast path handed over. */
const NOT_ANSWERED = Symbol('not answered');

/** The expression's value through its compiled fast path, or NOT_ANSWERED. */
function runCompiled(
  mapping: CompiledMapping,
  expr: CompiledExpression,
  input: unknown,
  bindings: Record<string, unknown>,
  deadline: number,
  progress: Progress,
  memo?: CallMemo,
): unknown {
  if (!expr.fast) return NOT_ANSWERED;
  checkBudget(mapping, expr, deadline, progress);
  try {
    const value = expr.fast.run(input, bindings, memo);
    evaluationCounts.compiled++;
    return value;
  } catch {
    // A case the compiled form does not answer to the letter (or an error): JSONata answers
    // instead, with its own result or its own error, so the output never differs.
    evaluationCounts.fellBack++;
    return NOT_ANSWERED;
  }
}

function checkBudget(
  mapping: CompiledMapping,
  expr: CompiledExpression,
  deadline: number,
  progress: Progress,
): void {
  if (Date.now() > deadline) {
    const per = mapping.each && progress.items > 0 ? 'per item' : 'per payload';
    throw mappingError(mapping, expr, {
      rule: TIMEOUT_RULE,
      pointer: '',
      detail:
        `the mapping's budget of ${mapping.limits.mappingTimeoutMs} ms ${per} ran out before this ` +
        `expression${itemOf(progress)}; raise mappingTimeoutMs if valid payloads need longer`,
    });
  }
}

/** ` (item 37 of 300)` within an `each`, nothing otherwise. */
function itemOf(progress: Progress): string {
  return progress.items > 0 ? ` (item ${progress.item + 1} of ${progress.items})` : '';
}

/**
 * Refuses an `each` that yields more than `maxEachItems` items, naming the count: the hub never
 * maps part of a document and drops the rest.
 */
function checkItemCount(mapping: CompiledMapping, each: CompiledExpression, count: number): void {
  const max = mapping.limits.maxEachItems;
  if (count <= max) return;
  throw mappingError(mapping, each, {
    rule: 'each_items',
    pointer: '',
    detail:
      `\`each\` yielded ${count} items, more than the limit of ${max} (maxEachItems); ` +
      'nothing of this payload was mapped — split the document at the source, or raise maxEachItems',
  });
}

async function runExpression(
  mapping: CompiledMapping,
  expr: CompiledExpression,
  input: unknown,
  bindings: Record<string, unknown>,
  itemPointer: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<unknown> {
  checkBudget(mapping, expr, deadline, progress);
  evaluationCounts.jsonata++;
  try {
    return await expr.jsonata.evaluate(input, bindings);
  } catch (err) {
    throw translateFailure(mapping, expr, err, itemPointer, progress);
  }
}

function translateFailure(
  mapping: CompiledMapping,
  expr: CompiledExpression,
  err: unknown,
  itemPointer: string | undefined,
  progress: Progress,
): MappingError {
  const failure = (err ?? {}) as JsonataFailure & { argIndex?: number };
  const pointer = pointerForFailure(expr.jsonata.ast(), failure, itemPointer);
  const { limits } = mapping;
  const at = (details: { rule: string; detail: string }) =>
    mappingError(mapping, expr, { ...details, pointer }, err);

  if (err instanceof HelperError) return at({ rule: 'helper', detail: err.message });
  if (err instanceof RangeError) {
    return at({
      rule: 'depth',
      detail: `ran out of stack (${err.message}); simplify the expression`,
    });
  }
  switch (failure.code) {
    case 'D1012': {
      const [limit, knob] =
        expr === mapping.each
          ? [limits.eachTimeoutMs, 'eachTimeoutMs']
          : [limits.expressionTimeoutMs, 'expressionTimeoutMs'];
      return at({
        rule: TIMEOUT_RULE,
        detail:
          `took longer than ${limit} ms (${knob})${itemOf(progress)}; check for an endless loop ` +
          'or a walk over a very large payload',
      });
    }
    case 'D1011':
      return at({
        rule: 'depth',
        detail: `nested deeper than ${limits.maxEvaluationDepth} evaluation frames; check for endless recursion`,
      });
    case 'D2014':
    case 'D2015':
      return at({
        rule: 'sequence',
        detail: `built a sequence longer than ${limits.maxSequenceLength} items (${failure.message ?? failure.code})`,
      });
    case undefined:
      return at({ rule: 'error', detail: failure.message ?? String(err) });
    default:
      return at({
        rule: `jsonata:${failure.code}`,
        detail: `JSONata error ${failure.code} at position ${failure.position ?? 0}: ${failure.message ?? ''}`,
      });
  }
}

/**
 * Every amount the mapping produced, in its currency's ISO 4217 minor units (`"2300.000"` CHF →
 * `"2300.00"`), whichever helper or expression built it, so the same money always reads the same.
 * A non-zero digit beyond the minor units is refused at stage map, naming the field, the value,
 * the currency and its minor units: the hub never rounds money silently.
 */
function normalizeAmounts(
  mapping: CompiledMapping,
  fields: Record<string, unknown>,
  itemPointer: string,
): void {
  for (const name of MONEY_FIELDS) {
    const money = fields[name] as { value?: unknown; currency?: unknown } | undefined;
    if (!money || typeof money !== 'object' || typeof money.currency !== 'string') continue;
    const currency = normalizeCurrency(money.currency);
    if (!currency || money.value === undefined) continue; // validation names the bad shape
    try {
      const value = toMinorUnitPlaces(money.value, minorUnitsOf(currency));
      // Already in minor units (what the money helpers build): the pruned copy stays as it is.
      if (value !== money.value) fields[name] = { ...money, value };
    } catch (err) {
      if (!(err instanceof DecimalError)) throw err;
      const field = mapping.fields.find((f) => f.segments[0] === name);
      throw mappingError(mapping, field?.expression, {
        rule: 'minor_units',
        pointer: itemPointer,
        detail:
          `${name} ${String(money.value)} ${currency}: ${err.message} (ISO 4217: ${currency} has ` +
          `${minorUnitsOf(currency)}); the hub does not round money — correct the amount at the ` +
          'source, or map it with the currency it is really in',
      });
    }
  }
}

function mappingError(
  mapping: CompiledMapping,
  expr: CompiledExpression | undefined,
  details: Pick<MappingErrorDetails, 'rule' | 'pointer' | 'detail'>,
  cause?: unknown,
): MappingError {
  return new MappingError(
    {
      mappingId: mapping.id,
      mappingVersion: mapping.version,
      location: expr?.location ?? 'payload',
      position: expr?.position,
      ...details,
    },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Deepest limit each payload object already passed. A source has several mappings (four for a
 * Stripe event) and each checks the same parsed payload: walking it once instead of once per
 * mapping was 3 % of the pipeline worker's CPU profile. Weak, so payloads are not kept alive.
 */
const depthChecked = new WeakMap<object, number>();

/** Refuses payloads nested deeper than the limit, naming where. */
function checkPayloadDepth(mapping: CompiledMapping, payload: unknown): void {
  const max = mapping.limits.maxPayloadDepth;
  if (payload === null || typeof payload !== 'object') return;
  if ((depthChecked.get(payload) ?? -1) >= max) return;
  const path = tooDeep(payload, 1, max);
  if (path) {
    throw mappingError(mapping, undefined, {
      rule: 'depth',
      pointer: toPointer(path),
      detail: `the payload nests objects and arrays deeper than ${max} levels`,
    });
  }
  depthChecked.set(payload, max);
}

/**
 * The path to the first value nested deeper than `max`, or undefined. Recursion is bounded by
 * `max`; plain loops (no `Object.entries` arrays) because it visits every node of every payload.
 */
function tooDeep(value: unknown, level: number, max: number): (string | number)[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (level > max) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = tooDeep(value[i], level + 1, max);
      if (found) return [i, ...found];
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const found = tooDeep(record[key], level + 1, max);
    if (found) return [key, ...found];
  }
  return undefined;
}

/** The plain path of each `each` expression (null: none), read once, not once per item. */
const EACH_PATHS = new WeakMap<CompiledExpression, ReturnType<typeof plainPath> | null>();

/**
 * Pointer to an `each` item, when `each` is a plain path to an array of the payload and the
 * item is that array's element (so field pointers can be made absolute); undefined otherwise.
 */
function eachItemPointer(
  each: CompiledExpression,
  payload: unknown,
  item: unknown,
  index: number,
): string | undefined {
  let path = EACH_PATHS.get(each);
  if (path === undefined) {
    path = plainPath(each.jsonata.ast()) ?? null;
    EACH_PATHS.set(each, path);
  }
  if (!path) return undefined;
  let node = payload;
  for (const segment of path.segments) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  if (Array.isArray(node) && node[index] === item) return `${toPointer(path.segments)}/${index}`;
  if (node === item && index === 0) return toPointer(path.segments);
  return undefined;
}

/** The `each` result as a list of items: an array, one value, or nothing. */
function toItems(result: unknown): unknown[] {
  if (result === undefined || result === null) return [];
  return Array.isArray(result)
    ? Array.from(result).filter((i) => i !== undefined && i !== null)
    : [result];
}

/** JSONata's effective boolean value, so `match` reads like a JSONata predicate. */
function effectiveBoolean(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) {
    return value.length === 1 ? effectiveBoolean(value[0]) : value.some(effectiveBoolean);
  }
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'number':
      return value !== 0;
    case 'object': {
      const record = value as Record<string, unknown>;
      if (record._jsonata_lambda || record._jsonata_function) return false;
      return Object.keys(record).length > 0;
    }
    default:
      return false;
  }
}
