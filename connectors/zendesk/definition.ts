import type { BreakerMetrics } from '@exhub/resilience';
import type { PollConnectorDefinition, WebhookConnectorDefinition } from '@exhub/connector-sdk';
import { secretValues } from '@exhub/connector-sdk';
import exportSchema from './zendesk-export.config.schema.json';
import webhookSchema from './zendesk.config.schema.json';

/** Zendesk trigger webhooks (signed). */
export const zendeskDefinition: WebhookConnectorDefinition = {
  type: 'zendesk',
  kind: 'webhook',
  settingsSchema: webhookSchema,
  create: async ({ id, settings }) =>
    new (await import('./zendesk.connector.js')).ZendeskWebhookConnector({
      id,
      secrets: secretValues(settings.secrets),
      toleranceSeconds: settings.toleranceSeconds as number | undefined,
    }),
};

/** The catch-up side of `zendesk` (incremental export, polled): one type is webhook or poll. */
export const zendeskExportDefinition: PollConnectorDefinition = {
  type: 'zendesk-export',
  kind: 'poll',
  settingsSchema: exportSchema,
  create: async ({ id, settings }, metrics) =>
    (await import('./zendesk-export.connector.js')).zendeskExportFromSettings(
      id,
      settings,
      metrics as BreakerMetrics | undefined,
    ),
};
