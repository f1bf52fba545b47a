import { Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  isDomain,
  isExceptionType,
  isStatus,
  isTier,
  TIERS,
  type CanonicalException,
  type Tier,
} from '@exhub/canonical';
import type { Issue } from '@exhub/core';
import {
  DECISION_ACTIONS,
  MAX_PAGE_SIZE,
  StoreConflictError,
  StoreInputError,
  StoreNotFoundError,
  type AuditEntry,
  type DecisionAction,
  type ExceptionVersion,
  type WorklistPage,
  type WorklistQuery,
  type ExceptionStore,
} from '@exhub/store';
import { apiError } from '../http/api-error';
import { ApiErrors, ApiJsonBody, ApiQueries, ApiRoute } from '../openapi/decorators';
import { ref, WORKLIST_QUERY } from '../openapi/schemas';
import { ApiKeyGuard, Caller } from './api-key.guard';
import { Roles, type ApiCaller } from './roles';
import type { Logger } from '@exhub/observability';
import { LOGGER, STORE } from '../core/core.tokens';

const BAD_REQUEST = 400;
const NOT_FOUND = 404;
const CONFLICT = 409;
const UNSUPPORTED_MEDIA_TYPE = 415;
const JSON_CONTENT_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;
/** Party ids and exception ids: printable identifiers, no quotes, spaces or SQL punctuation. */
const IDENTIFIER = /^[A-Za-z0-9_.:@/-]{1,200}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,400}$/;
const LIMIT = /^[0-9]{1,4}$/;
const MAX_REASON_LENGTH = 2000;
const WORKLIST_PARAMS = ['domain', 'type', 'tier', 'status', 'party', 'cursor', 'limit'] as const;
const DECISION_FIELDS = ['action', 'reason', 'tier'] as const;

export interface ExceptionDetail {
  exception: CanonicalException;
  /** Why it ranks where it does: score, tier, route and the factors whose points add up to it. */
  explanation: CanonicalException['priority'];
  lineage: CanonicalException['lineage'];
  links: CanonicalException['links'];
  history: { version: number; recordedAt: string; contentHash: string }[];
  audit: AuditEntry[];
}

/**
 * The reviewer's API: the worklist (highest score first), one exception with its explanation,
 * history and audit trail, and decisions on it. Every route needs an API key (ApiKeyGuard).
 */
@Controller('v1/exceptions')
@UseGuards(ApiKeyGuard)
@ApiTags('exceptions')
export class ExceptionsController {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(STORE) private readonly store: ExceptionStore,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiRoute(
    'The worklist: exceptions by score, highest first, filtered and paged',
    { schema: ref('WorklistPage') },
    'Unknown parameters, repeated parameters and values outside their enum or pattern are refused with 400.',
  )
  @ApiQueries(WORKLIST_QUERY)
  @ApiErrors(400)
  async worklist(@Req() req: FastifyRequest): Promise<WorklistPage> {
    const query = parseWorklistQuery(req.query);
    try {
      return await this.store.worklist(query);
    } catch (err) {
      throw storeError(err, 'query');
    }
  }

  @Get(':id')
  @Roles('viewer')
  @ApiRoute('One exception with its explanation, lineage, history and audit trail', {
    schema: ref('ExceptionDetail'),
  })
  @ApiParam({ name: 'id', description: 'exception id' })
  @ApiErrors(404)
  async detail(@Param('id') id: string): Promise<ExceptionDetail> {
    const exception = IDENTIFIER.test(id) ? await this.store.getException(id) : undefined;
    if (!exception) throw notFound(id);
    const [history, audit] = await Promise.all([
      this.store.exceptionHistory(id),
      this.store.auditTrail({ exceptionId: id }),
    ]);
    return {
      exception,
      explanation: exception.priority,
      lineage: exception.lineage,
      links: exception.links,
      history: history.map((v: ExceptionVersion) => ({
        version: v.version,
        recordedAt: v.recordedAt,
        contentHash: v.contentHash,
      })),
      audit,
    };
  }

  @Post(':id/decisions')
  @HttpCode(200)
  @Roles('operator')
  @ApiRoute('Record a human decision: approve, override the tier, resolve or dismiss (audited)', {
    schema: {
      type: 'object',
      required: ['exception'],
      properties: { exception: ref('CanonicalException') },
    },
  })
  @ApiParam({ name: 'id', description: 'exception id' })
  @ApiJsonBody('Decision')
  @ApiErrors(400, 404, 409, 415)
  async decide(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Caller() caller: ApiCaller,
  ): Promise<{ exception: CanonicalException }> {
    const decision = parseDecision(req);
    if (!IDENTIFIER.test(id)) throw notFound(id);
    try {
      const exception = await this.store.applyDecision(id, {
        ...decision,
        actor: caller.actor,
      });
      this.logger.info(
        { exceptionId: id, action: decision.action, actor: caller.actor },
        'decision recorded',
      );
      return { exception };
    } catch (err) {
      throw storeError(err, 'body', id);
    }
  }
}

function notFound(id: string) {
  const message = `no exception with id "${id}"`;
  return apiError(NOT_FOUND, 'not_found', message, [{ pointer: '/id', rule: 'exists', message }]);
}

function badRequest(issues: Issue[]) {
  const message = issues.map((i) => i.message).join('; ');
  return apiError(BAD_REQUEST, 'bad_request', message, issues);
}

function storeError(err: unknown, where: 'query' | 'body', id?: string) {
  if (err instanceof StoreInputError) {
    return badRequest([{ pointer: `/${where}/${err.field}`, rule: 'valid', message: err.message }]);
  }
  if (err instanceof StoreNotFoundError) return notFound(id ?? '');
  if (err instanceof StoreConflictError) return apiError(CONFLICT, 'conflict', err.message);
  return err;
}

/** Query string → store query; every parameter checked, unknown ones refused. */
export function parseWorklistQuery(raw: unknown): WorklistQuery {
  const params = (raw ?? {}) as Record<string, unknown>;
  const issues: Issue[] = [];
  const out: WorklistQuery = {};
  const issue = (name: string, rule: string, message: string) =>
    issues.push({ pointer: `/query/${name}`, rule, message });
  for (const [name, value] of Object.entries(params)) {
    if (!(WORKLIST_PARAMS as readonly string[]).includes(name)) {
      issue(name, 'known', `unknown query parameter "${name}"; use ${WORKLIST_PARAMS.join(', ')}`);
      continue;
    }
    if (typeof value !== 'string') {
      issue(name, 'single', `query parameter "${name}" must be given once`);
      continue;
    }
    switch (name) {
      case 'domain':
        if (isDomain(value)) out.domain = value;
        else issue(name, 'enum', `domain "${value}" is not a known domain`);
        break;
      case 'type':
        if (isExceptionType(value)) out.type = value;
        else issue(name, 'enum', `type "${value}" is not a known exception type`);
        break;
      case 'tier':
        if (isTier(value)) out.tier = value;
        else issue(name, 'enum', `tier must be one of ${TIERS.join(', ')}`);
        break;
      case 'status':
        if (isStatus(value)) out.status = value;
        else
          issue(
            name,
            'enum',
            `status "${value}" is not one of open, in_review, resolved, dismissed`,
          );
        break;
      case 'party':
        if (IDENTIFIER.test(value)) out.partyId = value;
        else issue(name, 'pattern', 'party must be a party id (letters, digits, _ . : @ / -)');
        break;
      case 'cursor':
        if (CURSOR.test(value)) out.cursor = value;
        else
          issue(name, 'pattern', 'cursor must be the nextCursor of the previous page, unchanged');
        break;
      case 'limit': {
        const n = LIMIT.test(value) ? Number(value) : NaN;
        if (Number.isInteger(n) && n >= 1 && n <= MAX_PAGE_SIZE) out.limit = n;
        else issue(name, 'range', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
        break;
      }
    }
  }
  if (issues.length) throw badRequest(issues);
  return out;
}

/** `{action, reason, tier?}` with field-level issues; unknown fields refused. */
export function parseDecision(req: FastifyRequest): {
  action: DecisionAction;
  reason: string;
  tier?: Tier;
} {
  const contentType = req.headers['content-type'] ?? '';
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    throw apiError(
      UNSUPPORTED_MEDIA_TYPE,
      'unsupported_media_type',
      `content type must be application/json, got "${contentType || 'none'}"`,
    );
  }
  const raw = req.body;
  const example = '{"action": "resolve", "reason": "refunded"}';
  if (!Buffer.isBuffer(raw) || raw.length === 0) {
    throw badRequest([
      { pointer: '', rule: 'required', message: `the request has no body; send ${example}` },
    ]);
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw badRequest([
      {
        pointer: '',
        rule: 'json',
        message: `the body is not valid JSON: ${(err as Error).message}`,
      },
    ]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest([
      { pointer: '', rule: 'type', message: `the body must be a JSON object ${example}` },
    ]);
  }
  const b = body as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const key of Object.keys(b)) {
    if (!(DECISION_FIELDS as readonly string[]).includes(key)) {
      issues.push({
        pointer: `/${key}`,
        rule: 'additionalProperties',
        message: `unknown field "${key}"; a decision has ${DECISION_FIELDS.join(', ')}`,
      });
    }
  }
  const action = b.action;
  if (typeof action !== 'string' || !(DECISION_ACTIONS as readonly string[]).includes(action)) {
    issues.push({
      pointer: '/action',
      rule: 'enum',
      message: `action must be one of ${DECISION_ACTIONS.join(', ')}`,
    });
  }
  const reason = b.reason;
  if (typeof reason !== 'string' || reason.trim() === '') {
    issues.push({
      pointer: '/reason',
      rule: 'required',
      message: 'reason is required (why this decision)',
    });
  } else if (reason.length > MAX_REASON_LENGTH) {
    issues.push({
      pointer: '/reason',
      rule: 'maxLength',
      message: `reason must be at most ${MAX_REASON_LENGTH} characters`,
    });
  }
  const tier = b.tier;
  if (tier !== undefined && !(typeof tier === 'string' && isTier(tier))) {
    issues.push({
      pointer: '/tier',
      rule: 'enum',
      message: `tier must be one of ${TIERS.join(', ')}`,
    });
  } else if (action === 'override' && tier === undefined) {
    issues.push({ pointer: '/tier', rule: 'required', message: 'an override needs the new tier' });
  } else if (tier !== undefined && action !== 'override') {
    issues.push({ pointer: '/tier', rule: 'forbidden', message: 'tier is only for an override' });
  }
  if (issues.length) throw badRequest(issues);
  return {
    action: action as DecisionAction,
    reason: (reason as string).trim(),
    ...(tier !== undefined ? { tier: tier as Tier } : {}),
  };
}
