import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import mappingSchema from '../../../schemas/mapping.schema.json';
import casesSchema from './cases.schema.json';
import { closest } from './suggest';
import type { MappingProblem } from './types';
import { problemAt, type DocPath, type YamlSource } from './yaml-source';

/**
 * JSON Schema validation of mapping and cases documents, with ajv errors turned into problems a
 * steward can act on: located on the offending line, in words, with the fix. A schema can word
 * its own messages with the annotation `"x-messages": { "<ajv keyword>": "message" }`.
 */

const ajv = new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'x-messages', schemaType: 'object' });

/** Validates a parsed `*.mapping.yaml` against schemas/mapping.schema.json. */
export const validateMappingDocument: ValidateFunction = ajv.compile(mappingSchema);
/** Validates a parsed `*.cases.yaml` against libs/mapping/src/cases.schema.json. */
export const validateCasesDocument: ValidateFunction = ajv.compile(casesSchema);

/** Every schema problem of `data`, located in `source`; empty when valid. */
export function schemaProblems(
  validate: ValidateFunction,
  data: unknown,
  source: YamlSource,
): MappingProblem[] {
  if (validate(data)) return [];
  return relevant(validate.errors ?? []).map((error) => {
    const { path, message, onKey } = describe(error);
    return problemAt(source, path, message, { onKey });
  });
}

/**
 * Drops the noise of composite keywords: the branch errors of a failed `oneOf` (its own error
 * says what to do) and the inner errors of `propertyNames` (reported once per bad name).
 */
function relevant(errors: readonly ErrorObject[]): ErrorObject[] {
  const failedComposites = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .map((e) => `${e.schemaPath}/`);
  const badNames = new Set(
    errors
      .filter((e) => e.keyword === 'propertyNames')
      .map((e) => `${e.instancePath}/${String(e.params.propertyName)}`),
  );
  return errors.filter(
    (e) =>
      !failedComposites.some((prefix) => e.schemaPath.startsWith(prefix)) &&
      (e.propertyName === undefined || e.keyword === 'propertyNames') &&
      // A forbidden name is reported once, not also as an unknown property.
      !(
        e.keyword === 'additionalProperties' &&
        badNames.has(`${e.instancePath}/${String(e.params.additionalProperty)}`)
      ),
  );
}

function describe(error: ErrorObject): { path: DocPath; message: string; onKey: boolean } {
  const path = pointerToPath(error.instancePath);
  const custom = (error.parentSchema?.['x-messages'] as Record<string, string> | undefined)?.[
    error.keyword
  ];
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        path,
        message: custom ?? `\`${String(params.missingProperty)}\` is required`,
        onKey: false,
      };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = allowedNames(error.parentSchema);
      const suggestion = closest(name, allowed);
      const hint = suggestion ? `did you mean \`${suggestion}\`? ` : '';
      return {
        path: [...path, name],
        message: `${custom ?? 'is not an allowed property'}; ${hint}allowed: ${allowed.join(', ')}`,
        onKey: true,
      };
    }
    case 'propertyNames':
      return {
        path: [...path, String(params.propertyName)],
        message: custom ?? 'is not an allowed name',
        onKey: true,
      };
    case 'not':
      return { path, message: custom ?? 'is not allowed here', onKey: true };
    case 'type':
      return {
        path,
        message: custom ?? `must be ${[params.type].flat().join(' or ')}`,
        onKey: false,
      };
    case 'enum':
      return {
        path,
        message: `${JSON.stringify(error.data)} ${custom ?? `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`}`,
        onKey: false,
      };
    case 'pattern':
      return {
        path,
        message: `${JSON.stringify(error.data)} ${custom ?? `must match ${String(params.pattern)}`}`,
        onKey: false,
      };
    case 'minLength':
    case 'minItems':
    case 'minProperties':
      return { path, message: custom ?? 'must not be empty', onKey: false };
    default:
      return { path, message: custom ?? error.message ?? `fails ${error.keyword}`, onKey: false };
  }
}

/** The property names an object schema allows, for "allowed: …" (patterns by their title). */
function allowedNames(schema: unknown): string[] {
  const s = (schema ?? {}) as {
    properties?: Record<string, unknown>;
    patternProperties?: Record<string, { title?: string }>;
  };
  const patterns = Object.values(s.patternProperties ?? {})
    .map((p) => p.title)
    .filter((t): t is string => typeof t === 'string');
  return [...Object.keys(s.properties ?? {}), ...patterns];
}

/** `/cases/0/expect` → `['cases', 0, 'expect']`. */
function pointerToPath(pointer: string): DocPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}
