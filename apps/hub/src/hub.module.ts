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
import { SourceEventIngress } from './ingest/source-event-ingress';
import { PipelineService } from './pipeline/pipeline.service';
import { ContextService } from './context/context.service';
import { PollSchedulerService } from './connectors/poll-scheduler.service';
import { CONNECTORS } from '@exhub/connector-sdk';
import { PriorityDryRunController } from './priority/priority-dry-run.controller';
import { PriorityMonitorService } from './priority/priority-monitor.service';
import { InsightsController } from './insights/insights.controller';
import { InsightsService } from './insights/insights.service';
import { ExceptionsController } from './api/exceptions.controller';
import { ApiKeyGuard } from './api/api-key.guard';
import { ConnectorsController } from './api/connectors.controller';
import { ConsoleController } from './console/console.controller';
import { DlqLedgerService } from './ops/dlq-ledger';
import { OutcomesService } from './outcomes/outcomes.service';

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
      InsightsController,
      ExceptionsController,
      ConnectorsController,
      ConsoleController,
      ...(ingress ? [IngestController] : []),
    ];
    return {
      module: HubModule,
      controllers,
      providers: [
        { provide: HUB_RUNTIME, useValue: runtime },
        ContextService,
        PipelineService,
        OutcomesService,
        DlqLedgerService,
        MappingReloadService,
        PriorityMonitorService,
        InsightsService,
        RuntimeCloser,
        ApiKeyGuard,
        PollSchedulerService,
        SourceEventIngress,
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
