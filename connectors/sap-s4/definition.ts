import type { BreakerMetrics } from '@exhub/resilience';
import type { PollConnectorDefinition, WebhookConnectorDefinition } from '@exhub/connector-sdk';
import eventsSchema from './sap-s4-events.config.schema.json';
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

/**
 * The push side of `sap-s4`: supplier invoice business events (CloudEvents by Event Mesh webhook);
 * each names an invoice, read with the same OData client and mapped by the same mappings.
 */
export const sapS4EventsDefinition: WebhookConnectorDefinition = {
  type: 'sap-s4-events',
  kind: 'webhook',
  settingsSchema: eventsSchema,
  create: async ({ id, settings }) =>
    (await import('./sap-s4-events.connector.js')).sapS4EventsFromSettings(id, settings),
};
