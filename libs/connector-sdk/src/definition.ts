import type { PollingConnector } from './connector';
import type { WebhookConnector } from './webhook';

/** An instance as exhub.config.yaml gives it: its id and its resolved settings. */
export interface ConnectorInstance {
  id: string;
  settings: Record<string, unknown>;
}

interface DefinitionBase {
  /** The `type` of an instance in exhub.config.yaml (and of schemas/exhub.config.schema.json). */
  type: string;
  /**
   * The settings' JSON schema (`<type>.config.schema.json`): checked at start, and its top-level
   * `default`s are the only defaults (applied before `create`).
   */
  settingsSchema: object;
}

/** A pushed connector: the hub verifies and publishes what its webhook route receives. */
export interface WebhookConnectorDefinition extends DefinitionBase {
  kind: 'webhook';
  /** Loads the connector's module lazily: a hub that does not run this type never loads it. */
  create(instance: ConnectorInstance): Promise<WebhookConnector>;
}

/** A polled connector: the hub's poll scheduler runs it. */
export interface PollConnectorDefinition extends DefinitionBase {
  kind: 'poll';
  /**
   * Loads the connector's module lazily; its breakers report to `metrics` (libs/resilience
   * BreakerMetrics: the hub's metrics).
   */
  create(instance: ConnectorInstance, metrics?: unknown): Promise<PollingConnector>;
}

/** One connector type as data: what `connectors/definitions.ts` lists, one line each. */
export type ConnectorDefinition = WebhookConnectorDefinition | PollConnectorDefinition;

/** A secret as libs/config resolves it (`Secret`): revealed only where it is used. */
export interface RevealableSecret {
  reveal(): string;
}

const isRevealable = (v: unknown): v is RevealableSecret =>
  typeof v === 'object' && v !== null && typeof (v as RevealableSecret).reveal === 'function';

/** The values of a secret setting that may be one secret or a list (rotation). */
export function secretValues(setting: unknown): string[] {
  return (Array.isArray(setting) ? setting : [setting])
    .map((s) => (isRevealable(s) ? s.reveal() : String(s ?? '')))
    .filter(Boolean);
}

/** The settings with the schema's top-level `default`s filled in where a setting is absent. */
export function withSchemaDefaults(
  schema: object,
  settings: Record<string, unknown>,
): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, { default?: unknown }> }).properties;
  const defaults = Object.entries(properties ?? {}).filter(
    ([key, p]) => p.default !== undefined && settings[key] === undefined,
  );
  return {
    ...Object.fromEntries(defaults.map(([key, p]) => [key, structuredClone(p.default)])),
    ...settings,
  };
}
