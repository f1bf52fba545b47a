import type { ConnectorInstanceConfig } from '@exhub/config';
import { CONNECTOR_DEFINITIONS } from '@exhub/connectors';
import { withSchemaDefaults } from '@exhub/connector-sdk';
import type { WebhookConnector } from '@exhub/connector-sdk';
import type { PollingConnector } from '@exhub/connector-sdk';
import type { BreakerMetrics } from '@exhub/resilience';
import { CONNECTOR_CONFIG_SCHEMAS, checkConnectorSettings } from './settings-check';

/** Builds a webhook connector from an instance's resolved settings. */
type WebhookFactory = (instance: ConnectorInstanceConfig) => Promise<WebhookConnector>;

/** Builds a polling connector; its breakers report to `metrics`. */
type PollFactory = (
  instance: ConnectorInstanceConfig,
  metrics?: BreakerMetrics,
) => Promise<PollingConnector>;

/**
 * Webhook connector types, from the one list of definitions (connectors/definitions.ts). Each
 * loads its module lazily, so a hub that runs only Stripe never loads the SOAP or Salesforce SDKs.
 */
export const WEBHOOK_CONNECTOR_TYPES: Record<string, WebhookFactory> = Object.fromEntries(
  CONNECTOR_DEFINITIONS.flatMap((d) => (d.kind === 'webhook' ? [[d.type, d.create]] : [])),
);

/** Polling connector types, from the same list; run by PollSchedulerService. */
export const POLL_CONNECTOR_TYPES: Record<string, PollFactory> = Object.fromEntries(
  CONNECTOR_DEFINITIONS.flatMap((d) => (d.kind === 'poll' ? [[d.type, d.create]] : [])),
);

export interface ConnectorSlot {
  instance: ConnectorInstanceConfig;
  webhook?: WebhookConnector;
  /** A polling instance: PollSchedulerService builds and runs it, and sets `check`. */
  polled?: true;
  /** Readiness of a polled instance (connection check, breaker). */
  check?: () => { ok: boolean; detail: string };
  /** Why this instance cannot take events, in words a user can act on. */
  unavailable?: string;
}

export async function buildConnectors(
  instances: ConnectorInstanceConfig[],
): Promise<Map<string, ConnectorSlot>> {
  const slots = new Map<string, ConnectorSlot>();
  for (const instance of instances) {
    if (!instance.enabled) continue;
    if (instance.unavailable) {
      slots.set(instance.id, { instance, unavailable: instance.unavailable });
      continue;
    }
    // Every registered type's settings are checked against its schema before anything is built.
    if (POLL_CONNECTOR_TYPES[instance.type] || WEBHOOK_CONNECTOR_TYPES[instance.type]) {
      const invalid = await checkConnectorSettings(instance.type, instance.settings);
      if (invalid) {
        slots.set(instance.id, { instance, unavailable: invalid });
        continue;
      }
      // Defaults come from the settings schema only (the connectors and the scheduler read them).
      instance.settings = withSchemaDefaults(
        CONNECTOR_CONFIG_SCHEMAS[instance.type],
        instance.settings,
      );
    }
    if (POLL_CONNECTOR_TYPES[instance.type]) {
      slots.set(instance.id, { instance, polled: true });
      continue;
    }
    const factory = WEBHOOK_CONNECTOR_TYPES[instance.type];
    if (!factory) {
      slots.set(instance.id, {
        instance,
        unavailable: `connector type "${instance.type}" has no webhook support`,
      });
      continue;
    }
    slots.set(instance.id, { instance, webhook: await factory(instance) });
  }
  return slots;
}
