// The connector's public surface; the registry, the enrichment service and the e2e tests import from here.
export {
  SalesforceConnector,
  SALESFORCE_CONFIG_SCHEMA,
  salesforceFromSettings,
  type SalesforceAccountContext,
  type SalesforceConnectorConfig,
  type SalesforceCursor,
} from './salesforce.connector';
export { SalesforceAuth, type SalesforceAuthFlow, type SalesforceSession } from './salesforce.auth';
export {
  SalesforceSimulator,
  sfDateTime,
  SIMULATOR_API_VERSION,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
  SIMULATOR_USERNAME,
  type SalesforceFailure,
  type SalesforceSimulatorOptions,
} from './simulator';
export * from './salesforce.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { salesforceDefinition } from './definition';
