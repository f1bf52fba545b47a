import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import jsonata from 'jsonata';
import {
  COLLECT_FUNCTION,
  COMBINED_DEPTH_MARGIN,
  DEFAULT_LIMITS,
  LIFECYCLE_FIELDS,
  LIFECYCLE_KEY_FIELDS,
  LIFECYCLE_REQUIRED_FIELDS,
  LIFECYCLE_STATUSES,
  VERSION_HASH_LENGTH,
} from './constants';
import { MappingLoadError } from './errors';
import { compileExpression } from './expression';
import { compileFast, repeatedCalls } from './fast-path';
import { registerStringGuards } from './guards';
import { splitPath } from './field-path';
import { displayFile } from './files';
import { HELPERS } from './helpers';
import { LookupTables } from './lookups';
import { schemaProblems, validateMappingDocument } from './schema-validation';
import type {
  CompiledExpression,
  CompiledField,
  CompiledMapping,
  CompileOptions,
  HelperFunction,
  MappingEmits,
  MappingLimits,
  MappingProblem,
} from './types';
import { parseYaml, positionOf, problemAt, type DocPath, type YamlSource } from './yaml-source';

/** A mapping document as the schema describes it (only trusted once the schema passed). */
interface MappingDocument {
  id: string;
  description: string;
  source: { system: string; objectType: string };
  emits?: MappingEmits;
  match?: string | null;
  each?: string | null;
  fields: Record<string, { expr?: string; value?: unknown; description: string }>;
}

/** Result of compiling one file: the mapping, or every problem found in it. */
export type CompileResult =
  { mapping: CompiledMapping; problems: [] } | { mapping?: undefined; problems: MappingProblem[] };

/** No tables: every `$lookup` call is refused at load, naming the missing table. */
const EMPTY_LOOKUPS = new LookupTables();

/** The limits in force: the defaults, overridden by `limits`. */
export function resolveLimits(limits: Partial<MappingLimits> = {}): MappingLimits {
  return { ...DEFAULT_LIMITS, ...limits };
}

/** The mapping version: the first 12 hex digits of the sha256 of the file bytes. */
export function contentHash(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, VERSION_HASH_LENGTH);
}

/** Reads, validates and compiles one mapping file; throws MappingLoadError listing every problem. */
export async function loadMappingFile(
  file: string,
  options?: CompileOptions,
): Promise<CompiledMapping> {
  return compileMapping(await readFile(file), displayFile(file), options);
}

/** compileMappingSource that throws MappingLoadError instead of returning problems. */
export function compileMapping(
  bytes: string | Uint8Array,
  file: string,
  options?: CompileOptions,
): CompiledMapping {
  const result = compileMappingSource(bytes, file, options);
  if (!result.mapping) throw new MappingLoadError(result.problems, file);
  return result.mapping;
}

/**
 * Validates a mapping file's text against schemas/mapping.schema.json and compiles each of its
 * JSONata expressions once. Collects every problem (YAML, schema, expressions, field conflicts)
 * rather than stopping at the first; each names the file, line and column.
 */
export function compileMappingSource(
  bytes: string | Uint8Array,
  file: string,
  options: CompileOptions = {},
): CompileResult {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  const parsed = parseYaml(text, file);
  if ('problems' in parsed) return { problems: parsed.problems };
  const { source, data } = parsed;

  const problems = schemaProblems(validateMappingDocument, data, source);
  const doc = (data ?? {}) as Partial<MappingDocument>;
  const limits = resolveLimits(options.limits);
  const helpers = [
    ...HELPERS,
    ...(options.lookups ?? EMPTY_LOOKUPS).helpers(),
    ...(options.functions ?? []),
  ];
  // Later registrations win in JSONata, so the map keeps the last helper of each name.
  const implementations = new Map(helpers.map((h) => [h.name, h.implementation]));
  const pure = new Set(
    [...new Map(helpers.map((h) => [h.name, h])).values()]
      .filter((h) => h.pure === true)
      .map((h) => h.name),
  );
  const fastPath = options.fastPath ?? true;

  // Expressions are compiled even when the schema failed elsewhere, so one pass shows all problems.
  const parse = (
    path: DocPath,
    location: string,
    expr: unknown,
    timeoutMs = limits.expressionTimeoutMs,
  ): CompiledExpression | undefined => {
    if (typeof expr !== 'string' || expr.trim() === '') return undefined;
    const result = compileExpression(expr, { ...limits, expressionTimeoutMs: timeoutMs }, helpers);
    const position = positionOf(source, path);
    if ('problem' in result) {
      problems.push({ ...position, path: location, ...result.problem });
      return undefined;
    }
    return { location, text: expr, position, jsonata: result.expression };
  };

  const parsedMatch = parse(['match'], 'match', doc.match);
  // `each` walks the whole document once: its own time limit, which grows with no field's cost.
  const parsedEach = parse(['each'], 'each', doc.each, limits.eachTimeoutMs);
  const fieldEntries = isRecord(doc.fields) ? Object.entries(doc.fields) : [];
  const parsedFields = fieldEntries.map(([path, spec]) => {
    const s = (isRecord(spec) ? spec : {}) as Partial<MappingDocument['fields'][string]>;
    return { path, s, expression: parse(['fields', path, 'expr'], `fields.${path}`, s.expr) };
  });

  // The fast path, once every field is parsed: the calls the fields repeat (the same amount
  // converted by the title, the amount and the base amount) are memoized per item (fast-path.ts,
  // CallMemo).
  const memoize = fastPath
    ? repeatedCalls(
        parsedFields.flatMap((f) => (f.expression ? [f.expression.jsonata.ast()] : [])),
        implementations,
        pure,
      )
    : undefined;
  const withFast = (expr: CompiledExpression | undefined): CompiledExpression | undefined => {
    if (!expr || !memoize) return expr;
    const fast = compileFast(expr.jsonata.ast(), implementations, limits.maxStringLength, {
      memoize,
    });
    return fast ? { ...expr, fast } : expr;
  };
  const match = withFast(parsedMatch);
  const each = withFast(parsedEach);
  const fields: CompiledField[] = parsedFields.map(({ path, s, expression }) => ({
    path,
    segments: splitPath(path),
    description: String(s.description ?? ''),
    expression: withFast(expression),
    constant: s.value,
    position: positionOf(source, ['fields', path], true),
  }));
  problems.push(
    ...fieldConflicts(fields, source),
    ...idProblems(doc, source),
    ...emitsProblems(doc, fields, source),
  );

  if (problems.length > 0) return { problems: sortByPosition(problems) };
  const valid = doc as MappingDocument;
  const combined = combineFields(fields, limits, helpers);
  return {
    problems: [],
    mapping: {
      id: valid.id,
      description: valid.description,
      file,
      version: contentHash(bytes),
      position: positionOf(source, ['id']),
      source: { system: valid.source.system, objectType: valid.source.objectType },
      emits: valid.emits ?? 'exception',
      match,
      each,
      fields,
      limits,
      ...(combined ? { combined } : {}),
    },
  };
}

/** What the combined expression returns: every field's value, in order. */
interface CollectedValues {
  values: unknown[];
}

/**
 * `$__exhubFields((expr1), (expr2), …)`: one evaluation for all fields. Each expression keeps its
 * own parentheses (a block, so its `:=` variables stay its own) and is evaluated against the same
 * input as alone; function arguments are not flattened, so each value arrives as it would alone.
 */
function combineFields(
  fields: readonly CompiledField[],
  limits: MappingLimits,
  helpers: readonly HelperFunction[],
): CompiledMapping['combined'] {
  const withExpression = fields.filter((f) => f.expression && !f.expression.fast);
  if (withExpression.length < 2) return undefined;
  const text = `$${COLLECT_FUNCTION}(${withExpression.map((f) => `(${f.expression?.text}\n)`).join(', ')})`;
  let expression: jsonata.Expression;
  try {
    expression = jsonata(text, {
      timeout: limits.mappingTimeoutMs,
      stack: limits.maxEvaluationDepth + COMBINED_DEPTH_MARGIN,
      sequence: limits.maxSequenceLength,
    });
  } catch {
    return undefined; // Each field compiled alone; the per-field path still works.
  }
  registerStringGuards(expression, limits.maxStringLength);
  for (const helper of helpers) expression.registerFunction(helper.name, helper.implementation);
  expression.registerFunction(COLLECT_FUNCTION, (...values: unknown[]): CollectedValues => ({
    values,
  }));
  return { jsonata: expression, fields: withExpression };
}

/** `amount` and `amount.value` both set: one would silently overwrite the other. */
function fieldConflicts(fields: readonly CompiledField[], source: YamlSource): MappingProblem[] {
  const problems: MappingProblem[] = [];
  for (const field of fields) {
    const parent = fields.find(
      (other) =>
        other !== field &&
        other.segments.length < field.segments.length &&
        other.segments.every((segment, i) => field.segments[i] === segment),
    );
    if (parent) {
      problems.push(
        problemAt(source, ['fields', field.path], `conflicts with \`${parent.path}\``, {
          onKey: true,
          hint: `set \`${parent.path}\` as a whole or its parts one by one, not both`,
        }),
      );
    }
  }
  return problems;
}

/** Ids are `<system>.<name>`, so an id tells which source it maps and never collides across systems. */
function idProblems(doc: Partial<MappingDocument>, source: YamlSource): MappingProblem[] {
  const system = doc.source?.system;
  if (typeof doc.id !== 'string' || typeof system !== 'string' || doc.id.startsWith(`${system}.`)) {
    return [];
  }
  return [
    problemAt(source, ['id'], `"${doc.id}" does not start with the source system "${system}."`, {
      hint: `name it ${system}.<name>, e.g. ${system}.${doc.id.split('.').pop() ?? 'name'}`,
    }),
  ];
}

/**
 * A lifecycle mapping names the exception it ends (its natural key) and what became of it, and
 * nothing else; an exception mapping cannot set `lifecycle.*`. A constant status must be one the
 * hub applies (an expression's result is checked per payload, in the pipeline).
 */
function emitsProblems(
  doc: Partial<MappingDocument>,
  fields: readonly CompiledField[],
  source: YamlSource,
): MappingProblem[] {
  const problems: MappingProblem[] = [];
  // Any other `emits` is the schema's problem to report.
  if (doc.emits === undefined || doc.emits === 'exception') {
    for (const f of fields.filter((f) => f.segments[0] === 'lifecycle')) {
      problems.push(
        problemAt(source, ['fields', f.path], `\`${f.path}\` is only for lifecycle mappings`, {
          onKey: true,
          hint: 'add `emits: lifecycle` to report that the source ended or re-opened an exception, or remove the field',
        }),
      );
    }
    return problems;
  }
  if (doc.emits !== 'lifecycle') return problems;
  const paths = new Set(fields.map((f) => f.path));
  const isReference = (p: string) => p === 'references' || p.startsWith('references.');
  const byReference = [...paths].some(isReference);
  const required = [
    ...LIFECYCLE_REQUIRED_FIELDS,
    ...(byReference && !LIFECYCLE_KEY_FIELDS.some((k) => paths.has(k)) ? [] : LIFECYCLE_KEY_FIELDS),
  ];
  for (const missing of required.filter((r) => !paths.has(r))) {
    problems.push(
      problemAt(source, ['fields'], `a lifecycle mapping must set \`${missing}\``, {
        onKey: true,
        hint: 'name the exception by the natural key the opening mapping used (type, source.objectType, source.objectId), or by `references.<kind>` it carries',
      }),
    );
  }
  for (const f of fields.filter((f) => !LIFECYCLE_FIELDS.has(f.path) && !isReference(f.path))) {
    problems.push(
      problemAt(source, ['fields', f.path], `\`${f.path}\` is not set by a lifecycle mapping`, {
        onKey: true,
        hint: `a lifecycle mapping sets only ${[...LIFECYCLE_FIELDS].join(', ')} and references.<kind>; the exception keeps its other fields`,
      }),
    );
  }
  const status = fields.find((f) => f.path === 'lifecycle.status');
  if (
    status &&
    !status.expression &&
    !(LIFECYCLE_STATUSES as readonly unknown[]).includes(status.constant)
  ) {
    problems.push(
      problemAt(source, ['fields', 'lifecycle.status', 'value'], 'is not a lifecycle status', {
        hint: `use one of: ${LIFECYCLE_STATUSES.join(', ')}`,
      }),
    );
  }
  return problems;
}

function sortByPosition(problems: MappingProblem[]): MappingProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
