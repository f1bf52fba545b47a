import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiPublic, ApiRoute } from '../openapi/decorators';
import type { ConfirmPublisher } from '@exhub/messaging';
import type { HubMetrics } from '@exhub/observability';
import { METRICS, PUBLISHER } from '../core/core.tokens';

@Controller()
@ApiTags('metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS) private readonly hubMetrics: HubMetrics,
    @Inject(PUBLISHER) private readonly publisher: ConfirmPublisher,
  ) {}

  /** Prometheus text exposition format; every name starts with `exhub_`. */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiPublic()
  @ApiRoute('Prometheus metrics (text format, names prefixed exhub_)', {
    description: 'text/plain; version=0.0.4',
  })
  async metrics(): Promise<string> {
    this.hubMetrics.brokerReady.set(this.publisher.ready ? 1 : 0);
    return this.hubMetrics.registry.metrics();
  }
}
