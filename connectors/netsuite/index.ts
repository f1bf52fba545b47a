// The connector's public surface; the registry and the e2e tests import from here.
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
export {
  NetSuiteSimulator,
  fixtureBills,
  fixtureCredits,
  SIMULATOR_CREDENTIALS,
  type NetSuiteFailure,
  type NetSuiteSimulatorOptions,
  type VendorBillFixture,
  type VendorCreditFixture,
} from './simulator';
export * from './netsuite.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { netSuiteDefinition } from './definition';
