import { Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  ScoringRequestError,
  scoringInputFrom,
  type Explanation,
} from '../../../../libs/prioritization/src';
import { ApiKeyGuard } from '../api/api-key.guard';
import { Roles } from '../api/roles';
import { apiError } from '../http/api-error';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';

const JSON_CONTENT_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;
const BAD_REQUEST = 400;
const UNSUPPORTED_MEDIA_TYPE = 415;

/**
 * `POST /v1/priority/dry-run`: scores a canonical exception (or `{exception, context}`) with the
 * live policy and answers what `exhub priority explain --json` prints — features, rules fired,
 * factors (adding up to the score), tier, route, SLA target and, in shadow mode, what the model
 * would have done. `?now=<ISO time>` scores as of another moment. Nothing is stored or published.
 */
@Controller('v1/priority')
@UseGuards(ApiKeyGuard)
@Roles('steward')
export class PriorityDryRunController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @Post('dry-run')
  @HttpCode(200)
  dryRun(@Req() req: FastifyRequest): Explanation {
    const contentType = req.headers['content-type'] ?? '';
    if (!JSON_CONTENT_TYPE.test(contentType)) {
      throw apiError(
        UNSUPPORTED_MEDIA_TYPE,
        'unsupported_media_type',
        `content type must be application/json, got "${contentType || 'none'}"`,
      );
    }
    let data: unknown;
    try {
      data = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    } catch (err) {
      throw apiError(
        BAD_REQUEST,
        'malformed',
        `body is not valid JSON: ${(err as Error).message}`,
        [{ pointer: '', rule: 'json', message: (err as Error).message }],
      );
    }
    const nowParam = (req.query as Record<string, string | undefined>).now;
    const now = nowParam === undefined ? new Date() : new Date(nowParam);
    if (Number.isNaN(now.getTime())) {
      throw apiError(
        BAD_REQUEST,
        'malformed',
        `query now="${nowParam}" is not an ISO 8601 time, e.g. 2026-11-30T12:00:00Z`,
      );
    }
    try {
      return this.rt.scorer.explain(scoringInputFrom(data), now);
    } catch (err) {
      if (err instanceof ScoringRequestError) {
        throw apiError(BAD_REQUEST, 'malformed', `${err.pointer}: ${err.message}`, [
          { pointer: err.pointer, rule: 'required', message: err.message },
        ]);
      }
      throw err;
    }
  }
}
