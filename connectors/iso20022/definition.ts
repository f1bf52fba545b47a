import type { WebhookConnectorDefinition } from '@exhub/connector-sdk';
import { secretValues } from '@exhub/connector-sdk';
import settingsSchema from './iso20022.config.schema.json';

/** ISO 20022 messages pushed by a bank gateway (signed webhook, or a drop folder). */
export const iso20022Definition: WebhookConnectorDefinition = {
  type: 'iso20022',
  kind: 'webhook',
  settingsSchema,
  create: async ({ id, settings }) =>
    new (await import('./iso20022.connector.js')).Iso20022WebhookConnector({
      id,
      secrets: secretValues(settings.secrets),
      toleranceSeconds: settings.toleranceSeconds as number | undefined,
      dropFolder: settings.dropFolder as string | undefined,
    }),
};
