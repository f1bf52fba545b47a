import type { BreakerMetrics } from '@exhub/resilience';
import type { PollConnectorDefinition } from '@exhub/connector-sdk';
import settingsSchema from './netsuite.config.schema.json';

/** NetSuite vendor bills (SuiteTalk SOAP, polled). */
export const netSuiteDefinition: PollConnectorDefinition = {
  type: 'netsuite',
  kind: 'poll',
  settingsSchema,
  create: async ({ id, settings }, metrics) =>
    (await import('./netsuite.connector.js')).netSuiteFromSettings(
      id,
      settings,
      metrics as BreakerMetrics | undefined,
    ),
};
