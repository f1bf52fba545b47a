import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { openApiSchemas } from './schemas';
import { API_KEY_SCHEME, BEARER_SCHEME, PUBLIC_EXTENSION } from './decorators';

/** The interactive UI; the document itself at /docs/json and /docs/yaml. */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs/json';
export const DOCS_YAML_PATH = 'docs/yaml';
const OPENAPI_VERSION = '3.1.0';

/** Builds the document from the controllers' decorators and the schemas in schemas/. */
export function buildOpenApiDocument(app: NestFastifyApplication, version: string): OpenAPIObject {
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
