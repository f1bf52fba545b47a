import type { BreakerMetrics } from '@exhub/resilience';
import type { PollConnectorDefinition } from '@exhub/connector-sdk';
import settingsSchema from './salesforce.config.schema.json';

/** Salesforce cases (REST/SOQL, polled) and account lookups. */
export const salesforceDefinition: PollConnectorDefinition = {
  type: 'salesforce',
  kind: 'poll',
  settingsSchema,
  create: async ({ id, settings }, metrics) =>
    (await import('./salesforce.connector.js')).salesforceFromSettings(
      id,
      settings,
      metrics as BreakerMetrics | undefined,
    ),
};
