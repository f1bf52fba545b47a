import { featureModuleBuilder } from '../core/feature-module';

/**
 * The API has no options of its own today (its settings are the environment's, in CoreModule);
 * `forRoot({ imports })` takes the feature modules it uses.
 */
export type ApiOptions = object;

export const { ConfigurableModuleClass: ApiModuleClass, MODULE_OPTIONS_TOKEN: API_OPTIONS } =
  featureModuleBuilder<ApiOptions>().build();
