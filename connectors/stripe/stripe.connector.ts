import type { ParsedWebhook, WebhookConnector, WebhookRequest } from '@exhub/connector-sdk';
import {
  STRIPE_DEFAULT_TOLERANCE_SECONDS,
  STRIPE_SIGNATURE_HEADER,
  STRIPE_SYSTEM,
} from './stripe.constants';
import { parseStripeEvent } from './stripe.event';
import { verifyStripeSignature } from './stripe.signature';
import type { RevealableSecret } from '@exhub/connector-sdk';

/** A resolved secret as libs/config hands it over: the SDK's one secret type. */
export type { RevealableSecret };

/** One Stripe connector instance (see stripe.config.schema.json for the settings). */
export interface StripeConnectorConfig {
  id: string;
  /** Endpoint signing secrets, resolved; two during a rotation. */
  secrets: ReadonlyArray<string | RevealableSecret>;
  toleranceSeconds?: number;
}

/** A setting that was never resolved: `${NAME}` or `${NAME:-default}`. */
const UNRESOLVED_REFERENCE = /^\$\{[^}]*\}$/;

function revealSecrets(config: StripeConnectorConfig): string[] {
  const where = `connector '${config.id}'`;
  if (config.secrets.length === 0) {
    throw new Error(
      `${where}: secrets is empty — set it to ["\${STRIPE_WEBHOOK_SECRET}"] and export the ` +
        "endpoint's signing secret (whsec_…) in STRIPE_WEBHOOK_SECRET",
    );
  }
  return config.secrets.map((s, i) => {
    const value = typeof s === 'string' ? s : s.reveal();
    if (value === '') {
      throw new Error(`${where}: secrets[${i}] is empty — set it to the endpoint's signing secret`);
    }
    if (UNRESOLVED_REFERENCE.test(value)) {
      // A reference names a variable, not a secret: safe to print.
      throw new Error(
        `${where}: secrets[${i}] is the unresolved reference ${value} — set that environment ` +
          'variable (or its _FILE variant) to the signing secret',
      );
    }
    return value;
  });
}

/** Receives Stripe webhook deliveries (Event objects) on `POST /v1/ingest/<id>`. */
export class StripeWebhookConnector implements WebhookConnector {
  readonly id: string;
  readonly system = STRIPE_SYSTEM;
  readonly toleranceSeconds: number;
  // A true private field: util.inspect, JSON.stringify and log serialisers cannot see it.
  readonly #secrets: readonly string[];

  constructor(config: StripeConnectorConfig) {
    const tolerance = config.toleranceSeconds ?? STRIPE_DEFAULT_TOLERANCE_SECONDS;
    if (!Number.isSafeInteger(tolerance) || tolerance < 1) {
      throw new Error(
        `connector '${config.id}': toleranceSeconds must be a whole number of seconds ≥ 1 ` +
          `(default ${STRIPE_DEFAULT_TOLERANCE_SECONDS})`,
      );
    }
    this.id = config.id;
    this.toleranceSeconds = tolerance;
    this.#secrets = revealSecrets(config);
  }

  verify(req: WebhookRequest): void {
    verifyStripeSignature(req.rawBody, req.headers[STRIPE_SIGNATURE_HEADER], {
      secrets: this.#secrets,
      now: req.now,
      toleranceSeconds: this.toleranceSeconds,
    });
  }

  parse(req: WebhookRequest): ParsedWebhook {
    return parseStripeEvent(req.rawBody, this.id);
  }
}
