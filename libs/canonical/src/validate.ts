import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { formatIssues, InvalidPayloadError, type Issue } from '@exhub/core';
import type { CanonicalException } from './canonical-exception.types';
import { CANONICAL_EXCEPTION_SCHEMA_FILE, canonicalExceptionSchema } from './schema';

export type CanonicalValidationResult =
  { ok: true; value: CanonicalException } | { ok: false; issues: Issue[] };

/** Formats the schema uses; loading only these keeps compilation small. */
const FORMATS = ['date-time', 'date', 'uri'] as const;
/** Keywords whose own error says more than the errors of the branches they tried. */
const COMBINATORS = new Set(['anyOf', 'oneOf']);
/** A wrapper whose inner error (which names the offending property name) says more than it does. */
const PROPERTY_NAMES = 'propertyNames';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function compile(allErrors: boolean): ValidateFunction<CanonicalException> {
  const ajv = new Ajv2020({
    strict: true, // unknown keywords or ignored constraints in the schema fail at start-up
    allErrors,
    allowUnionTypes: true, // open signals are `string | number | boolean | null`
    verbose: true, // errors carry parentSchema, whose `examples` make messages concrete
  });
  addFormats(ajv, [...FORMATS]);
  return ajv.compile<CanonicalException>(canonicalExceptionSchema);
}

// The hot path stops at the first error: cheapest on bad input, and one precise issue is enough to
// dead-letter a message. Tooling (CLI, dry-run) wants every issue and compiles its own, once.
const validateFirst = compile(false);
let validateEvery: ValidateFunction<CanonicalException> | undefined;

const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
const quote = (value: unknown): string => JSON.stringify(value);

/** The offending value; for required and additionalProperties, the property itself. */
function pointerOf({ keyword, instancePath, params, propertyName }: ErrorObject): string {
  const child: string | undefined =
    keyword === 'required'
      ? params.missingProperty
      : keyword === 'additionalProperties'
        ? params.additionalProperty
        : propertyName;
  return child === undefined ? instancePath : `${instancePath}/${escapePointer(child)}`;
}

function constraintOf(error: ErrorObject): string {
  const { params } = error;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return `is not allowed here; allowed properties: ${Object.keys(error.parentSchema?.properties ?? {}).join(', ')}`;
    case 'type':
      return `must be ${[params.type]
        .flat()
        .map((t: string) => TYPE_NAMES[t] ?? t)
        .join(' or ')}`;
    case 'const':
      return `must be ${quote(params.allowedValue)}`;
    case 'enum':
      return `must be one of ${params.allowedValues.map(quote).join(', ')}`;
    case 'pattern':
      return `must match ${params.pattern}`;
    case 'format':
      return `must be a valid ${params.format}`;
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must be at least ${params.limit} characters`;
    case 'maxLength':
      return `must be at most ${params.limit} characters`;
    case 'minItems':
    case 'maxItems':
      return `must have ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${params.limit} items`;
    case 'maxProperties':
      return `must have at most ${params.limit} properties`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${params.comparison} ${params.limit}`;
    case 'uniqueItems':
      return `must not contain duplicates (items ${params.j} and ${params.i} are equal)`;
    case 'anyOf':
    case 'oneOf':
      return 'must match one of the allowed forms';
    default:
      return error.message ?? 'is invalid';
  }
}

function messageOf(error: ErrorObject): string {
  const subject = error.propertyName === undefined ? '' : 'property name ';
  const examples: unknown = error.parentSchema?.examples;
  const hint = Array.isArray(examples) ? ` (for example ${examples.map(quote).join(' or ')})` : '';
  return subject + constraintOf(error) + hint;
}

/**
 * One issue per offending value. Branch errors of a failed anyOf are dropped (the anyOf error
 * says what would have been accepted), as are propertyNames wrappers (the inner error names the
 * property); a value that breaks several constraints (pattern and format) is reported once.
 */
function toIssues(errors: readonly ErrorObject[]): Issue[] {
  const relevant = errors.filter((e) => e.keyword !== PROPERTY_NAMES);
  const combinatorPaths = relevant
    .filter((e) => COMBINATORS.has(e.keyword))
    .map((e) => e.instancePath);
  const inBranch = (e: ErrorObject): boolean =>
    !COMBINATORS.has(e.keyword) &&
    combinatorPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`));
  const byPointer = new Map<string, Issue>();
  for (const error of relevant.filter((e) => !inBranch(e))) {
    const pointer = pointerOf(error);
    if (!byPointer.has(pointer)) {
      byPointer.set(pointer, { pointer, rule: error.keyword, message: messageOf(error) });
    }
  }
  return [...byPointer.values()];
}

function run(
  validate: ValidateFunction<CanonicalException>,
  doc: unknown,
): CanonicalValidationResult {
  return validate(doc)
    ? { ok: true, value: doc }
    : { ok: false, issues: toIssues(validate.errors ?? []) };
}

/**
 * Validates a document against the canonical exception schema, stopping at the first problem (the
 * pipeline's hot path). On success `value` is the same object, now typed.
 */
export function validateCanonicalException(doc: unknown): CanonicalValidationResult {
  return run(validateFirst, doc);
}

/** Like validateCanonicalException but reports every problem: for the CLI and dry-runs, not the pipeline. */
export function validateCanonicalExceptionAll(doc: unknown): CanonicalValidationResult {
  validateEvery ??= compile(true);
  return run(validateEvery, doc);
}

/** Throws InvalidPayloadError (stage `validate`, with the issues) unless `doc` is a canonical exception. */
export function assertCanonicalException(doc: unknown): asserts doc is CanonicalException {
  const result = validateCanonicalException(doc);
  if (!result.ok) {
    throw new InvalidPayloadError(
      'validate',
      `mapped document is not a valid canonical exception (${CANONICAL_EXCEPTION_SCHEMA_FILE}); fix the mapping: ${formatIssues(result.issues)}`,
      result.issues,
    );
  }
}
