// The connector's public surface; the registry and the simulator import from here.
export {
  StripeWebhookConnector,
  type StripeConnectorConfig,
  type RevealableSecret,
} from './stripe.connector';
export {
  signStripePayload,
  verifyStripeSignature,
  StripeSignatureError,
  STRIPE_SIGNATURE_REASONS,
  type StripeSignatureReason,
  type StripeSignatureOptions,
} from './stripe.signature';
export { parseStripeEvent, stripeDedupeKey } from './stripe.event';
export {
  STRIPE_SYSTEM,
  STRIPE_SIGNATURE_HEADER,
  STRIPE_DEFAULT_TOLERANCE_SECONDS,
} from './stripe.constants';
// The connector type(s) as data, listed in connectors/definitions.ts.
export { stripeDefinition } from './definition';
