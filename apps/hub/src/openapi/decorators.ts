import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiExtension,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  type SchemaObject,
} from '@nestjs/swagger';
import type { ApiKeyRole } from '@exhub/store';
import { ref } from './schemas';

/** Security scheme names in the document (ApiKeyGuard reads both headers). */
export const API_KEY_SCHEME = 'apiKey';
export const BEARER_SCHEME = 'bearer';

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request: `issues` name each field and rule',
  401: 'No API key, or not a valid one',
  403: 'The key’s role is too small',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Wrong content type',
  422: 'Understood but not processable',
  429: 'Rate limited: see Retry-After',
  502: 'The source system failed',
  503: 'Not available now: see Retry-After',
};

/** Answers that come with a Retry-After header (seconds), as the hub and the rate limiter send. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);
const RETRY_AFTER_HEADER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer', minimum: 0 },
  },
};

/**
 * Error answers, all with the ApiError body; 429 and 503 with Retry-After. `descriptions` replaces
 * the generic text where a route's answer means something specific (ingress: 401 = bad signature).
 */
export function ApiErrors(...statuses: (number | Record<number, string>)[]) {
  const specific = Object.assign(
    {},
    ...statuses.filter((s): s is Record<number, string> => typeof s === 'object'),
  ) as Record<number, string>;
  const codes = [
    ...statuses.filter((s): s is number => typeof s === 'number'),
    ...Object.keys(specific).map(Number),
  ];
  return applyDecorators(
    ...codes.map((status) =>
      ApiResponse({
        status,
        description: specific[status] ?? ERROR_TEXT[status] ?? 'Error',
        schema: ref('ApiError'),
        ...(RETRY_AFTER_STATUSES.has(status) ? { headers: RETRY_AFTER_HEADER } : {}),
      }),
    ),
  );
}

/** Marks a route anyone may call (no API key): the document says `security: []` for it. */
export const PUBLIC_EXTENSION = 'x-exhub-public';
export function ApiPublic() {
  return ApiExtension(PUBLIC_EXTENSION, true);
}

/** A route behind ApiKeyGuard: both key schemes, the least role, 401 and 403. */
export function ApiKeyAuth(role: ApiKeyRole) {
  return applyDecorators(
    ApiSecurity(API_KEY_SCHEME),
    ApiSecurity(BEARER_SCHEME),
    ApiErrors(401, 403),
    // The least role the route needs (roles are ordered viewer < steward < operator < admin).
    ApiExtension('x-exhub-role', role),
  );
}

/** Summary, description and the success answer of a route. */
export function ApiRoute(
  summary: string,
  success: { status?: number; schema?: SchemaObject | { $ref: string }; description?: string },
  description?: string,
) {
  return applyDecorators(
    ApiOperation({ summary, ...(description ? { description } : {}) }),
    ApiResponse({
      status: success.status ?? 200,
      description: success.description ?? 'OK',
      ...(success.schema ? { schema: success.schema } : {}),
    }),
  );
}

/** A JSON body given by a component schema. */
export function ApiJsonBody(component: string, description?: string) {
  return ApiBody({
    schema: ref(component),
    required: true,
    ...(description ? { description } : {}),
  });
}

export interface QueryDoc {
  name: string;
  enum?: readonly string[];
  pattern?: string;
  type?: 'string' | 'integer';
  minimum?: number;
  maximum?: number;
  description?: string;
}

/** Optional query parameters. */
export function ApiQueries(params: readonly QueryDoc[]) {
  return applyDecorators(
    ...params.map((p) =>
      ApiQuery({
        name: p.name,
        required: false,
        ...(p.description ? { description: p.description } : {}),
        schema: {
          type: p.type ?? 'string',
          ...(p.enum ? { enum: [...p.enum] } : {}),
          ...(p.pattern ? { pattern: p.pattern } : {}),
          ...(p.minimum !== undefined ? { minimum: p.minimum } : {}),
          ...(p.maximum !== undefined ? { maximum: p.maximum } : {}),
        },
      }),
    ),
  );
}
