import { featureModuleBuilder } from '../core/feature-module';

export interface OpsOptions {
  /** Keep the dead-letter ledger from exhub.dlq on this process (`pipeline` role). */
  dlqLedger: boolean;
}

export const { ConfigurableModuleClass: OpsModuleClass, MODULE_OPTIONS_TOKEN: OPS_OPTIONS } =
  featureModuleBuilder<OpsOptions>().build();
