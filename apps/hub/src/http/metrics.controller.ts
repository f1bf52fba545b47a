import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiPublic, ApiRoute } from '../openapi/decorators';
import type { ConfirmPublisher } from '@exhub/messaging';
import type { HubMetrics } from '@exhub/observability';
import { METRICS, PIPELINE_THREAD, PUBLISHER } from '../core/core.tokens';
import type { RemotePipeline } from '../hub-runtime';
import { mergeThreadMetrics } from '../pipeline-thread/merge-metrics';

@Controller()
@ApiTags('metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS) private readonly hubMetrics: HubMetrics,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(PIPELINE_THREAD) private readonly pipelineThread: RemotePipeline | null,
  ) {}

  /**
   * Prometheus text exposition format; every name starts with `exhub_`. With the pipeline worker
   * in its own thread (EXHUB_WORKER_THREAD), that thread's metrics are merged in under the same
   * names (pipeline-thread/merge-metrics.ts); while it cannot answer (restarting) they are absent.
   */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiPublic()
  @ApiRoute('Prometheus metrics (text format, names prefixed exhub_)', {
    description: 'text/plain; version=0.0.4',
  })
  async metrics(): Promise<string> {
    this.hubMetrics.brokerReady.set(this.publisher.ready ? 1 : 0);
    const thread = await this.pipelineThread?.metrics();
    if (!thread) return this.hubMetrics.registry.metrics();
    const main = await this.hubMetrics.registry.getMetricsAsJSON();
    return mergeThreadMetrics(main, thread).metrics();
  }
}
