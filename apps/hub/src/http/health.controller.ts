import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ExceptionStore } from '@exhub/store';
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
  PIPELINE_THREAD,
  PUBLISHER,
  SCORER,
  STORE,
  TOPOLOGY,
  type BrokerState,
  type ConnectorSlots,
} from '../core/core.tokens';
import type { RemotePipeline } from '../hub-runtime';
import { PipelineService } from '../pipeline/pipeline.service';
import { infraChecks, type Check } from './readiness-checks';

/** Prefix of the per-connector checks, which degrade readiness without failing it. */
const CONNECTOR_CHECK = 'connector:';

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
    @Inject(BROKER_CONNECTION) readonly connection: ManagedConnection,
    @Inject(BROKER_STATE) readonly state: BrokerState,
    @Inject(PUBLISHER) readonly publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) readonly topology: Topology,
    @Inject(STORE) readonly store: ExceptionStore,
    @Inject(MAPPINGS) private readonly mappings: MappingRegistry,
    @Inject(SCORER) private readonly scorer: PolicyScorer,
    @Inject(CONNECTOR_SLOTS) private readonly connectors: ConnectorSlots,
    @Inject(PIPELINE_THREAD) private readonly pipelineThread: RemotePipeline | null,
    @Optional() private readonly pipelineService?: PipelineService,
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
   * and the policy are loaded, the store answers and, with the `pipeline` role, the pipeline
   * worker is subscribed to exhub.work (in its worker thread: with that thread's own broker and
   * store connections) — otherwise 503. Each connector's own check
   * (webhook configured; for polled sources the breaker and the last poll) is reported too, but a
   * failing connector makes the hub `degraded`, not unready: a load balancer must not take the
   * whole hub out of service, and refuse every other source's webhooks, because one source system
   * is down or one secret is missing. The body names every failing part either way.
   */
  @Get('ready')
  @ApiPublic()
  @ApiRoute(
    'Readiness: broker, topology, mappings, policy, store, pipeline worker (503 when one fails); connectors degrade only',
    {
      description: 'Ready (`ready`), or ready with a failing connector (`degraded`)',
      schema: READINESS_SCHEMA,
    },
  )
  @ApiResponse({
    status: 503,
    description:
      'Not ready (`not_ready`): the broker, topology, mappings, policy, store or pipeline check failed; the same body names it',
    schema: READINESS_SCHEMA,
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{
    status: 'ready' | 'degraded' | 'not_ready';
    checks: Record<string, Check>;
  }> {
    const infra = await infraChecks(this);
    const checks: Record<string, Check> = {
      broker: infra.broker,
      topology: infra.topology,
      mappings: {
        ok: true,
        detail: `${this.mappings.list().length} mappings loaded from ${this.env.mappingsDir}`,
      },
      policy: { ok: true, detail: `priority policy ${this.scorer.version}` },
      store: infra.store,
    };
    // The pipeline worker: subscribed to exhub.work here, or, in its worker thread, that thread's
    // own connections and consumer (EXHUB_WORKER_THREAD). The store is one file or database for
    // both threads: a write failure only the thread met (the pipeline writes, HTTP may not) fails
    // the store check too.
    if (this.pipelineThread) {
      const thread = await this.pipelineThread.readiness();
      checks.pipeline = thread.pipeline;
      if (checks.store.ok && thread.store && !thread.store.ok) checks.store = thread.store;
    } else {
      const worker = this.pipelineService?.workerCheck();
      if (worker) checks.pipeline = worker;
    }
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
