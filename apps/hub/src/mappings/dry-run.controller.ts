import { Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { CanonicalException } from '@exhub/canonical';
import { formatIssues, HubError, type Issue } from '@exhub/core';
import { isXmlContentType } from '@exhub/connector-sdk';
import { parsePayload } from '@exhub/pipeline';
import { ApiKeyGuard } from '../api/api-key.guard';
import { Roles } from '../api/roles';
import { apiError } from '../http/api-error';
import { ContextService } from '../context/context.service';
import { ApiErrors, ApiJsonBody, ApiRoute } from '../openapi/decorators';
import { ref } from '../openapi/schemas';
import { dryRun, UnknownMappingError, type DryRunTarget } from '@exhub/pipeline';
import type { LifecycleSignal } from '@exhub/pipeline';
import type { MappingRegistry } from '@exhub/mapping';
import type { PolicyScorer } from '@exhub/prioritization';
import { HUB_VERSION, MAPPINGS, SCORER } from '../core/core.tokens';

const JSON_CONTENT_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;
const BAD_REQUEST = 400;
const NOT_FOUND = 404;
const UNPROCESSABLE = 422;

/** 200 body: what the pipeline would publish for this payload. */
export interface DryRunResponse {
  mappings: { id: string; version: string; file: string }[];
  /** `[]` when no mapping matched (the pipeline would acknowledge the event and publish nothing). */
  exceptions: CanonicalException[];
  /** Ends and re-openings of exceptions the source reports (mappings with `emits: lifecycle`). */
  lifecycle: LifecycleSignal[];
}

/**
 * `POST /v1/mappings/dry-run`: `{mapping: "<id>", payload: {...}}` or
 * `{system, objectType, payload}` (an XML payload as a string with `contentType:
 * "application/xml"`, parsed by the pipeline's parse stage) → the canonical exceptions the payload
 * would produce, mapped with the live mappings and assembled, enriched and scored like the pipeline
 * does (runner.ts); nothing is stored or published.
 * 400 for a malformed request, 404 for an unknown mapping or source, 422 when the mapping fails
 * on the payload (pointers under `/payload`) or produces an invalid exception (pointers under
 * `/exceptions/<i>`), every issue listed.
 */
@Controller('v1/mappings')
@UseGuards(ApiKeyGuard)
@Roles('steward')
@ApiTags('mappings')
export class DryRunController {
  constructor(
    @Inject(HUB_VERSION) private readonly version: string,
    @Inject(MAPPINGS) private readonly mappings: MappingRegistry,
    @Inject(SCORER) private readonly scorer: PolicyScorer,
    private readonly context: ContextService,
  ) {}

  @Post('dry-run')
  @HttpCode(200)
  @ApiRoute(
    'Map a payload with the live mappings, without publishing',
    { schema: ref('MappingDryRunResponse') },
    '`{mapping, payload}` or `{system, objectType, payload}` → the canonical exceptions the pipeline would publish; 422 with JSON pointers when the mapping fails or its output is invalid.',
  )
  @ApiJsonBody('MappingDryRunRequest')
  @ApiErrors(400, 404, 415, 422)
  async dryRun(@Req() req: FastifyRequest): Promise<DryRunResponse> {
    const { target, payload, connector } = parseRequest(req);
    let result;
    try {
      result = await dryRun(
        {
          registry: this.mappings,
          scorer: this.scorer,
          connectorVersion: this.version,
          context: this.context.engine,
        },
        target,
        payload,
        { connector },
      );
    } catch (err) {
      if (err instanceof UnknownMappingError) {
        throw apiError(NOT_FOUND, 'unknown_mapping', err.message, [
          {
            pointer: 'mapping' in target ? '/mapping' : '/system',
            rule: 'exists',
            message: err.message,
          },
        ]);
      }
      throw err;
    }
    if (result.mappingError) {
      throw apiError(
        UNPROCESSABLE,
        'mapping_failed',
        result.mappingError.message,
        result.mappingError.issues,
      );
    }
    if (result.issues.length > 0) {
      throw apiError(
        UNPROCESSABLE,
        'invalid_exception',
        `the mapping produced an exception that is not a valid canonical exception (schemas/canonical-exception.v1.schema.json); fix the mapping: ${formatIssues(result.issues)}`,
        result.issues,
      );
    }
    return {
      mappings: result.mappings,
      exceptions: result.exceptions,
      lifecycle: result.lifecycle,
    };
  }
}

function parseRequest(req: FastifyRequest): {
  target: DryRunTarget;
  payload: unknown;
  connector?: string;
} {
  const bad = (message: string, pointer = '', rule = 'required') => {
    const issues: Issue[] = [{ pointer, rule, message }];
    return apiError(BAD_REQUEST, 'bad_request', message, issues);
  };
  const contentType = req.headers['content-type'] ?? '';
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    throw apiError(
      415,
      'unsupported_media_type',
      `content type must be application/json, got "${contentType || 'none'}"`,
    );
  }
  const raw = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) {
    throw bad('the request has no body; send {"mapping": "<id>", "payload": {...}}');
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw bad(`the body is not valid JSON: ${(err as Error).message}`, '', 'json');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('the body must be a JSON object {"mapping": "<id>", "payload": {...}}', '', 'type');
  }
  const b = body as Record<string, unknown>;
  if (!('payload' in b)) {
    throw bad('`payload` is missing: put the source payload to map under "payload"', '/payload');
  }
  if (b.contentType !== undefined && typeof b.contentType !== 'string') {
    throw bad(
      '`contentType` must be a media type such as "application/xml"',
      '/contentType',
      'type',
    );
  }
  if (typeof b.contentType === 'string' && isXmlContentType(b.contentType)) {
    // An XML source payload (an ISO 20022 bank file) as text, parsed exactly as the pipeline does.
    if (typeof b.payload !== 'string') {
      throw bad(
        'with an XML `contentType`, `payload` must be the XML document as a string',
        '/payload',
        'type',
      );
    }
    try {
      b.payload = parsePayload(
        { contentType: b.contentType, connectorId: String(b.connector ?? 'dry-run') },
        Buffer.from(b.payload, 'utf8'),
      );
    } catch (err) {
      const issues = err instanceof HubError ? err.issues : [];
      throw apiError(
        BAD_REQUEST,
        'bad_request',
        `payload is not an XML document the pipeline can read: ${(err as Error).message}`,
        issues.map((i) => ({ ...i, pointer: `/payload${i.pointer}` })),
      );
    }
  } else if (typeof b.payload !== 'object' || b.payload === null) {
    throw bad(
      '`payload` must be a JSON object or array (the source payload), or an XML string with "contentType": "application/xml"',
      '/payload',
      'type',
    );
  }
  if (b.connector !== undefined && typeof b.connector !== 'string') {
    throw bad('`connector` must be a string (a connector instance id)', '/connector', 'type');
  }
  const connector = b.connector as string | undefined;
  if (b.mapping !== undefined) {
    if (typeof b.mapping !== 'string' || b.mapping === '') {
      throw bad(
        '`mapping` must be a mapping id such as "stripe.charge-dispute"',
        '/mapping',
        'type',
      );
    }
    return { target: { mapping: b.mapping }, payload: b.payload, connector };
  }
  for (const key of ['system', 'objectType'] as const) {
    if (typeof b[key] !== 'string' || b[key] === '') {
      throw bad(
        `give either \`mapping\` (a mapping id) or both \`system\` and \`objectType\`; \`${key}\` is missing or not a string`,
        `/${key}`,
      );
    }
  }
  return {
    target: { system: b.system as string, objectType: b.objectType as string },
    payload: b.payload,
    connector,
  };
}
