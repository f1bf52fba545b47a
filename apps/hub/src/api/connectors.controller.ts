import { Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { HubError, MS_PER_SECOND } from '@exhub/core';
import {
  PollSchedulerService,
  type ScheduledPollOutcome,
} from '../connectors/poll-scheduler.service';
import { apiError } from '../http/api-error';
import { ApiErrors, ApiRoute } from '../openapi/decorators';
import { ref } from '../openapi/schemas';
import { ApiKeyGuard, Caller } from './api-key.guard';
import { refuseUnknownQuery } from './query';
import { Roles, type ApiCaller } from './roles';
import type { EnvSettings, HubConfig } from '@exhub/config';
import type { Logger } from '@exhub/observability';
import type { ExceptionStore } from '@exhub/store';
import {
  CONNECTOR_SLOTS,
  HUB_CONFIG,
  HUB_ENV,
  LOGGER,
  STORE,
  type ConnectorSlots,
} from '../core/core.tokens';

const NOT_FOUND = 404;
const CONFLICT = 409;
const BAD_GATEWAY = 502;
const CONNECTOR_ID = /^[A-Za-z0-9_.-]{1,100}$/;

export interface ConnectorStatus {
  id: string;
  type: string;
  /** `webhook` (POST /v1/ingest/:id), `poll` (pulled by the scheduler), `unavailable`. */
  kind: 'webhook' | 'poll' | 'unavailable';
  enabled: boolean;
  /** Whether this process runs the instance's poller (ingress role, started). */
  polledHere: boolean;
  /** The instance's readiness check, as in GET /health/ready. */
  check: { ok: boolean; detail: string };
  /** `closed`, `open` or `half_open` for polled instances; null for webhooks. */
  breaker: string | null;
  intervalSeconds: number | null;
  /** The last successful poll on this process (ISO 8601), null if none yet. */
  lastPollAt: string | null;
  /** The cursor as checkpointed in the store (by whichever process polled), null if none. */
  cursor: { updatedAt: string; ageSeconds: number } | null;
  lastError: { errorClass: string; message: string; at: string } | null;
  /** The last time this process's tick found another process polling the source (PostgreSQL). */
  lockedElsewhereAt: string | null;
}

/**
 * Connector instances: status of every instance in exhub.config.yaml (viewer), and a poll on
 * demand (operator), audited with the caller.
 */
@Controller('v1/connectors')
@UseGuards(ApiKeyGuard)
@ApiTags('connectors')
export class ConnectorsController {
  constructor(
    @Inject(HUB_ENV) private readonly env: EnvSettings,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(STORE) private readonly store: ExceptionStore,
    @Inject(CONNECTOR_SLOTS) private readonly connectors: ConnectorSlots,
    private readonly scheduler: PollSchedulerService,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiRoute('Every connector instance: kind, readiness, breaker, last poll, cursor, last error', {
    schema: {
      type: 'object',
      required: ['connectors'],
      properties: { connectors: { type: 'array', items: ref('ConnectorStatus') } },
    },
  })
  @ApiErrors(400)
  async list(@Req() req: FastifyRequest): Promise<{ connectors: ConnectorStatus[] }> {
    refuseUnknownQuery(req.query, []);
    const now = Date.now();
    const connectors = await Promise.all(
      this.config.connectors.map(async (instance): Promise<ConnectorStatus> => {
        const slot = this.connectors.get(instance.id);
        const polled = this.scheduler.slots.get(instance.id);
        const kind = !slot || slot.unavailable ? 'unavailable' : slot.polled ? 'poll' : 'webhook';
        const cursor = kind === 'poll' ? await this.store.getCursor(instance.id) : undefined;
        const check = !instance.enabled
          ? { ok: false, detail: 'disabled in the config file (enabled: false)' }
          : slot?.check
            ? slot.check()
            : slot?.webhook
              ? { ok: true, detail: 'webhook configured' }
              : { ok: false, detail: slot?.unavailable ?? 'not available' };
        return {
          id: instance.id,
          type: instance.type,
          kind,
          enabled: instance.enabled,
          polledHere: polled !== undefined,
          check,
          breaker: polled ? (polled.connector.breakerState?.() ?? 'closed') : null,
          intervalSeconds: polled?.intervalSeconds ?? null,
          lastPollAt: polled?.runner.status.lastSuccessAt ?? null,
          cursor: cursor
            ? {
                updatedAt: cursor.updatedAt,
                ageSeconds: Math.max(
                  0,
                  Math.round((now - Date.parse(cursor.updatedAt)) / MS_PER_SECOND),
                ),
              }
            : null,
          lastError: polled?.runner.status.lastError ?? null,
          lockedElsewhereAt: polled?.lockedElsewhereAt ?? null,
        };
      }),
    );
    return { connectors };
  }

  /**
   * Polls a source now on this process, under the per-connector poll lock. 404 unknown id; 409
   * when the instance is not polled, not run by this process, or another poll is running.
   */
  @Post(':id/poll')
  @HttpCode(200)
  @Roles('operator')
  @ApiRoute(
    'Poll a source now (this process, under the per-connector poll lock; audited)',
    { schema: ref('PollResult') },
    '404 unknown connector; 409 not a polled connector, not polled by this process (role), or a poll is already running here or on another process; 502 the source failed.',
  )
  @ApiParam({ name: 'id', description: 'connector instance id', example: 'sap-s4' })
  @ApiErrors(400, 404, 409, 502)
  async poll(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Caller() caller: ApiCaller,
  ): Promise<{ connector: string; outcome: ScheduledPollOutcome }> {
    refuseUnknownQuery(req.query, []);
    const instance = CONNECTOR_ID.test(id)
      ? this.config.connectors.find((c) => c.id === id)
      : undefined;
    if (!instance) {
      const message = `no connector "${id}" in ${this.config.file}; GET /v1/connectors lists them`;
      throw apiError(NOT_FOUND, 'not_found', message, [
        { pointer: '/id', rule: 'exists', message },
      ]);
    }
    const slot = this.connectors.get(id);
    if (!slot?.polled) {
      throw apiError(
        CONFLICT,
        'not_polled',
        `connector "${id}" is ${!instance.enabled ? 'disabled' : slot?.webhook ? 'a webhook connector (it is not polled)' : `not available: ${slot?.unavailable ?? 'not started'}`}`,
      );
    }
    const running = this.scheduler.pollNow(id);
    if (!running) {
      throw apiError(
        CONFLICT,
        'not_polled_here',
        `this hub process does not poll "${id}" (EXHUB_ROLES=${[...this.env.roles].join(',')}, or it could not start: ${slot.check?.().detail ?? 'unknown'}); call a process with the ingress role`,
      );
    }
    const audit = (details: Record<string, unknown>) =>
      this.store.appendAudit({
        actor: caller.actor,
        action: 'connector.poll',
        details: { connector: id, ...details },
      });
    let outcome: ScheduledPollOutcome;
    try {
      outcome = await running;
    } catch (err) {
      const errorClass = err instanceof HubError ? err.errorClass : 'TRANSIENT';
      await audit({ status: 'failed', errorClass, message: (err as Error).message });
      throw apiError(
        BAD_GATEWAY,
        'poll_failed',
        `polling "${id}" failed (${errorClass}): ${(err as Error).message}`,
      );
    }
    await audit({ ...outcome });
    this.logger.info(
      { connector: id, actor: caller.actor, outcome },
      'poll requested through the API',
    );
    if (outcome.status === 'busy' || outcome.status === 'locked_elsewhere') {
      throw apiError(
        CONFLICT,
        'poll_in_progress',
        outcome.status === 'busy'
          ? `a poll of "${id}" is already running on this process; try again when it finished`
          : `another hub process is polling "${id}" right now (PostgreSQL poll lock); try again shortly`,
      );
    }
    return { connector: id, outcome };
  }
}
