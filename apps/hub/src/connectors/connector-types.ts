import type { ConnectorInstanceConfig } from '../../../../libs/config/src';
import { Secret } from '../../../../libs/config/src';
import type { WebhookConnector } from '../../../../libs/connector-sdk/src/webhook';
import type { PollingConnector } from '../../../../libs/connector-sdk/src/connector';
import type { BreakerMetrics } from '../../../../libs/resilience/src/breaker';
import { checkConnectorSettings } from './settings-check';

/** Builds a webhook connector from an instance's resolved settings. */
type WebhookFactory = (instance: ConnectorInstanceConfig) => Promise<WebhookConnector>;

const secretsOf = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v])
    .map((s) => (s instanceof Secret ? s.reveal() : String(s)))
    .filter(Boolean);

/**
 * The connector registry: one line per connector type. Each loads its module lazily, so a hub
 * that runs only Stripe never loads the SOAP or Salesforce SDKs.
 */
export const WEBHOOK_CONNECTOR_TYPES: Record<string, WebhookFactory> = {
  stripe: async (i) =>
    new (await import('../../../../connectors/stripe/stripe.connector.js')).StripeWebhookConnector({
      id: i.id,
      secrets: secretsOf(i.settings.secrets),
      toleranceSeconds: i.settings.toleranceSeconds as number | undefined,
    }),
  iso20022: async (i) =>
    new (
      await import('../../../../connectors/iso20022/iso20022.connector.js')
    ).Iso20022WebhookConnector({
      id: i.id,
      secrets: secretsOf(i.settings.secrets),
      toleranceSeconds: i.settings.toleranceSeconds as number | undefined,
      dropFolder: i.settings.dropFolder as string | undefined,
    }),
  zendesk: async (i) =>
    new (
      await import('../../../../connectors/zendesk/zendesk.connector.js')
    ).ZendeskWebhookConnector({
      id: i.id,
      secrets: secretsOf(i.settings.secrets),
      toleranceSeconds: i.settings.toleranceSeconds as number | undefined,
    }),
};

/** Builds a polling connector; its breakers report to `metrics`. */
type PollFactory = (
  instance: ConnectorInstanceConfig,
  metrics?: BreakerMetrics,
) => Promise<PollingConnector>;

/** Polling connector types, one line each; run by PollSchedulerService. */
export const POLL_CONNECTOR_TYPES: Record<string, PollFactory> = {
  'sap-s4': async (i, m) =>
    (await import('../../../../connectors/sap-s4/sap-s4.connector.js')).sapS4FromSettings(
      i.id,
      i.settings,
      m,
    ),
  netsuite: async (i, m) =>
    (await import('../../../../connectors/netsuite/netsuite.connector.js')).netSuiteFromSettings(
      i.id,
      i.settings,
      m,
    ),
  servicenow: async (i, m) =>
    (
      await import('../../../../connectors/servicenow/servicenow.connector.js')
    ).serviceNowFromSettings(i.id, i.settings, m),
  salesforce: async (i, m) =>
    (
      await import('../../../../connectors/salesforce/salesforce.connector.js')
    ).salesforceFromSettings(i.id, i.settings, m),
  // The catch-up side of `zendesk` (same folder): one type cannot be both webhook and poll.
  'zendesk-export': async (i, m) =>
    (
      await import('../../../../connectors/zendesk/zendesk-export.connector.js')
    ).zendeskExportFromSettings(i.id, i.settings, m),
};

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
