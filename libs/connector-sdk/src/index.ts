// The connector SDK: what a connector implements (Connector, WebhookConnector, its definition) and
// the helpers every connector shares. Test-only code (the contract kit, the simulator server) is not
// exported here: tests import it by path.
export * from './config-reference';
export * from './connector';
export * from './cursor-store';
export * from './definition';
export * from './hmac-signature';
export * from './poll-runner';
export * from './record-screen';
export * from './registry';
export * from './settings';
export * from './webhook';
export * from './xml';
