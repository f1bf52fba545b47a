import type { WebhookConnectorDefinition } from '@exhub/connector-sdk';
import { secretValues } from '@exhub/connector-sdk';
import settingsSchema from './stripe.config.schema.json';

/** Stripe webhooks (events signed with the endpoint's signing secrets). */
export const stripeDefinition: WebhookConnectorDefinition = {
  type: 'stripe',
  kind: 'webhook',
  settingsSchema,
  create: async ({ id, settings }) =>
    new (await import('./stripe.connector.js')).StripeWebhookConnector({
      id,
      secrets: secretValues(settings.secrets),
      toleranceSeconds: settings.toleranceSeconds as number | undefined,
    }),
};
