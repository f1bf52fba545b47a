import schemaJson from '../../../schemas/canonical-exception.v1.schema.json';

/** Repository path of the schema, named in error messages so a reader knows where to look. */
export const CANONICAL_EXCEPTION_SCHEMA_FILE = 'schemas/canonical-exception.v1.schema.json';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/**
 * The canonical exception JSON Schema (2020-12). Frozen: the validators, the taxonomy and the
 * generated types all derive from this one object, so nobody may patch it at run time.
 */
export const canonicalExceptionSchema = deepFreeze(schemaJson);

/** `$id` of the schema, e.g. for `$ref`s from the AsyncAPI document or other schemas. */
export const CANONICAL_EXCEPTION_SCHEMA_ID: string = canonicalExceptionSchema.$id;
