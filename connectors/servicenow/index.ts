// The connector's public surface; the registry and the e2e tests import from here.
// Its simulator is in testing/ (testing/index.ts), which the build and the image leave out.
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
export * from './servicenow.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { serviceNowDefinition } from './definition';
