import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Secret } from '@exhub/config';
import { CONNECTOR_DEFINITIONS } from '@exhub/connectors';

/**
 * Each connector type's settings schema (`connectors/<folder>/<type>.config.schema.json`), from the
 * one list of definitions. JSON only: checking an instance's settings loads no connector SDK.
 */
export const CONNECTOR_CONFIG_SCHEMAS: Record<string, object> = Object.fromEntries(
  CONNECTOR_DEFINITIONS.map((d) => [d.type, d.settingsSchema]),
);

/**
 * Stands for a resolved secret while the settings are checked: the schemas describe a secret as
 * the `${VARIABLE}` reference written in exhub.config.yaml, and the value is never looked at.
 * Numbered, so a list of secrets (rotation) stays a list of distinct items.
 */
const secretPlaceholder = (n: number): string => `\${EXHUB_SECRET_${n}}`;

// strictRequired off: a schema may require, under if/then, a property declared at its top level.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
// Documentation keywords of the connector schemas (libs/connector-sdk ConfigField).
ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
const compiled = new Map<string, ValidateFunction>();

/** Secrets become placeholder references: the schema checks their presence and type only. */
function forValidation(value: unknown, counter = { n: 0 }): unknown {
  if (value instanceof Secret) return secretPlaceholder(counter.n++);
  if (Array.isArray(value)) return value.map((v) => forValidation(v, counter));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, forValidation(v, counter)]),
    );
  }
  return value;
}

function describe(e: ErrorObject): string {
  const where = `settings${e.instancePath}`;
  if (e.keyword === 'additionalProperties') {
    return `${where}: unknown setting "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  }
  if (e.keyword === 'required') {
    return `${where}: missing required setting "${(e.params as { missingProperty: string }).missingProperty}"`;
  }
  return `${where}: ${e.message ?? e.keyword}`;
}

/**
 * Checks one instance's settings against its type's schema. Returns undefined when they are
 * valid, else one line naming every problem with its place (`settings/baseUrl: must match format
 * "uri"`), for readiness and the start-up log. A type without a schema is itself a problem.
 */
export async function checkConnectorSettings(
  type: string,
  settings: Record<string, unknown>,
): Promise<string | undefined> {
  let validate = compiled.get(type);
  if (!validate) {
    const schema = CONNECTOR_CONFIG_SCHEMAS[type];
    if (!schema) return `connector type "${type}" has no settings schema registered`;
    validate = ajv.compile(schema);
    compiled.set(type, validate);
  }
  if (validate(forValidation(settings))) return undefined;
  return `invalid settings (connectors/${type} config schema): ${(validate.errors ?? [])
    .map(describe)
    .join('; ')}`;
}
