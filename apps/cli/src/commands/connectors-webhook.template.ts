/**
 * The files `exhub connectors new <name> --kind webhook` writes: a pushed connector verified with
 * the hub's generic timestamped-HMAC scheme (`X-Exhub-Signature`) on the raw body, its config
 * schema, a fixture, a spec running the webhook contract kit and the golden mapping cases, a
 * README whose config table is generated from the schema, and a mapping stub with golden cases
 * (written to `mappings/<name>/`). They pass the kit as generated.
 */
import { generateConfigReference } from '@exhub/connector-sdk';
import type { ConfigSchema } from '@exhub/connector-sdk';
import { HMAC_DEFAULT_TOLERANCE_SECONDS } from '@exhub/connector-sdk';
import { camelOf, type Names } from './connectors-rest.template';

/** What a scaffold writes: files under `connectors/<name>/` and under `mappings/<name>/`. */
export interface ScaffoldFiles {
  connector: Record<string, string>;
  mappings?: Record<string, string>;
}

export function webhookSchema(n: Names): ConfigSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://exhub.dev/schemas/connectors/${n.name}.config.schema.json`,
    title: `${n.pascal} webhook connector settings`,
    description: `The \`settings\` of a connector instance of type \`${n.name}\` in exhub.config.yaml. The source pushes JSON events to POST /v1/ingest/<instance id>; the hub verifies each delivery's X-Exhub-Signature header with the shared secret(s) before parsing it.`,
    type: 'object',
    additionalProperties: false,
    required: ['secrets'],
    properties: {
      secrets: {
        description: `Shared signing secrets. A delivery signed with any of them is accepted: list the new and the previous one while rotating. Give each as an environment reference such as \${${n.upper}_WEBHOOK_SECRET} (resolved from the variable or its _FILE variant, never printed; \${NAME:-} makes one optional).`,
        type: 'array',
        minItems: 1,
        maxItems: 2,
        uniqueItems: true,
        items: { type: 'string', minLength: 1, 'x-secret': true },
        'x-secret': true,
        examples: [
          [`\${${n.upper}_WEBHOOK_SECRET}`],
          [`\${${n.upper}_WEBHOOK_SECRET}`, `\${${n.upper}_WEBHOOK_SECRET_PREVIOUS:-}`],
        ],
      },
      toleranceSeconds: {
        description:
          "Largest accepted distance, in seconds, between the X-Exhub-Signature timestamp and the hub's clock, either way. Older deliveries are refused as replays (stale_timestamp), newer ones as clock skew (future_timestamp).",
        type: 'integer',
        minimum: 1,
        default: HMAC_DEFAULT_TOLERANCE_SECONDS,
        examples: [HMAC_DEFAULT_TOLERANCE_SECONDS],
      },
    },
    examples: [
      { secrets: [`\${${n.upper}_WEBHOOK_SECRET}`] },
      {
        secrets: [`\${${n.upper}_WEBHOOK_SECRET}`, `\${${n.upper}_WEBHOOK_SECRET_PREVIOUS:-}`],
        toleranceSeconds: HMAC_DEFAULT_TOLERANCE_SECONDS,
      },
    ],
  };
}

const FIXTURE_EVENT = {
  id: 'evt-0001',
  type: 'invoice.on_hold',
  occurredAt: '2026-03-02T14:05:00Z',
  correlationId: 'req-7f3a',
  data: {
    invoiceId: 'INV-1001',
    amount: 125000,
    currency: 'eur',
    reason: 'price_variance',
    supplier: { id: 'SUP-7', name: 'Acme Supplies' },
  },
};

export function webhookFiles(n: Names): ScaffoldFiles {
  const schema = webhookSchema(n);
  const camel = camelOf(n);
  const connector: Record<string, string> = {
    [`${n.name}.config.schema.json`]: `${JSON.stringify(schema, null, 2)}\n`,
    [`${n.name}.constants.ts`]: `/** Every default and protocol constant of the ${n.name} webhook connector. */
export const ${n.upper}_SYSTEM = '${n.name}';
/** The objectType of every SourceEvent this connector publishes (picks the mappings). */
export const ${n.upper}_OBJECT_TYPE = 'event';
/** Older (or newer) deliveries are refused as replays (or clock skew). */
export const ${n.upper}_DEFAULT_TOLERANCE_SECONDS = 300;
`,
    [`${n.name}.connector.ts`]: `import type { ConfigSchema } from '@exhub/connector-sdk';
import { InvalidPayloadError, formatIssues, type Issue } from '@exhub/core';
import { HMAC_SIGNATURE_HEADER, verifyHmacSignature } from '@exhub/connector-sdk';
import type { ParsedWebhook, WebhookConnector, WebhookRequest } from '@exhub/connector-sdk';
import configSchema from './${n.name}.config.schema.json';
import {
  ${n.upper}_DEFAULT_TOLERANCE_SECONDS,
  ${n.upper}_OBJECT_TYPE,
  ${n.upper}_SYSTEM,
} from './${n.name}.constants';

export const ${n.upper}_CONFIG_SCHEMA = configSchema as unknown as ConfigSchema;

/** A resolved secret as libs/config hands it over: printing it shows nothing, \`reveal()\` the value. */
export interface RevealableSecret {
  reveal(): string;
}

/** One instance (see ${n.name}.config.schema.json for the settings). */
export interface ${n.pascal}WebhookConfig {
  id: string;
  /** Shared signing secrets, resolved; two during a rotation. */
  secrets: ReadonlyArray<string | RevealableSecret>;
  toleranceSeconds?: number;
}

/** A setting that was never resolved: \`\${NAME}\` or \`\${NAME:-default}\`. */
const UNRESOLVED_REFERENCE = /^\\$\\{[^}]*\\}$/;

function revealSecrets(config: ${n.pascal}WebhookConfig): string[] {
  const where = \`connector '\${config.id}'\`;
  const values = config.secrets
    .map((s, i) => ({ i, value: typeof s === 'string' ? s : s.reveal() }))
    // An optional rotation secret (\${${n.upper}_WEBHOOK_SECRET_PREVIOUS:-}) resolves to ''.
    .filter((s) => s.value !== '');
  if (values.length === 0) {
    throw new Error(
      \`\${where}: no signing secret — set secrets to ["\\\${${n.upper}_WEBHOOK_SECRET}"] and export the shared secret in ${n.upper}_WEBHOOK_SECRET\`,
    );
  }
  return values.map(({ i, value }) => {
    if (UNRESOLVED_REFERENCE.test(value)) {
      // A reference names a variable, not a secret: safe to print.
      throw new Error(
        \`\${where}: secrets[\${i}] is the unresolved reference \${value} — set that environment variable (or its _FILE variant) to the signing secret\`,
      );
    }
    return value;
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Receives ${n.name} events on \`POST /v1/ingest/<id>\`: verifies X-Exhub-Signature on the raw
 * body (libs/connector-sdk/src/hmac-signature.ts), then parses the JSON event. If the source has a
 * signature scheme of its own, replace \`verify\` (see connectors/stripe or connectors/zendesk).
 */
export class ${n.pascal}WebhookConnector implements WebhookConnector {
  readonly id: string;
  readonly system = ${n.upper}_SYSTEM;
  readonly toleranceSeconds: number;
  readonly configSchema = ${n.upper}_CONFIG_SCHEMA;
  // A true private field: util.inspect, JSON.stringify and log serialisers cannot see it.
  readonly #secrets: readonly string[];

  constructor(config: ${n.pascal}WebhookConfig) {
    const tolerance = config.toleranceSeconds ?? ${n.upper}_DEFAULT_TOLERANCE_SECONDS;
    if (!Number.isSafeInteger(tolerance) || tolerance < 1) {
      throw new Error(
        \`connector '\${config.id}': toleranceSeconds must be a whole number of seconds ≥ 1 (default \${${n.upper}_DEFAULT_TOLERANCE_SECONDS})\`,
      );
    }
    this.id = config.id;
    this.toleranceSeconds = tolerance;
    this.#secrets = revealSecrets(config);
  }

  verify(req: WebhookRequest): void {
    verifyHmacSignature(req.rawBody, req.headers[HMAC_SIGNATURE_HEADER], {
      secrets: this.#secrets,
      now: req.now,
      toleranceSeconds: this.toleranceSeconds,
    });
  }

  parse(req: WebhookRequest): ParsedWebhook {
    const where = \`connector '\${this.id}'\`;
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch (err) {
      const message = \`body is not valid JSON: \${(err as Error).message}\`;
      throw new InvalidPayloadError(
        'parse',
        \`\${where}: \${message} — send the body byte for byte as signed\`,
        [{ pointer: '', rule: 'json', message }],
        { cause: err },
      );
    }
    if (!isObject(body)) {
      throw new InvalidPayloadError('parse', \`\${where}: the body must be a JSON object\`, [
        { pointer: '', rule: 'type', message: 'must be an event object' },
      ]);
    }
    const issues: Issue[] = [];
    for (const field of ['id', 'type'] as const) {
      const v = body[field];
      if (typeof v !== 'string' || v === '') {
        issues.push({
          pointer: \`/\${field}\`,
          rule: v === undefined ? 'required' : 'type',
          message: 'must be a non-empty string',
        });
      }
    }
    if (body.correlationId !== undefined && typeof body.correlationId !== 'string') {
      issues.push({ pointer: '/correlationId', rule: 'type', message: 'must be a string' });
    }
    if (issues.length > 0) {
      throw new InvalidPayloadError(
        'parse',
        \`\${where}: the body is not a ${n.name} event — \${formatIssues(issues)}\`,
        issues,
      );
    }
    return {
      objectType: ${n.upper}_OBJECT_TYPE,
      sourceEventId: body.id as string,
      correlationId: body.correlationId as string | undefined,
      payload: body,
    };
  }
}
/** Builds the connector from an instance's resolved \`settings\` (see ${n.name}.config.schema.json). */
export function ${camel}FromSettings(id: string, s: Record<string, unknown>): ${n.pascal}WebhookConnector {
  const secrets = Array.isArray(s.secrets) ? s.secrets : s.secrets === undefined ? [] : [s.secrets];
  return new ${n.pascal}WebhookConnector({
    id,
    secrets: secrets as ${n.pascal}WebhookConfig['secrets'],
    toleranceSeconds: typeof s.toleranceSeconds === 'number' ? s.toleranceSeconds : undefined,
  });
}
`,
    [`${n.name}.connector.spec.ts`]: `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { extractConfigReference, generateConfigReference } from '@exhub/connector-sdk';
import { runWebhookContract } from '../../libs/connector-sdk/testing';
import { HMAC_SIGNATURE_HEADER, signHmacPayload } from '@exhub/connector-sdk';
import { formatOutcome, runCases } from '@exhub/mapping';
import {
  ${n.upper}_CONFIG_SCHEMA,
  ${n.pascal}WebhookConnector,
  ${camel}FromSettings,
} from './${n.name}.connector';
import { ${n.upper}_DEFAULT_TOLERANCE_SECONDS } from './${n.name}.constants';

const SECRET = '${n.name}-spec-secret-current';
const PREVIOUS = '${n.name}-spec-secret-previous';
const MAPPINGS_DIR = join(__dirname, '../../mappings/${n.name}');

runWebhookContract('${n.name}', () => ({
  connector: new ${n.pascal}WebhookConnector({ id: '${n.name}-test', secrets: [SECRET, PREVIOUS] }),
  secrets: [SECRET, PREVIOUS],
  toleranceSeconds: ${n.upper}_DEFAULT_TOLERANCE_SECONDS,
  validBody: readFileSync(join(__dirname, 'fixtures/event.json')),
  sign: (rawBody, secret, now) => ({
    'content-type': 'application/json',
    [HMAC_SIGNATURE_HEADER]: signHmacPayload(rawBody, secret, Math.floor(now / 1000)),
  }),
  signatureHeader: HMAC_SIGNATURE_HEADER,
  expected: { objectType: 'event', sourceEventId: '${FIXTURE_EVENT.id}' },
  invalidBody: { body: Buffer.from('{"type":"invoice.on_hold"}'), pointer: '/id' },
}));

it('has a README whose config table is generated from ${n.name}.config.schema.json', () => {
  const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
  expect(extractConfigReference(readme)).toBe(generateConfigReference(${n.upper}_CONFIG_SCHEMA));
});

it('has a config schema that accepts its examples and refuses a misspelt field', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  const validate = ajv.compile(${n.upper}_CONFIG_SCHEMA);
  for (const example of ${n.upper}_CONFIG_SCHEMA.examples as unknown[]) expect(validate(example)).toBe(true);
  expect(validate({ secrets: ['\${${n.upper}_WEBHOOK_SECRET}'], tolerance: 300 })).toBe(false);
});

it('is built from settings as libs/config hands them over, and names an unresolved secret', () => {
  const built = ${camel}FromSettings('${n.name}', {
    secrets: [{ reveal: () => SECRET }],
    toleranceSeconds: 60,
  });
  expect(built.toleranceSeconds).toBe(60);
  const body = Buffer.from('{"id":"evt-1","type":"invoice.on_hold"}');
  const t = 1_780_000_000;
  const headers = { [HMAC_SIGNATURE_HEADER]: signHmacPayload(body, SECRET, t) };
  expect(() => built.verify({ rawBody: body, headers, now: t * 1000 })).not.toThrow();
  expect(() => ${camel}FromSettings('${n.name}', { secrets: ['\${${n.upper}_WEBHOOK_SECRET}'] })).toThrow(
    /secrets\\[0\\] is the unresolved reference \\$\\{${n.upper}_WEBHOOK_SECRET\\}/,
  );
  expect(() => ${camel}FromSettings('${n.name}', { secrets: [''] })).toThrow(/no signing secret/);
});

it('passes the golden cases of mappings/${n.name}/', async () => {
  const outcomes = await runCases(MAPPINGS_DIR);
  expect(outcomes.length).toBeGreaterThan(0);
  expect(outcomes.filter((o) => !o.passed).map(formatOutcome)).toEqual([]);
});
`,
    'index.ts': `export * from './${n.name}.connector';
export * from './${n.name}.constants';
`,
    'fixtures/event.json': `${JSON.stringify(FIXTURE_EVENT, null, 2)}\n`,
    'fixtures/README.md': `# ${n.name} fixtures\n\n\`event.json\`: a placeholder event written by the scaffold. Replace it with real deliveries of the source (with secrets and personal data removed) and say here where each came from and under which licence (add a \`NOTICE\` entry when copied).\n`,
    'README.md': `# ${n.name} connector (webhook)

Scaffolded by \`exhub connectors new ${n.name} --kind webhook\`. The source pushes JSON events to
\`POST /v1/ingest/<instance id>\`; the connector verifies the hub's generic
\`X-Exhub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">\` header on the raw
body with the shared secret(s), then parses the event: \`id\` (the source's event id, used to drop
duplicate deliveries) and \`type\` are required, \`correlationId\` is optional. Every event is
published with \`objectType\` \`event\`; the mappings in \`mappings/${n.name}/\` pick it up.

Replace the fixture, the checks in \`parse\` and the mapping stub with the real source's; if the
source signs with a scheme of its own, replace \`verify\` (see \`connectors/stripe\` and
\`connectors/zendesk\`). Keep the webhook contract kit green. See
[Adding a connector](../README.md#adding-a-connector) for registration and the end-to-end test.

## Send a test delivery

\`\`\`sh
body='{"id":"evt-1","type":"invoice.on_hold","data":{"invoiceId":"INV-1","amount":100,"currency":"eur"}}'
t=$(date +%s)
sig=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$${n.upper}_WEBHOOK_SECRET" | sed 's/^.*= //')
curl -i http://localhost:3000/v1/ingest/${n.name} -H 'content-type: application/json' \\
  -H "X-Exhub-Signature: t=$t,v1=$sig" --data-binary "$body"
\`\`\`

## Configure

${generateConfigReference(schema)}
`,
  };
  const mappings: Record<string, string> = {
    'event.mapping.yaml': `# yaml-language-server: $schema=../../schemas/mapping.schema.json
# A stub written by \`exhub connectors new ${n.name} --kind webhook\`: one ${n.name} event type
# (invoice.on_hold) becomes a payment_hold exception. Replace it with the source's real events.
id: ${n.name}.invoice-on-hold
description: An invoice the source put on hold; it will not be paid until someone clears the hold.
source: { system: ${n.name}, objectType: event }
match: type = 'invoice.on_hold'
fields:
  domain:
    value: finance
    description: A held invoice is a finance matter.
  process:
    value: procure_to_pay
    description: Supplier invoices are paid in procure-to-pay.
  type:
    value: payment_hold
    description: Every invoice.on_hold event.
  title:
    expr: "'Invoice ' & data.invoiceId & ' on hold' & (data.reason ? ': ' & $replace(data.reason, '_', ' '))"
    description: The invoice and the hold reason in words.
  summary:
    expr: "'${n.pascal} put invoice ' & data.invoiceId & (data.supplier.name ? ' of ' & data.supplier.name) & ' on hold.'"
    description: Which invoice of which supplier.
  source.objectType:
    value: invoice
    description: The held object is an invoice.
  source.objectId:
    expr: data.invoiceId
    description: The invoice id; with the type, the natural key of the exception.
  source.eventId:
    expr: id
    description: The source's event id, used to drop duplicate deliveries.
  occurredAt:
    expr: $toUtc(occurredAt)
    description: When the source put the invoice on hold, in UTC.
  amount:
    expr: $money(data.amount, data.currency)
    description: The invoice amount (the fixture sends minor units and a currency code).
  parties:
    expr: "data.supplier ? [{ 'role': 'supplier', 'id': data.supplier.id, 'name': data.supplier.name }]"
    description: The supplier of the invoice.
  references.invoice:
    expr: data.invoiceId
    description: Links the exception to others about the same invoice.
  signals.reasonCode:
    expr: data.reason
    description: The source's hold reason code.
`,
    'event.cases.yaml': `# yaml-language-server: $schema=../../libs/mapping/src/cases.schema.json
mapping: ${n.name}.invoice-on-hold
cases:
  - name: the fixture event (an invoice held for a price variance)
    input: { file: ../../connectors/${n.name}/fixtures/event.json }
    expect:
      - domain: finance
        process: procure_to_pay
        type: payment_hold
        title: 'Invoice INV-1001 on hold: price variance'
        summary: ${n.pascal} put invoice INV-1001 of Acme Supplies on hold.
        source: { objectType: invoice, objectId: INV-1001, eventId: evt-0001 }
        occurredAt: '2026-03-02T14:05:00Z'
        amount: { value: '1250.00', currency: EUR }
        parties: [{ role: supplier, id: SUP-7, name: Acme Supplies }]
        references: { invoice: INV-1001 }
        signals: { reasonCode: price_variance }
  - name: another event type → no exception
    input: { payload: { id: evt-0002, type: invoice.paid, data: { invoiceId: INV-1001 } } }
    expect: []
`,
  };
  return { connector, mappings };
}
