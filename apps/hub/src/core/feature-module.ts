import { ConfigurableModuleBuilder, type ModuleMetadata } from '@nestjs/common';

export interface FeatureModuleExtras {
  /**
   * Feature modules this one uses, as HubModule built them: each feature module is configured
   * once, and the same instance is handed to every module that needs it.
   */
  imports: NonNullable<ModuleMetadata['imports']>;
}

/** `forRoot(options & { imports })` for a feature module whose options are `T`. */
export function featureModuleBuilder<T>() {
  return new ConfigurableModuleBuilder<T>()
    .setClassMethodName('forRoot')
    .setExtras<FeatureModuleExtras>({ imports: [] }, (definition, extras) => ({
      ...definition,
      imports: [...(definition.imports ?? []), ...extras.imports],
    }));
}
