import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { ApiPublic, ApiRoute } from '../openapi/decorators';

@Controller()
@ApiTags('metrics')
export class MetricsController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  /** Prometheus text exposition format; every name starts with `exhub_`. */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiPublic()
  @ApiRoute('Prometheus metrics (text format, names prefixed exhub_)', {
    description: 'text/plain; version=0.0.4',
  })
  async metrics(): Promise<string> {
    this.rt.metrics.brokerReady.set(this.rt.publisher.ready ? 1 : 0);
    return this.rt.metrics.registry.metrics();
  }
}
