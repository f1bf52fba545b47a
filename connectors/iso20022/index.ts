// The connector's public surface; the registry imports the connector module directly (lazily).
// The real-sample corpus's expectations are test code: testing/ (testing/index.ts), never built.
export {
  Iso20022WebhookConnector,
  type Iso20022ConnectorConfig,
  type RevealableSecret,
} from './iso20022.connector';
export { parseIso20022Message } from './iso20022.message';
export {
  ISO20022_SYSTEM,
  ISO20022_CONTENT_TYPES,
  ISO20022_MESSAGE_ROOTS,
  ISO20022_MESSAGE_TYPES,
} from './iso20022.constants';
