import { Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  showDeadLetter,
  type DeadLetterDetail,
  type ManagedConnection,
  type Topology,
} from '@exhub/messaging';
import {
  findCasesFiles,
  loadCasesFile,
  runCase,
  type CaseOutcome,
  type MappingSummary,
  diffExceptions,
  type Difference,
  type MappingRegistry,
} from '@exhub/mapping';
import type { ApiKeyRole, BacklogGroup, ExceptionStore } from '@exhub/store';
import { ApiKeyGuard, Caller } from '../api/api-key.guard';
import { refuseUnknownQuery } from '../api/query';
import { Roles, type ApiCaller } from '../api/roles';
import { apiError } from '../http/api-error';
import { ApiErrors, ApiRoute } from '../openapi/decorators';
import type { EnvSettings } from '@exhub/config';
import type { Logger } from '@exhub/observability';
import { BROKER_CONNECTION, HUB_ENV, LOGGER, MAPPINGS, STORE, TOPOLOGY } from '../core/core.tokens';

const NOT_FOUND = 404;
/** Mapping ids (`stripe.charge-dispute`) and dead-letter ids (message ids, or `#<n>`). */
const MAPPING_ID = /^[A-Za-z0-9_.:/-]{1,200}$/;
const LETTER_ID = /^[#A-Za-z0-9_.:@/-]{1,200}$/;
/** Exception ids, as the worklist API accepts them. */
const EXCEPTION_ID = /^[A-Za-z0-9_.:@/-]{1,200}$/;

export interface SessionInfo {
  /** The key's name and id, as the audit trail records them. */
  actor: string;
  name: string;
  role: ApiKeyRole;
}

export interface VersionChanges {
  version: number;
  recordedAt: string;
  contentHash: string;
  /** What differs from the version before (`[0].priority.score`…); empty for the first. */
  changes: Difference[];
}

export interface BacklogReport {
  /** Open (`open` or `in_review`) exceptions per domain and tier, with the oldest one's age. */
  groups: BacklogGroup[];
  /** Open exceptions past their due time, per tier. */
  pastDueByTier: Record<string, number>;
}

export interface GoldenCasesReport {
  mapping: string;
  passed: number;
  failed: number;
  outcomes: CaseOutcome[];
}

/**
 * What the web console (/console) needs beyond the reviewer and operations API: who the key is
 * (so the UI follows its role), the loaded mappings and their golden cases (mapping playground),
 * and one dead letter with its headers and payload. Read-only: nothing is stored or published.
 */
@Controller('v1')
@UseGuards(ApiKeyGuard)
@ApiTags('console')
export class ConsoleController {
  constructor(
    @Inject(HUB_ENV) private readonly env: EnvSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(BROKER_CONNECTION) private readonly connection: ManagedConnection,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(STORE) private readonly store: ExceptionStore,
    @Inject(MAPPINGS) private readonly mappingRegistry: MappingRegistry,
  ) {}

  @Get('session')
  @Roles('viewer')
  @ApiRoute('The calling API key: its name and role (what the console shows and allows)', {
    schema: {
      type: 'object',
      required: ['actor', 'name', 'role'],
      properties: {
        actor: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string', enum: ['viewer', 'steward', 'operator', 'admin'] },
      },
    },
  })
  @ApiErrors(400)
  session(@Req() req: FastifyRequest, @Caller() caller: ApiCaller): SessionInfo {
    refuseUnknownQuery(req.query, []);
    return { actor: caller.actor, name: caller.key.name, role: caller.key.role };
  }

  @Get('exceptions/:id/changes')
  @Roles('viewer')
  @ApiRoute('Every stored version of one exception with what changed from the version before', {
    schema: {
      type: 'object',
      required: ['versions'],
      properties: {
        versions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['version', 'recordedAt', 'contentHash', 'changes'],
            properties: {
              version: { type: 'integer' },
              recordedAt: { type: 'string', format: 'date-time' },
              contentHash: { type: 'string' },
              changes: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['path', 'kind'],
                  properties: {
                    path: { type: 'string' },
                    kind: { type: 'string', enum: ['changed', 'missing', 'unexpected'] },
                    expected: { description: 'the value before' },
                    actual: { description: 'the value after' },
                  },
                },
              },
            },
          },
        },
      },
    },
  })
  @ApiParam({ name: 'id', description: 'exception id' })
  @ApiErrors(400, 404)
  async changes(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
  ): Promise<{ versions: VersionChanges[] }> {
    refuseUnknownQuery(req.query, []);
    const history = EXCEPTION_ID.test(id) ? await this.store.exceptionHistory(id) : [];
    if (history.length === 0) {
      const message = `no exception with id "${id}"`;
      throw apiError(NOT_FOUND, 'not_found', message, [
        { pointer: '/id', rule: 'exists', message },
      ]);
    }
    return {
      versions: history.map((v, i) => ({
        version: v.version,
        recordedAt: v.recordedAt,
        contentHash: v.contentHash,
        changes: i === 0 ? [] : diffExceptions([history[i - 1].exception], [v.exception]),
      })),
    };
  }

  @Get('backlog')
  @Roles('viewer')
  @ApiRoute('The open backlog per domain and tier: how many, the oldest one’s age, past due', {
    schema: {
      type: 'object',
      required: ['groups', 'pastDueByTier'],
      properties: {
        groups: {
          type: 'array',
          items: {
            type: 'object',
            required: ['domain', 'tier', 'open', 'oldestAgeSeconds'],
            properties: {
              domain: { type: 'string' },
              tier: { type: 'string' },
              open: { type: 'integer' },
              oldestAgeSeconds: { type: 'number' },
            },
          },
        },
        pastDueByTier: { type: 'object', additionalProperties: { type: 'integer' } },
      },
    },
  })
  @ApiErrors(400)
  async backlog(@Req() req: FastifyRequest): Promise<BacklogReport> {
    refuseUnknownQuery(req.query, []);
    const stats = await this.store.backlogStats();
    return { groups: stats.groups, pastDueByTier: stats.pastDueByTier };
  }

  @Get('mappings')
  @Roles('steward')
  @ApiRoute('The loaded mappings: id, source system and object type, file, content hash', {
    schema: {
      type: 'object',
      required: ['mappings'],
      properties: {
        mappings: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'system', 'objectType', 'file', 'version'],
            properties: {
              id: { type: 'string' },
              system: { type: 'string' },
              objectType: { type: 'string' },
              file: { type: 'string' },
              version: { type: 'string' },
              cases: { type: 'integer', description: 'golden cases for this mapping' },
            },
          },
        },
      },
    },
  })
  @ApiErrors(400)
  mappings(@Req() req: FastifyRequest): { mappings: (MappingSummary & { cases: number })[] } {
    refuseUnknownQuery(req.query, []);
    const counts = new Map<string, number>();
    for (const file of this.casesFiles()) {
      counts.set(file.mapping, (counts.get(file.mapping) ?? 0) + file.cases.length);
    }
    return {
      mappings: this.mappingRegistry.list().map((m) => ({ ...m, cases: counts.get(m.id) ?? 0 })),
    };
  }

  @Post('mappings/:id/cases')
  @HttpCode(200)
  @Roles('steward')
  @ApiRoute(
    'Run the golden cases of one mapping against the live mapping; each outcome with its differences',
    {
      schema: {
        type: 'object',
        required: ['mapping', 'passed', 'failed', 'outcomes'],
        properties: {
          mapping: { type: 'string' },
          passed: { type: 'integer' },
          failed: { type: 'integer' },
          outcomes: { type: 'array', items: { type: 'object' } },
        },
      },
    },
    'The cases are the `*.cases.yaml` files under EXHUB_MAPPINGS_DIR that name the mapping. Nothing is published.',
  )
  @ApiParam({ name: 'id', description: 'mapping id', example: 'stripe.charge-dispute' })
  @ApiErrors(400, 404)
  async runCases(@Param('id') id: string, @Req() req: FastifyRequest): Promise<GoldenCasesReport> {
    refuseUnknownQuery(req.query, []);
    if (!MAPPING_ID.test(id) || !this.mappingRegistry.get(id)) {
      const message = `no mapping "${id}" is loaded; GET /v1/mappings lists them`;
      throw apiError(NOT_FOUND, 'not_found', message, [
        { pointer: '/id', rule: 'exists', message },
      ]);
    }
    const outcomes: CaseOutcome[] = [];
    for (const file of this.casesFiles().filter((f) => f.mapping === id)) {
      for (const goldenCase of file.cases) {
        outcomes.push(await runCase(this.mappingRegistry, file, goldenCase));
      }
    }
    const passed = outcomes.filter((o) => o.passed).length;
    return { mapping: id, passed, failed: outcomes.length - passed, outcomes };
  }

  @Get('dlq/letters/:id')
  @Roles('operator')
  @ApiRoute('One dead letter with its headers, properties and the start of its body', {
    schema: {
      type: 'object',
      required: ['letter', 'headers', 'properties', 'bodyPreview', 'truncated'],
      properties: {
        letter: { type: 'object' },
        headers: { type: 'object' },
        properties: { type: 'object' },
        bodyPreview: { type: 'string' },
        truncated: { type: 'boolean' },
      },
    },
  })
  @ApiParam({ name: 'id', description: 'message id (or `#<n>`, its position in the scan)' })
  @ApiErrors(400, 404)
  async deadLetter(@Param('id') id: string, @Req() req: FastifyRequest): Promise<DeadLetterDetail> {
    refuseUnknownQuery(req.query, []);
    const found = LETTER_ID.test(id)
      ? await showDeadLetter(this.connection, { names: this.topology.names, id })
      : undefined;
    if (!found) {
      const message = `no dead letter "${id}" in ${this.topology.names.dlq}; GET /v1/dlq lists their ids`;
      throw apiError(NOT_FOUND, 'not_found', message, [
        { pointer: '/id', rule: 'exists', message },
      ]);
    }
    return found;
  }

  /**
   * Every cases file under the mappings folder that loads. A broken one is logged with its
   * problems (it cannot say which mapping it belongs to); `exhub mappings test` reports it too.
   */
  private casesFiles() {
    return findCasesFiles(this.env.mappingsDir).flatMap((file) => {
      try {
        return [loadCasesFile(file)];
      } catch (err) {
        this.logger.warn(
          { file, error: (err as Error).message },
          'golden cases file does not load; its cases are left out of the console',
        );
        return [];
      }
    });
  }
}
