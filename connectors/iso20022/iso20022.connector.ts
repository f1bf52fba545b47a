import {
  HMAC_DEFAULT_TOLERANCE_SECONDS,
  HMAC_SIGNATURE_HEADER,
  verifyHmacSignature,
} from '@exhub/connector-sdk';
import type {
  DropFolderHandle,
  DropSubmit,
  ParsedWebhook,
  RevealableSecret,
  WebhookConnector,
  WebhookRequest,
} from '@exhub/connector-sdk';
import { ISO20022_CONTENT_TYPES, ISO20022_SYSTEM } from './iso20022.constants';
import { parseIso20022Message } from './iso20022.message';

export type { RevealableSecret };

/** One ISO 20022 connector instance (see iso20022.config.schema.json for the settings). */
export interface Iso20022ConnectorConfig {
  id: string;
  /** Shared HMAC secrets, resolved; two during a rotation. */
  secrets: ReadonlyArray<string | RevealableSecret>;
  toleranceSeconds?: number;
  /** A folder to watch for `*.xml` files, published like webhook bodies (see README). */
  dropFolder?: string;
}

/** A setting that was never resolved: `${NAME}` or `${NAME:-default}`. */
const UNRESOLVED_REFERENCE = /^\$\{[^}]*\}$/;

function revealSecrets(config: Iso20022ConnectorConfig): string[] {
  const where = `connector '${config.id}'`;
  if (config.secrets.length === 0) {
    throw new Error(
      `${where}: secrets is empty — set it to ["\${ISO20022_WEBHOOK_SECRET}"] and export the ` +
        'shared secret the sender signs with in ISO20022_WEBHOOK_SECRET',
    );
  }
  return config.secrets.map((s, i) => {
    const value = typeof s === 'string' ? s : s.reveal();
    if (value === '')
      throw new Error(`${where}: secrets[${i}] is empty — set it to the shared secret`);
    if (UNRESOLVED_REFERENCE.test(value)) {
      // A reference names a variable, not a secret: safe to print.
      throw new Error(
        `${where}: secrets[${i}] is the unresolved reference ${value} — set that environment ` +
          'variable (or its _FILE variant) to the shared secret',
      );
    }
    return value;
  });
}

/**
 * Receives ISO 20022 XML messages (pain.002 payment status reports, camt.054 notifications,
 * camt.053 statements) on `POST /v1/ingest/<id>`, signed with the hub's generic HMAC scheme
 * (`X-Exhub-Signature`), since banks and their relays have no webhook signature of their own.
 */
export class Iso20022WebhookConnector implements WebhookConnector {
  readonly id: string;
  readonly system = ISO20022_SYSTEM;
  readonly contentTypes = ISO20022_CONTENT_TYPES;
  readonly toleranceSeconds: number;
  readonly dropFolder?: string;
  // A true private field: util.inspect, JSON.stringify and log serialisers cannot see it.
  readonly #secrets: readonly string[];

  constructor(config: Iso20022ConnectorConfig) {
    const tolerance = config.toleranceSeconds ?? HMAC_DEFAULT_TOLERANCE_SECONDS;
    if (!Number.isSafeInteger(tolerance) || tolerance < 1) {
      throw new Error(
        `connector '${config.id}': toleranceSeconds must be a whole number of seconds ≥ 1 ` +
          `(default ${HMAC_DEFAULT_TOLERANCE_SECONDS})`,
      );
    }
    this.id = config.id;
    this.toleranceSeconds = tolerance;
    this.dropFolder = config.dropFolder || undefined;
    this.#secrets = revealSecrets(config);
  }

  verify(req: WebhookRequest): void {
    verifyHmacSignature(req.rawBody, req.headers[HMAC_SIGNATURE_HEADER], {
      secrets: this.#secrets,
      now: req.now,
      toleranceSeconds: this.toleranceSeconds,
    });
  }

  parse(req: WebhookRequest): ParsedWebhook {
    return parseIso20022Message(req.rawBody, this.id);
  }

  async watchDropFolder(submit: DropSubmit): Promise<DropFolderHandle | undefined> {
    if (!this.dropFolder) return undefined;
    // Loaded only when a folder is configured: a webhook-only hub never loads the watcher.
    const { DropFolderWatcher } = await import('./iso20022.drop-folder.js');
    const watcher = new DropFolderWatcher({ folder: this.dropFolder, submit });
    await watcher.start();
    return watcher;
  }
}
