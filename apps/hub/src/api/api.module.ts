import { Module } from '@nestjs/common';
import { ConsoleController } from '../console/console.controller';
import { InsightsController } from '../insights/insights.controller';
import { InsightsService } from '../insights/insights.service';
import { DryRunController } from '../mappings/dry-run.controller';
import { PriorityDryRunController } from '../priority/priority-dry-run.controller';
import { ConnectorsController } from './connectors.controller';
import { ExceptionsController } from './exceptions.controller';
import { ApiModuleClass } from './api.options';

/**
 * The API behind API keys (ApiKeyGuard): the reviewer worklist and decisions, connectors, insights,
 * the mapping and priority dry-runs, and the web console. Dry-runs enrich through PipelineModule's
 * ContextService and the connector routes read ConnectorsModule's scheduler (both passed in
 * `imports`).
 */
@Module({
  controllers: [
    DryRunController,
    PriorityDryRunController,
    InsightsController,
    ExceptionsController,
    ConnectorsController,
    ConsoleController,
  ],
  providers: [InsightsService],
})
export class ApiModule extends ApiModuleClass {}
