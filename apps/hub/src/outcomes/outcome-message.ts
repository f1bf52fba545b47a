import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Tier } from '@exhub/canonical';
import type { Issue } from '@exhub/core';
import outcomeSchemaJson from '../../../../schemas/outcome.v1.schema.json';

/** Repository path of the schema, named in dead-letter reasons. */
export const OUTCOME_SCHEMA_FILE = 'schemas/outcome.v1.schema.json';
/** The AMQP `type` property of an outcome message. */
export const OUTCOME_MESSAGE_TYPE = 'outcome.v1';

export const outcomeSchema: Readonly<Record<string, unknown>> = outcomeSchemaJson;

/** An outcome message body (schemas/outcome.v1.schema.json). */
export interface OutcomeMessage {
  outcome: 'resolved' | 'escalated' | 'overridden';
  exceptionId: string;
  version: number;
  actor: string;
  reason: string;
  at: string;
  tier?: Tier;
}

// strictRequired off: `then: {required: [tier]}` names a property declared at the top level.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
addFormats(ajv, ['date-time']);
const validate = ajv.compile<OutcomeMessage>(outcomeSchemaJson);

export type OutcomeParse = { ok: true; value: OutcomeMessage } | { ok: false; issues: Issue[] };

function pointerOf(e: ErrorObject): string {
  const child =
    e.keyword === 'required'
      ? (e.params as { missingProperty: string }).missingProperty
      : e.keyword === 'additionalProperties'
        ? (e.params as { additionalProperty: string }).additionalProperty
        : undefined;
  return child === undefined ? e.instancePath : `${e.instancePath}/${child}`;
}

/** Parses and validates an outcome body; every problem named with a JSON pointer. */
export function parseOutcome(content: Buffer): OutcomeParse {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return {
      ok: false,
      issues: [{ pointer: '', rule: 'json', message: `not JSON: ${(err as Error).message}` }],
    };
  }
  if (validate(body)) return { ok: true, value: body };
  const issues = (validate.errors ?? [])
    // `if`'s own error only repeats the `then` branch's `required`.
    .filter((e) => e.keyword !== 'if')
    .map((e) => ({ pointer: pointerOf(e), rule: e.keyword, message: e.message ?? 'invalid' }));
  return { ok: false, issues };
}
