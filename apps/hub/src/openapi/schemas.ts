import type { SchemaObject } from '@nestjs/swagger';
import canonicalSchemaJson from '../../../../schemas/canonical-exception.v1.schema.json';
import { DOMAINS, EXCEPTION_TYPES, STATUSES, TIERS } from '@exhub/canonical';
import { DECISION_ACTIONS, MAX_PAGE_SIZE } from '@exhub/store';

type Json = Record<string, unknown>;

/** `#/components/schemas/<name>`. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * A JSON Schema file (2020-12) as OpenAPI 3.1 components: the root under `name`, each `$defs`
 * entry under `<name>_<def>`, and `#/$defs/…` references rewritten to point there. `$schema` and
 * `$id` are dropped: an `$id` would make the rewritten references resolve against the file.
 */
export function componentsFromJsonSchema(name: string, schema: Json): Record<string, SchemaObject> {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) {
        out.$ref = `#/components/schemas/${name}_${value.slice('#/$defs/'.length)}`;
      } else {
        out[key] = rewrite(value);
      }
    }
    return out;
  };
  const { $defs, $schema: _schema, $id: _id, ...root } = schema;
  void _schema;
  void _id;
  const components: Record<string, SchemaObject> = { [name]: rewrite(root) as SchemaObject };
  for (const [def, body] of Object.entries(($defs ?? {}) as Json)) {
    components[`${name}_${def}`] = rewrite(body) as SchemaObject;
  }
  return components;
}

const issue: SchemaObject = {
  type: 'object',
  required: ['pointer', 'rule', 'message'],
  properties: {
    pointer: {
      type: 'string',
      description: 'JSON pointer to the offending field: `/query/<name>`, `/<body field>`, `/id`',
      example: '/query/limit',
    },
    rule: { type: 'string', description: 'The rule that failed', example: 'range' },
    message: { type: 'string', example: 'limit must be a whole number from 1 to 200' },
  },
};

/** Schemas of the API's own bodies, beside those taken from schemas/*.json. */
const apiSchemas: Record<string, SchemaObject> = {
  Issue: issue,
  ApiError: {
    type: 'object',
    description: 'Every error the hub answers: a machine code, a sentence, and where.',
    required: ['statusCode', 'error', 'message'],
    properties: {
      statusCode: { type: 'integer', example: 400 },
      error: { type: 'string', example: 'bad_request' },
      message: { type: 'string' },
      issues: { type: 'array', items: ref('Issue') },
    },
  },
  WorklistPage: {
    type: 'object',
    required: ['items'],
    properties: {
      items: { type: 'array', items: ref('CanonicalException') },
      nextCursor: {
        type: 'string',
        description: 'Present when more items follow: pass it as `cursor` for the next page.',
      },
    },
  },
  ExceptionDetail: {
    type: 'object',
    required: ['exception', 'explanation', 'lineage', 'history', 'audit'],
    properties: {
      exception: ref('CanonicalException'),
      explanation: ref('CanonicalException_priority'),
      lineage: ref('CanonicalException_lineage'),
      links: { type: 'array', items: { type: 'string' } },
      history: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            version: { type: 'integer' },
            recordedAt: { type: 'string', format: 'date-time' },
            contentHash: { type: 'string' },
          },
        },
      },
      audit: { type: 'array', items: ref('AuditEntry') },
    },
  },
  AuditEntry: {
    type: 'object',
    properties: {
      seq: { type: 'integer' },
      at: { type: 'string', format: 'date-time' },
      actor: { type: 'string' },
      action: { type: 'string', example: 'decision.resolve' },
      exceptionId: { type: ['string', 'null'] },
      details: { type: 'string', description: 'JSON text exactly as hashed' },
      prevHash: { type: 'string' },
      hash: { type: 'string' },
    },
  },
  Decision: {
    type: 'object',
    additionalProperties: false,
    required: ['action', 'reason'],
    properties: {
      action: {
        type: 'string',
        enum: [...DECISION_ACTIONS],
        description:
          'approve / override → in_review, resolve → resolved, dismiss → dismissed; refused (409) on a resolved or dismissed exception',
      },
      reason: { type: 'string', minLength: 1, maxLength: 2000 },
      tier: {
        type: 'string',
        enum: [...TIERS],
        description: '`override` only, and required there',
      },
    },
    example: { action: 'resolve', reason: 'refunded in full' },
  },
  ConnectorStatus: {
    type: 'object',
    required: ['id', 'type', 'kind', 'enabled', 'polledHere', 'check'],
    properties: {
      id: { type: 'string' },
      type: { type: 'string', example: 'sap-s4' },
      kind: { type: 'string', enum: ['webhook', 'poll', 'unavailable'] },
      enabled: { type: 'boolean' },
      polledHere: { type: 'boolean', description: 'This process runs the poller' },
      check: {
        type: 'object',
        properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
      },
      breaker: { type: ['string', 'null'], enum: ['closed', 'open', 'half_open', null] },
      intervalSeconds: { type: ['integer', 'null'] },
      lastPollAt: { type: ['string', 'null'], format: 'date-time' },
      cursor: {
        type: ['object', 'null'],
        properties: {
          updatedAt: { type: 'string', format: 'date-time' },
          ageSeconds: { type: 'integer' },
        },
      },
      lockedElsewhereAt: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'last time another hub process held the poll lock when this one ticked',
      },
      lastError: {
        type: ['object', 'null'],
        properties: {
          errorClass: { type: 'string' },
          message: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
  PollResult: {
    type: 'object',
    properties: {
      connector: { type: 'string' },
      outcome: {
        type: 'object',
        properties: {
          status: {
            type: 'string',
            enum: ['polled', 'paused_broker', 'paused_breaker'],
          },
          published: { type: 'integer' },
          pages: { type: 'integer' },
          rejected: {
            type: 'integer',
            description: 'records set aside one by one and dead-lettered with their reason',
          },
        },
      },
    },
  },
  MappingDryRunRequest: {
    type: 'object',
    required: ['payload'],
    properties: {
      mapping: { type: 'string', example: 'stripe.charge-dispute' },
      system: { type: 'string', description: 'with objectType, instead of mapping' },
      objectType: { type: 'string' },
      connector: { type: 'string' },
      payload: {
        type: ['object', 'array', 'string'],
        description: 'the source payload; an XML document as a string when contentType is XML',
      },
      contentType: {
        type: 'string',
        example: 'application/xml',
        description: 'an XML media type: payload is XML text, parsed as the pipeline parses it',
      },
    },
  },
  MappingDryRunResponse: {
    type: 'object',
    properties: {
      mappings: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            version: { type: 'string' },
            file: { type: 'string' },
          },
        },
      },
      exceptions: { type: 'array', items: ref('CanonicalException') },
      lifecycle: {
        type: 'array',
        description:
          'Ends and re-openings the source reports (mappings with `emits: lifecycle`): the exception id they apply to and the `resolution` it would get.',
        items: {
          type: 'object',
          properties: {
            exceptionId: { type: 'string', format: 'uuid' },
            key: { type: 'object' },
            resolution: { type: 'object' },
          },
        },
      },
    },
  },
  ReplayRequest: {
    type: 'object',
    required: ['source'],
    description:
      'Archive: a time window (`from`, `to`) with optional connector / objectType / sourceEventId / JSONata `filter` and `rate`; DLQ: optional `errorClass` and `ids`. `dryRun` reports without publishing.',
    properties: {
      source: { type: 'string', enum: ['archive', 'dlq'] },
      from: { type: 'string', format: 'date-time' },
      to: { type: 'string', format: 'date-time' },
      connector: { type: 'string' },
      objectType: { type: 'string' },
      sourceEventId: { type: 'string' },
      filter: { type: 'string', description: 'JSONata expression on the payload' },
      rate: { type: 'number', description: 'events per second' },
      errorClass: { type: 'string' },
      ids: { type: 'array', items: { type: 'string' } },
      dryRun: { type: 'boolean', default: false },
    },
  },
};

/** Every component schema of the document. */
export function openApiSchemas(): Record<string, SchemaObject> {
  return {
    ...componentsFromJsonSchema('CanonicalException', canonicalSchemaJson as Json),
    ...apiSchemas,
  };
}

/** Worklist query parameters, from the same enums the handler checks. */
export const WORKLIST_QUERY = [
  { name: 'domain', enum: [...DOMAINS] },
  { name: 'type', enum: [...EXCEPTION_TYPES] },
  { name: 'tier', enum: [...TIERS] },
  { name: 'status', enum: [...STATUSES] },
  { name: 'party', pattern: '^[A-Za-z0-9_.:@/-]{1,200}$', description: 'a party id' },
  {
    name: 'cursor',
    pattern: '^[A-Za-z0-9_-]{1,400}$',
    description: 'nextCursor of the previous page',
  },
  { name: 'limit', type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
] as const;
