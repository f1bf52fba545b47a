import { featureModuleBuilder } from '../core/feature-module';

export interface IngressOptions {
  /** `Retry-After` (seconds) of a 503 when the broker cannot confirm or a connector is down. */
  retryAfterSeconds: number;
}

export const {
  ConfigurableModuleClass: IngressModuleClass,
  MODULE_OPTIONS_TOKEN: INGRESS_OPTIONS,
} = featureModuleBuilder<IngressOptions>().build();
