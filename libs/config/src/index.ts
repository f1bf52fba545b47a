export * from './constants';
export { loadEnvSettings, EnvError, type EnvSettings } from './env';
export {
  loadHubConfig,
  ConfigError,
  type EnrichmentConfig,
  type HubConfig,
  type ConnectorInstanceConfig,
  type ConfigProblem,
} from './hub-config';
export { Secret, resolveReference } from './secrets';
