import { applyDecorators, type Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ApiConsumes,
  ApiParam,
  ApiResponse,
  ApiTags,
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
} from '@nestjs/swagger';
import { HealthController } from '../http/health.controller';
import { MetricsController } from '../http/metrics.controller';
import { IngestController } from '../ingest/ingest.controller';
import { DryRunController } from '../mappings/dry-run.controller';
import { PriorityDryRunController } from '../priority/priority-dry-run.controller';
import { ref, openApiSchemas } from './schemas';
import {
  API_KEY_SCHEME,
  ApiErrors,
  ApiJsonBody,
  ApiPublic,
  ApiQueries,
  ApiRoute,
  BEARER_SCHEME,
  PUBLIC_EXTENSION,
} from './decorators';

/** Body of /health/ready, with 200 and with 503. */
const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'degraded', 'not_ready'] },
    checks: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['ok', 'detail'],
        properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
      },
    },
  },
};

/** The interactive UI; the document itself at /docs/json and /docs/yaml. */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs/json';
export const DOCS_YAML_PATH = 'docs/yaml';
const OPENAPI_VERSION = '3.1.0';

/**
 * Documentation of controllers whose files other modules own (webhook ingress, dry-runs, health,
 * metrics), applied here with the same decorators the API controllers carry inline, so the
 * document covers every route. Runs once, before the document is generated.
 */
let decorated = false;
function decorateOtherControllers(): void {
  if (decorated) return;
  decorated = true;
  const on = (controller: Type, method: string, ...decorators: MethodDecorator[]) => {
    const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, method);
    if (!descriptor) throw new Error(`OpenAPI: ${controller.name}.${method} does not exist`);
    applyDecorators(...decorators)(controller.prototype, method, descriptor);
  };
  const tag = (controller: Type, name: string) => ApiTags(name)(controller);
  tag(HealthController, 'health');
  tag(MetricsController, 'metrics');
  tag(IngestController, 'ingress');
  tag(DryRunController, 'mappings');
  tag(PriorityDryRunController, 'priority');
  on(
    HealthController,
    'live',
    ApiPublic(),
    ApiRoute('Liveness: the process answers', {
      schema: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', enum: ['ok'] } },
      },
    }),
  );
  on(
    HealthController,
    'ready',
    ApiPublic(),
    ApiRoute(
      'Readiness: broker, topology, mappings, policy, store (503 when one fails); connectors degrade only',
      {
        description: 'Ready (`ready`), or ready with a failing connector (`degraded`)',
        schema: READINESS_SCHEMA,
      },
    ),
    ApiResponse({
      status: 503,
      description:
        'Not ready (`not_ready`): the broker, topology, mappings, policy or store check failed; the same body names it',
      schema: READINESS_SCHEMA,
    }),
  );
  on(
    MetricsController,
    'metrics',
    ApiPublic(),
    ApiRoute('Prometheus metrics (text format, names prefixed exhub_)', {
      description: 'text/plain; version=0.0.4',
    }),
  );
  on(
    IngestController,
    'receive',
    ApiRoute(
      'Webhook ingress for a connector instance',
      {
        status: 202,
        description: 'Verified and confirmed by the broker',
        schema: {
          type: 'object',
          required: ['eventId', 'correlationId'],
          properties: {
            eventId: { type: 'string' },
            correlationId: { type: 'string' },
            duplicate: { type: 'boolean', enum: [true] },
          },
        },
      },
      'The signature is verified on the raw body (Stripe-Signature, X-Exhub-Signature, …) before parsing; 202 only after the broker confirmed the publish to exhub.ingress. Rate limited per connector and client IP (EXHUB_INGRESS_RATE_LIMIT per EXHUB_INGRESS_RATE_WINDOW).',
    ),
    ApiParam({
      name: 'connectorId',
      description: 'connector instance id in exhub.config.yaml',
      example: 'stripe',
    }),
    ApiPublic(),
    ApiConsumes('application/json', 'application/xml'),
    ApiErrors(400, 404, 413, 415, 429, 503, {
      401: "The signature is missing, stale or does not match the connector's secret (no API key is involved)",
    }),
  );
  on(
    DryRunController,
    'dryRun',
    ApiRoute(
      'Map a payload with the live mappings, without publishing',
      { schema: ref('MappingDryRunResponse') },
      '`{mapping, payload}` or `{system, objectType, payload}` → the canonical exceptions the pipeline would publish; 422 with JSON pointers when the mapping fails or its output is invalid.',
    ),
    ApiJsonBody('MappingDryRunRequest'),
    ApiErrors(400, 404, 415, 422),
  );
  on(
    PriorityDryRunController,
    'dryRun',
    ApiRoute(
      'Score an exception with the live policy, with the explanation',
      { schema: { type: 'object', description: 'what `exhub priority explain --json` prints' } },
      'Body: a canonical exception or `{exception, context}`; `?now=` scores as of another time. Nothing is stored or published.',
    ),
    ApiJsonBody('CanonicalException'),
    ApiQueries([{ name: 'now', description: 'ISO 8601 time to score as of' }]),
    ApiErrors(400, 415),
  );
}

/** Builds the document from the controllers' decorators and the schemas in schemas/. */
export function buildOpenApiDocument(app: NestFastifyApplication, version: string): OpenAPIObject {
  decorateOtherControllers();
  const config = new DocumentBuilder()
    .setOpenAPIVersion(OPENAPI_VERSION)
    .setTitle('Exception Hub')
    .setDescription(
      'Workflow exceptions from finance and support systems: webhook ingress, the reviewer worklist and decisions, connectors, dead letters and replay, mapping and priority dry-runs. Admin endpoints need an API key (`X-Api-Key: <key>` or `Authorization: Bearer <key>`) whose role is at least the one in `x-exhub-role`. Every error answers `ApiError`.',
    )
    .setVersion(version)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    // Relative: the hub serves this document, so the API is wherever it was fetched from.
    .addServer('/', 'the hub serving this document')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, API_KEY_SCHEME)
    // Not addBearerAuth: it declares `bearerFormat: JWT`, and the keys are opaque, not JWTs.
    .addSecurity(BEARER_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description: 'the same API key as X-Api-Key (an opaque key, not a JWT)',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // `@Roles` documents the key schemes; a route that also says `@ApiKeyAuth` would list them twice.
  // A route marked `@ApiPublic` says so explicitly: `security: []`.
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(
      item as Record<string, { security?: object[]; [PUBLIC_EXTENSION]?: boolean }>,
    )) {
      if (!op || typeof op !== 'object') continue;
      if (op[PUBLIC_EXTENSION]) {
        delete op[PUBLIC_EXTENSION];
        op.security = [];
        continue;
      }
      if (!Array.isArray(op.security)) continue;
      const seen = new Set<string>();
      op.security = op.security.filter((s) => {
        const key = JSON.stringify(s);
        return seen.has(key) ? false : (seen.add(key), true);
      });
    }
  }
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...openApiSchemas() },
  };
  return document;
}

/** Serves the UI at /docs and the document at /docs/json (and /docs/yaml). */
export function setupOpenApi(app: NestFastifyApplication, version: string): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, version), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    yamlDocumentUrl: DOCS_YAML_PATH,
    customSiteTitle: 'Exception Hub API',
  });
}
