import { Module } from '@nestjs/common';
import { ContextService } from '../context/context.service';
import { OutcomesService } from '../outcomes/outcomes.service';
import { PipelineService } from './pipeline.service';
import { PipelineModuleClass } from './pipeline.options';

/**
 * The pipeline worker (exhub.work), the outcomes consumer (exhub.outcomes) and the context stage
 * (enrichment, links, re-scoring of degraded exceptions). Exports ContextService so the dry-runs
 * and the DLQ recheck enrich like the worker, and PipelineService for readiness. Needs the connector registry (ConnectorsModule,
 * passed in `imports`).
 */
@Module({
  providers: [ContextService, PipelineService, OutcomesService],
  exports: [ContextService, PipelineService],
})
export class PipelineModule extends PipelineModuleClass {}
