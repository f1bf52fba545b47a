// The connector's public surface; the registry and the e2e tests import from here.
export {
  ServiceNowConnector,
  SERVICENOW_CONFIG_SCHEMA,
  serviceNowFromSettings,
  referenceValue,
  glideToIso,
  type ServiceNowAuth,
  type ServiceNowConnectorConfig,
  type ServiceNowCursor,
} from './servicenow.connector';
export {
  ServiceNowSimulator,
  fixtureIncidents,
  fixtureTaskSlas,
  fixtureCompanies,
  SIMULATOR_USER,
  SIMULATOR_PASSWORD,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
  type GlideRecord,
  type ServiceNowFailure,
  type ServiceNowSimulatorOptions,
} from './simulator';
export * from './servicenow.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { serviceNowDefinition } from './definition';
