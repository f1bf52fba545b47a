// The connector's public surface; the registry and the e2e tests import from here.
// Its simulator is in testing/ (testing/index.ts), which the build and the image leave out.
export {
  NetSuiteConnector,
  NETSUITE_CONFIG_SCHEMA,
  netSuiteFromSettings,
  parseSearchPage,
  vendorBillEvent,
  type NetSuiteConnectorConfig,
  type NetSuiteCursor,
  type VendorBillRecord,
} from './netsuite.connector';
export * from './netsuite.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { netSuiteDefinition } from './definition';
