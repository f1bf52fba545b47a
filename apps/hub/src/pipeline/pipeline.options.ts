import { featureModuleBuilder } from '../core/feature-module';

export interface PipelineOptions {
  /**
   * Consume exhub.work and exhub.outcomes and run the context loops (`pipeline` role). Without
   * it the module still gives the dry-runs and the recheck the pipeline's context stage.
   */
  worker: boolean;
  /** Build the connectors enrichment asks, for lookups only (a worker that does not poll). */
  lookupConnectors: boolean;
  /** Messages the worker holds unacknowledged at once, on each of its channels. */
  prefetch: number;
  /** Channels the worker consumes exhub.work on (EXHUB_WORKER_CHANNELS). */
  channels: number;
}

export const {
  ConfigurableModuleClass: PipelineModuleClass,
  MODULE_OPTIONS_TOKEN: PIPELINE_OPTIONS,
} = featureModuleBuilder<PipelineOptions>().build();
