import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';

interface Check {
  ok: boolean;
  detail: string;
}

@Controller('health')
export class HealthController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Ready to take traffic: the broker connection can confirm, the topology is declared, mappings
   * and the policy are loaded, and each webhook connector is configured. The body names every
   * failing part.
   */
  @Get('ready')
  ready(@Res({ passthrough: true }) reply: FastifyReply): {
    status: 'ready' | 'not_ready';
    checks: Record<string, Check>;
  } {
    const checks: Record<string, Check> = {
      broker: this.rt.publisher.ready
        ? { ok: true, detail: 'connected; publishes are confirmed' }
        : {
            ok: false,
            detail: `cannot confirm publishes: ${this.rt.publisher.notReadyReason ?? 'unknown'}`,
          },
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
    };
    for (const slot of this.rt.connectors.values()) {
      checks[`connector:${slot.instance.id}`] = slot.webhook
        ? { ok: true, detail: 'webhook configured' }
        : { ok: false, detail: slot.unavailable ?? 'not available' };
    }
    const ok = Object.values(checks).every((c) => c.ok);
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'not_ready', checks };
  }
}
