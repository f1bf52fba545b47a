// The connectors' public surface; the registry and the e2e tests import from here.
// Its simulator is in testing/ (testing/index.ts), which the build and the image leave out.
export {
  ZendeskWebhookConnector,
  type ZendeskWebhookConfig,
  type RevealableSecret,
} from './zendesk.connector';
export {
  ZendeskExportConnector,
  ZENDESK_EXPORT_CONFIG_SCHEMA,
  zendeskExportFromSettings,
  type ZendeskAuth,
  type ZendeskExportConfig,
  type ZendeskExportCursor,
} from './zendesk-export.connector';
export {
  signZendeskPayload,
  verifyZendeskSignature,
  ZendeskSignatureError,
} from './zendesk.signature';
export * from './zendesk.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { zendeskDefinition, zendeskExportDefinition } from './definition';
