import { featureModuleBuilder } from '../core/feature-module';

export interface ConnectorsOptions {
  /** Run the polled connector instances on this process (`ingress` role). */
  poll: boolean;
}

export const {
  ConfigurableModuleClass: ConnectorsModuleClass,
  MODULE_OPTIONS_TOKEN: CONNECTORS_OPTIONS,
} = featureModuleBuilder<ConnectorsOptions>().build();
