import type { BreakerMetrics } from '@exhub/resilience';
import type { PollConnectorDefinition } from '@exhub/connector-sdk';
import settingsSchema from './servicenow.config.schema.json';

/** ServiceNow incidents (Table API, polled). */
export const serviceNowDefinition: PollConnectorDefinition = {
  type: 'servicenow',
  kind: 'poll',
  settingsSchema,
  create: async ({ id, settings }, metrics) =>
    (await import('./servicenow.connector.js')).serviceNowFromSettings(
      id,
      settings,
      metrics as BreakerMetrics | undefined,
    ),
};
