import { randomUUID } from 'node:crypto';
import { Controller, Get, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  listDeadLetters,
  replayArchive,
  replayDeadLetters,
  type DlqGroup,
  type DlqReplayReport,
  type ReplayReport,
  type ConfirmPublisher,
  type ManagedConnection,
  type Topology,
} from '@exhub/messaging';
import { ContextService } from '../context/context.service';
import { compilePayloadFilter, FilterError } from '@exhub/pipeline';
import { pipelineRecheck } from '@exhub/pipeline';
import { parseReplayRequest, RequestError } from '@exhub/messaging';
import { apiError } from './api-error';
import { ApiKeyGuard } from '../api/api-key.guard';
import { Roles } from '../api/roles';
import { ApiErrors, ApiJsonBody, ApiRoute } from '../openapi/decorators';
import type { MappingRegistry } from '@exhub/mapping';
import type { Logger } from '@exhub/observability';
import type { PolicyScorer } from '@exhub/prioritization';
import {
  BROKER_CONNECTION,
  HUB_VERSION,
  LOGGER,
  MAPPINGS,
  PUBLISHER,
  SCORER,
  TOPOLOGY,
} from '../core/core.tokens';

export interface DlqSummary {
  queue: string;
  depth: number;
  scanned: number;
  groups: DlqGroup[];
}

export type ReplayResponse =
  | { dryRun: true; source: 'archive'; report: ReplayReport }
  | { dryRun: true; source: 'dlq'; report: DlqReplayReport }
  | { jobId: string; status: 'done'; source: 'archive'; report: ReplayReport }
  | { jobId: string; status: 'done'; source: 'dlq'; report: DlqReplayReport };

/**
 * Operations on dead letters and the archive. `POST /v1/replay` runs synchronously: an archive
 * replay is bounded by its window (it ends at the stream's last offset at start), a DLQ replay by
 * the queue depth at start; the answer carries a job id and the final counts. Long windows belong
 * to `exhub replay`, which is resumable. Both need an operator API key.
 */
@Controller('v1')
@UseGuards(ApiKeyGuard)
@Roles('operator')
@ApiTags('operations')
export class OpsController {
  constructor(
    @Inject(HUB_VERSION) private readonly version: string,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(BROKER_CONNECTION) private readonly connection: ManagedConnection,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(MAPPINGS) private readonly mappings: MappingRegistry,
    @Inject(SCORER) private readonly scorer: PolicyScorer,
    private readonly context: ContextService,
  ) {}

  /** Dead letters grouped by error class and stage: counts, oldest age, sample ids. Non-destructive. */
  @Get('dlq')
  @ApiRoute('Dead letters grouped by error class and stage (non-destructive)', {
    schema: {
      type: 'object',
      properties: {
        queue: { type: 'string' },
        depth: { type: 'integer' },
        scanned: { type: 'integer' },
        groups: { type: 'array', items: { type: 'object' } },
      },
    },
  })
  async dlq(): Promise<DlqSummary> {
    const names = this.topology.names;
    const listing = await listDeadLetters(this.connection, { names });
    return {
      queue: names.dlq,
      depth: listing.depth,
      scanned: listing.scanned,
      groups: listing.groups,
    };
  }

  @Post('replay')
  @HttpCode(200)
  @ApiRoute('Replay from the archive (time window, connector, filter) or the DLQ, with dry-run', {
    schema: { type: 'object', description: 'job id (unless dry-run), source and report' },
  })
  @ApiJsonBody('ReplayRequest')
  // Any content type is read as JSON: a body that is not JSON is a 400, never a 415.
  @ApiErrors(400)
  async replay(@Req() req: FastifyRequest): Promise<ReplayResponse> {
    let request;
    try {
      request = parseReplayRequest(req.body as Buffer | undefined);
    } catch (error) {
      if (error instanceof RequestError) {
        throw apiError(400, 'invalid_request', error.message, error.issues);
      }
      throw error;
    }
    const names = this.topology.names;
    const recheck = pipelineRecheck({
      mappings: this.mappings,
      scorer: this.scorer,
      connectorVersion: this.version,
      context: this.context.engine,
    });
    const jobId = randomUUID();
    if (request.source === 'dlq') {
      const report = await replayDeadLetters(this.connection, {
        names,
        select: { errorClass: request.errorClass, ids: request.ids },
        recheck,
        publisher: this.publisher,
        dryRun: request.dryRun,
      });
      this.logger.info(
        {
          jobId,
          source: 'dlq',
          dryRun: request.dryRun,
          republished: report.republished,
          quarantined: report.quarantined,
        },
        'dlq replay finished',
      );
      return request.dryRun
        ? { dryRun: true, source: 'dlq', report }
        : { jobId, status: 'done', source: 'dlq', report };
    }
    let filter;
    try {
      filter = request.filter ? compilePayloadFilter(request.filter, '/filter') : undefined;
    } catch (error) {
      if (error instanceof FilterError) {
        throw apiError(400, 'invalid_request', error.message, [
          { pointer: '/filter', rule: 'jsonata', message: error.message },
        ]);
      }
      throw error;
    }
    let report;
    try {
      report = await replayArchive(this.connection, {
        names,
        from: request.from,
        to: request.to ?? new Date(),
        select: {
          connector: request.connector,
          objectType: request.objectType,
          sourceEventId: request.sourceEventId,
          filter,
        },
        dryRun: request.dryRun,
        publisher: this.publisher,
        recheck,
        ratePerSecond: request.rate,
      });
    } catch (error) {
      // A filter that breaks a limit on an event stops the replay: answered like a bad filter.
      if (error instanceof FilterError) {
        throw apiError(400, 'invalid_request', error.message, [
          { pointer: '/filter', rule: 'limits', message: error.message },
        ]);
      }
      throw error;
    }
    this.logger.info(
      {
        jobId,
        source: 'archive',
        dryRun: request.dryRun,
        matched: report.matched,
        published: report.published,
      },
      'archive replay finished',
    );
    return request.dryRun
      ? { dryRun: true, source: 'archive', report }
      : { jobId, status: 'done', source: 'archive', report };
  }
}
