import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { storeReadiness, type ExceptionStore } from '@exhub/store';
import { ApiPublic, ApiRoute } from '../openapi/decorators';
import type { EnvSettings } from '@exhub/config';
import type { MappingRegistry } from '@exhub/mapping';
import type { ConfirmPublisher, ManagedConnection, Topology } from '@exhub/messaging';
import type { PolicyScorer } from '@exhub/prioritization';
import {
  BROKER_CONNECTION,
  BROKER_STATE,
  CONNECTOR_SLOTS,
  HUB_ENV,
  MAPPINGS,
  PUBLISHER,
  SCORER,
  STORE,
  TOPOLOGY,
  type BrokerState,
  type ConnectorSlots,
} from '../core/core.tokens';

/** Prefix of the per-connector checks, which degrade readiness without failing it. */
const CONNECTOR_CHECK = 'connector:';

interface Check {
  ok: boolean;
  detail: string;
}

/** Body of /health/ready, with 200 and with 503. */
const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'degraded', 'not_ready'] },
    checks: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['ok', 'detail'],
        properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
      },
    },
  },
};

@Controller('health')
@ApiTags('health')
export class HealthController {
  constructor(
    @Inject(HUB_ENV) private readonly env: EnvSettings,
    @Inject(BROKER_CONNECTION) private readonly connection: ManagedConnection,
    @Inject(BROKER_STATE) private readonly state: BrokerState,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(STORE) private readonly store: ExceptionStore,
    @Inject(MAPPINGS) private readonly mappings: MappingRegistry,
    @Inject(SCORER) private readonly scorer: PolicyScorer,
    @Inject(CONNECTOR_SLOTS) private readonly connectors: ConnectorSlots,
  ) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  @ApiPublic()
  @ApiRoute('Liveness: the process answers', {
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Ready to take traffic: the broker connection can confirm, the topology is declared, mappings
   * and the policy are loaded and the store answers — otherwise 503. Each connector's own check
   * (webhook configured; for polled sources the breaker and the last poll) is reported too, but a
   * failing connector makes the hub `degraded`, not unready: a load balancer must not take the
   * whole hub out of service, and refuse every other source's webhooks, because one source system
   * is down or one secret is missing. The body names every failing part either way.
   */
  @Get('ready')
  @ApiPublic()
  @ApiRoute(
    'Readiness: broker, topology, mappings, policy, store (503 when one fails); connectors degrade only',
    {
      description: 'Ready (`ready`), or ready with a failing connector (`degraded`)',
      schema: READINESS_SCHEMA,
    },
  )
  @ApiResponse({
    status: 503,
    description:
      'Not ready (`not_ready`): the broker, topology, mappings, policy or store check failed; the same body names it',
    schema: READINESS_SCHEMA,
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{
    status: 'ready' | 'degraded' | 'not_ready';
    checks: Record<string, Check>;
  }> {
    const notConfirming = this.publisher.ready
      ? this.publisher.confirmStall()
      : (this.publisher.notReadyReason ?? 'unknown');
    const checks: Record<string, Check> = {
      broker:
        notConfirming === undefined
          ? { ok: true, detail: 'connected; publishes are confirmed' }
          : { ok: false, detail: `cannot confirm publishes: ${notConfirming}` },
      topology: this.state.topologyDeclared
        ? { ok: true, detail: `declared with prefix "${this.topology.names.prefix}"` }
        : {
            ok: false,
            detail: `not declared (${this.connection.downReason ?? 'declaring'}); retried on reconnect`,
          },
      mappings: {
        ok: true,
        detail: `${this.mappings.list().length} mappings loaded from ${this.env.mappingsDir}`,
      },
      policy: { ok: true, detail: `priority policy ${this.scorer.version}` },
      store: await storeReadiness(this.store),
    };
    for (const slot of this.connectors.values()) {
      checks[`${CONNECTOR_CHECK}${slot.instance.id}`] = slot.check
        ? slot.check() // polled: breaker and last poll
        : slot.webhook
          ? { ok: true, detail: 'webhook configured' }
          : { ok: false, detail: slot.unavailable ?? 'not available' };
    }
    const entries = Object.entries(checks);
    const coreOk = entries
      .filter(([name]) => !name.startsWith(CONNECTOR_CHECK))
      .every(([, c]) => c.ok);
    const allOk = entries.every(([, c]) => c.ok);
    reply.status(coreOk ? 200 : 503);
    return { status: !coreOk ? 'not_ready' : allOk ? 'ready' : 'degraded', checks };
  }
}
