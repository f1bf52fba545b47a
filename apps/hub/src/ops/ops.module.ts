import { Module } from '@nestjs/common';
import { HealthController } from '../http/health.controller';
import { MetricsController } from '../http/metrics.controller';
import { OpsController } from '../http/ops.controller';
import { MappingReloadService } from '../mappings/mapping-reload.service';
import { PriorityMonitorService } from '../priority/priority-monitor.service';
import { DlqLedgerService } from './dlq-ledger';
import { OpsModuleClass } from './ops.options';

/**
 * What an SRE uses: health, metrics, dead letters and replay (ops.controller.ts), the DLQ ledger,
 * mapping hot reload and the priority monitors (drift, shadow). The DLQ recheck enriches through
 * PipelineModule's ContextService (passed in `imports`).
 */
@Module({
  controllers: [HealthController, MetricsController, OpsController],
  providers: [DlqLedgerService, MappingReloadService, PriorityMonitorService],
})
export class OpsModule extends OpsModuleClass {}
