import type { ConnectorInstanceConfig } from '../../../../libs/config/src';
import { Secret } from '../../../../libs/config/src';
import type { WebhookConnector } from '../../../../libs/connector-sdk/src/webhook';

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
};

export interface ConnectorSlot {
  instance: ConnectorInstanceConfig;
  webhook?: WebhookConnector;
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
