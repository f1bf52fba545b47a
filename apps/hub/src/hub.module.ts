import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Type,
} from '@nestjs/common';
import { HealthController } from './http/health.controller';
import { MetricsController } from './http/metrics.controller';
import { OpsController } from './http/ops.controller';
import { HUB_RUNTIME, type HubRuntime } from './hub-runtime';
import { IngestController } from './ingest/ingest.controller';
import { DryRunController } from './mappings/dry-run.controller';
import { MappingReloadService } from './mappings/mapping-reload.service';
import { IngestService } from './ingest/ingest.service';
import { PipelineService } from './pipeline/pipeline.service';
import { PollSchedulerService } from './connectors/poll-scheduler.service';
import { CONNECTORS } from '../../../libs/connector-sdk/src/registry';
import { PriorityDryRunController } from './priority/priority-dry-run.controller';
import { ExceptionsController } from './api/exceptions.controller';
import { ApiKeyGuard } from './api/api-key.guard';

/** Closes the broker connection last, after the worker drained and HTTP stopped. */
@Injectable()
class RuntimeCloser implements OnApplicationShutdown {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}
  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.rt.close();
    this.rt.logger.info(
      { signal },
      'stopped: in-flight work finished and acknowledged, broker connection closed',
    );
  }
}

/** The hub: health and metrics always; webhook ingress and the pipeline worker by role. */
@Module({})
export class HubModule {
  static forRoot(runtime: HubRuntime): DynamicModule {
    const ingress = runtime.env.roles.has('ingress');
    const controllers: Type[] = [
      HealthController,
      MetricsController,
      OpsController,
      DryRunController,
      PriorityDryRunController,
      ExceptionsController,
      ...(ingress ? [IngestController] : []),
    ];
    return {
      module: HubModule,
      controllers,
      providers: [
        { provide: HUB_RUNTIME, useValue: runtime },
        PipelineService,
        MappingReloadService,
        RuntimeCloser,
        ApiKeyGuard,
        PollSchedulerService,
        {
          provide: CONNECTORS,
          useFactory: (p: PollSchedulerService) => p.registry,
          inject: [PollSchedulerService],
        },
        ...(ingress ? [IngestService] : []),
      ],
    };
  }
}
