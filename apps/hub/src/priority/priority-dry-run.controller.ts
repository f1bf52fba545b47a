import { Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  ScoringRequestError,
  scoringInputFrom,
  type Explanation,
  type Scorer,
  type ScoringInput,
  type PolicyScorer,
} from '@exhub/prioritization';
import { ContextService } from '../context/context.service';
import { runPipeline } from '@exhub/pipeline';
import type { AssembledException } from '@exhub/pipeline';
import { ApiKeyGuard } from '../api/api-key.guard';
import { Roles } from '../api/roles';
import { apiError } from '../http/api-error';
import { ApiErrors, ApiJsonBody, ApiQueries, ApiRoute } from '../openapi/decorators';
import type { MappingRegistry } from '@exhub/mapping';
import { HUB_VERSION, MAPPINGS, SCORER } from '../core/core.tokens';

const JSON_CONTENT_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;
const BAD_REQUEST = 400;
const UNSUPPORTED_MEDIA_TYPE = 415;

/**
 * `POST /v1/priority/dry-run`: scores a canonical exception (or `{exception, context}`) with the
 * live policy and answers what `exhub priority explain --json` prints — features, rules fired,
 * factors (adding up to the score), tier, route, SLA target and, in shadow mode, what the model
 * would have done. The exception gets the context the pipeline would give it (enrich stage), with
 * the request's `context` over it. `?now=<ISO time>` scores as of another moment. Nothing is stored
 * or published.
 */
@Controller('v1/priority')
@UseGuards(ApiKeyGuard)
@Roles('steward')
@ApiTags('priority')
export class PriorityDryRunController {
  constructor(
    @Inject(HUB_VERSION) private readonly version: string,
    @Inject(MAPPINGS) private readonly mappings: MappingRegistry,
    @Inject(SCORER) private readonly scorer: PolicyScorer,
    private readonly context: ContextService,
  ) {}

  /**
   * The pipeline's enrich and score stages (runner.ts) on the exception: the context the worker
   * would find (connector lookups, related open exceptions), with the request's `context` over it.
   * Explained, not scored: a dry run fires no score listeners (drift, shadow).
   */
  private async explain({ context, ...exception }: ScoringInput, now: Date): Promise<Explanation> {
    let explanation: Explanation | undefined;
    const explaining: Scorer = {
      score: (input, at) => (explanation = this.scorer.explain(input, at)).priority,
    };
    const run = await runPipeline(
      {
        mappings: this.mappings,
        scorer: explaining,
        connectorVersion: this.version,
        context: this.context.engine,
      },
      { exception: exception as unknown as AssembledException, context },
      { now, stopAfter: 'score' },
    );
    // The scored priority: the scorer's, plus the context's 0-point factors and `degraded`.
    return { ...(explanation as Explanation), priority: run.exceptions[0].priority };
  }

  @Post('dry-run')
  @HttpCode(200)
  @ApiRoute(
    'Score an exception with the live policy, with the explanation',
    { schema: { type: 'object', description: 'what `exhub priority explain --json` prints' } },
    'Body: a canonical exception or `{exception, context}`; `?now=` scores as of another time. Nothing is stored or published.',
  )
  @ApiJsonBody('CanonicalException')
  @ApiQueries([{ name: 'now', description: 'ISO 8601 time to score as of' }])
  @ApiErrors(400, 415)
  async dryRun(@Req() req: FastifyRequest): Promise<Explanation> {
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
      return await this.explain(scoringInputFrom(data), now);
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
