import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { storeReadiness } from '@exhub/store';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { ApiPublic, ApiRoute } from '../openapi/decorators';

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
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

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
    const notConfirming = this.rt.publisher.ready
      ? this.rt.publisher.confirmStall()
      : (this.rt.publisher.notReadyReason ?? 'unknown');
    const checks: Record<string, Check> = {
      broker:
        notConfirming === undefined
          ? { ok: true, detail: 'connected; publishes are confirmed' }
          : { ok: false, detail: `cannot confirm publishes: ${notConfirming}` },
      topology: this.rt.state.topologyDeclared
        ? { ok: true, detail: `declared with prefix "${this.rt.topology.names.prefix}"` }
        : {
            ok: false,
            detail: `not declared (${this.rt.connection.downReason ?? 'declaring'}); retried on reconnect`,
          },
      mappings: {
        ok: true,
        detail: `${this.rt.mappings.list().length} mappings loaded from ${this.rt.env.mappingsDir}`,
      },
      policy: { ok: true, detail: `priority policy ${this.rt.scorer.version}` },
      store: await storeReadiness(this.rt.store),
    };
    for (const slot of this.rt.connectors.values()) {
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
