import { Controller, Get, Inject, Req, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../api/api-key.guard';
import { Roles } from '../api/roles';
import { apiError } from '../http/api-error';
import { ApiErrors, ApiKeyAuth, ApiQueries, ApiRoute } from '../openapi/decorators';
import type { Insights } from './insights';
import { InsightsService } from './insights.service';

const BAD_REQUEST = 400;
const DAY_MS = 86_400_000;
/** The default window: the last 30 days. */
export const DEFAULT_WINDOW_DAYS = 30;
export const DEFAULT_TOP = 20;
export const MAX_TOP = 100;
const PARAMS = ['since', 'until', 'top'] as const;
const TOP = /^[0-9]{1,3}$/;

/** The body GET /v1/insights answers (OpenAPI). */
const DURATION_STATS = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      type: { type: 'string' },
      tier: { type: 'string' },
      count: { type: 'integer' },
      p50Seconds: { type: 'number' },
      p90Seconds: { type: 'number' },
      meanSeconds: { type: 'number' },
    },
  },
} as const;
const INSIGHTS_SCHEMA = {
  type: 'object',
  properties: {
    window: {
      type: 'object',
      properties: {
        since: { type: 'string', format: 'date-time' },
        until: { type: 'string', format: 'date-time' },
        statusChanges: { type: 'integer' },
        truncated: { type: 'boolean' },
      },
    },
    rootCauses: {
      type: 'object',
      properties: {
        open: { type: 'integer' },
        threshold: { type: 'integer' },
        byRule: {
          type: 'array',
          items: {
            type: 'object',
            properties: { rule: { type: 'string' }, open: { type: 'integer' } },
          },
        },
        top: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              key: { type: 'string' },
              rule: { type: 'string' },
              open: { type: 'integer' },
              byType: { type: 'object', additionalProperties: { type: 'integer' } },
              parentId: { type: 'string' },
              hasParent: { type: 'boolean' },
            },
          },
        },
      },
    },
    timeToTriage: DURATION_STATS,
    timeToResolve: DURATION_STATS,
  },
};

/**
 * `GET /v1/insights`: process intelligence for process owners — open exceptions by root cause
 * (the largest groups, their parent's id), and time to triage and to resolve by type and tier
 * over a window (`since`, `until`; default the last 30 days). The same definitions as the
 * `exhub_root_cause_open_exceptions` and `exhub_time_to_*_seconds` metrics.
 */
@Controller('v1/insights')
@UseGuards(ApiKeyGuard)
@ApiTags('insights')
export class InsightsController {
  constructor(@Inject(InsightsService) private readonly insights: InsightsService) {}

  @Get()
  @Roles('viewer')
  @ApiKeyAuth('viewer')
  @ApiRoute(
    'Process intelligence: root causes, time to triage and to resolve by type and tier',
    { schema: INSIGHTS_SCHEMA },
    'Durations are measured from when an exception last became open; p50 and p90 are nearest-rank percentiles over the status changes in the window.',
  )
  @ApiQueries([
    { name: 'since', description: 'ISO 8601 start of the window (default: 30 days ago)' },
    { name: 'until', description: 'ISO 8601 end of the window (default: now)' },
    {
      name: 'top',
      type: 'integer',
      minimum: 1,
      maximum: MAX_TOP,
      description: `Root-cause groups listed, largest first (default ${DEFAULT_TOP})`,
    },
  ])
  @ApiErrors(400)
  async get(@Req() req: FastifyRequest): Promise<Insights> {
    const query = req.query as Record<string, unknown>;
    for (const [name, value] of Object.entries(query)) {
      if (!(PARAMS as readonly string[]).includes(name))
        throw bad(name, `unknown parameter "${name}"; known: ${PARAMS.join(', ')}`);
      if (typeof value !== 'string') throw bad(name, `parameter "${name}" is given more than once`);
    }
    const now = new Date();
    const until = query.until === undefined ? now : time('until', query.until as string);
    const since =
      query.since === undefined
        ? new Date(until.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS)
        : time('since', query.since as string);
    if (since.getTime() > until.getTime())
      throw bad('since', `since (${since.toISOString()}) is after until (${until.toISOString()})`);
    let top = DEFAULT_TOP;
    if (query.top !== undefined) {
      const raw = query.top as string;
      top = Number(raw);
      if (!TOP.test(raw) || top < 1 || top > MAX_TOP)
        throw bad('top', `top must be a whole number from 1 to ${MAX_TOP}, got "${raw}"`);
    }
    return this.insights.report(since, until, top);
  }
}

function time(name: string, raw: string): Date {
  const at = new Date(raw);
  if (Number.isNaN(at.getTime()))
    throw bad(name, `${name}="${raw}" is not an ISO 8601 time, e.g. 2026-11-01T00:00:00Z`);
  return at;
}

function bad(name: string, message: string) {
  return apiError(BAD_REQUEST, 'malformed', message, [
    { pointer: `/query/${name}`, rule: 'query', message },
  ]);
}
