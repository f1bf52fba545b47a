import type { BreakerMetrics } from '@exhub/resilience';
import type { PollConnectorDefinition } from '@exhub/connector-sdk';
import settingsSchema from './sap-s4.config.schema.json';

/** SAP S/4HANA supplier invoices (OData, polled). */
export const sapS4Definition: PollConnectorDefinition = {
  type: 'sap-s4',
  kind: 'poll',
  settingsSchema,
  create: async ({ id, settings }, metrics) =>
    (await import('./sap-s4.connector.js')).sapS4FromSettings(
      id,
      settings,
      metrics as BreakerMetrics | undefined,
    ),
};
