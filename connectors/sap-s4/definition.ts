import type { BreakerMetrics } from '../../libs/resilience/src/breaker';
import type { PollConnectorDefinition } from '../../libs/connector-sdk/src/definition';
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
