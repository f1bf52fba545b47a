// The connector's public surface; the registry and the e2e tests import from here.
// Its simulator is in testing/ (testing/index.ts), which the build and the image leave out.
export {
  SapS4Connector,
  SAP_S4_CONFIG_SCHEMA,
  sapS4FromSettings,
  type SapS4ConnectorConfig,
  type SapS4Cursor,
} from './sap-s4.connector';
export {
  SapS4EventsConnector,
  sapS4EventsFromSettings,
  type SapS4EventsConfig,
} from './sap-s4-events.connector';
export { readCloudEvent, type CloudEvent } from './cloudevent';
export * from './sap-s4.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { sapS4Definition, sapS4EventsDefinition } from './definition';
