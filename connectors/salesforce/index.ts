// The connector's public surface; the registry and the e2e tests import from here.
// Its simulator is in testing/ (testing/index.ts), which the build and the image leave out.
export {
  SalesforceConnector,
  SALESFORCE_CONFIG_SCHEMA,
  salesforceFromSettings,
  type SalesforceAccountContext,
  type SalesforceConnectorConfig,
  type SalesforceCursor,
} from './salesforce.connector';
export { SalesforceAuth, type SalesforceAuthFlow, type SalesforceSession } from './salesforce.auth';
export * from './salesforce.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { salesforceDefinition } from './definition';
