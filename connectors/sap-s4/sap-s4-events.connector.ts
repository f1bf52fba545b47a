import { timingSafeEqual } from 'node:crypto';
import {
  HMAC_SIGNATURE_HEADER,
  HMAC_SIGNATURE_HEADER_DISPLAY,
  verifyHmacSignature,
  WebhookSourceError,
  type ParsedWebhook,
  type RevealableSecret,
  type WebhookConnector,
  type WebhookRequest,
} from '@exhub/connector-sdk';
import { AuthError, HubError, InvalidPayloadError, type Issue } from '@exhub/core';
import { CLOUDEVENTS_JSON, readCloudEvent, toStructured, type CloudEvent } from './cloudevent';
import { sapS4FromSettings, type SapS4Connector } from './sap-s4.connector';
import {
  SAP_EVENT_DEFAULT_TOLERANCE_SECONDS,
  SAP_EVENT_DEFAULT_TYPES,
  SAP_EVENT_FISCAL_YEAR,
  SAP_EVENT_INVOICE,
  SAP_EVENT_OBJECT_TYPE,
  SAP_OBJECT_TYPE,
  SAP_S4_SYSTEM,
} from './sap-s4.constants';

type SecretLike = string | RevealableSecret;

export interface SapS4EventsConfig {
  id: string;
  /** Reads the invoice an event names: the sap-s4 poller's OData client and query. */
  reader: Pick<SapS4Connector, 'readInvoice'>;
  /** Basic authentication Event Mesh sends (webhook subscription, Authentication: Basic). */
  basic?: { username: SecretLike; password: SecretLike };
  /** X-Exhub-Signature shared secrets (rotation: any matches). */
  secrets?: readonly SecretLike[];
  toleranceSeconds?: number;
  eventTypes?: readonly string[];
}

/** Why a delivery was refused at authentication (metric label `reason`). */
export type SapEventAuthReason = 'missing_authorization' | 'bad_credentials';

/** An AuthError (→ 401) that says which check failed. Never carries a secret. */
export class SapEventAuthError extends AuthError {
  constructor(
    readonly reason: SapEventAuthReason,
    message: string,
  ) {
    super('ingress', message);
    this.name = 'SapEventAuthError';
  }
}

/**
 * The invoice could not be read now (SAP down, its breaker open, the communication user refused,
 * the invoice not returned): answered 503 + Retry-After, so Event Mesh delivers the event again.
 */
export class SapEventSourceError extends WebhookSourceError {
  constructor(
    override readonly reason: 'source_unavailable' | 'invoice_not_found',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(reason, message, options);
    this.name = 'SapEventSourceError';
  }
}

/** The keys an SAP supplier invoice event carries in `data` (SAP's key fields, as strings). */
const KEY_PATTERNS: Record<string, RegExp> = {
  [SAP_EVENT_INVOICE]: /^[0-9A-Za-z]{1,10}$/,
  [SAP_EVENT_FISCAL_YEAR]: /^\d{4}$/,
};
const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;

const reveal = (s: SecretLike): string => (typeof s === 'string' ? s : s.reveal());
const single = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v;

/** Constant-time comparison of two strings (length leaks, content does not). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What `parse` hands to `resolve` in `payload`: the event and, for a known type, its keys. */
interface ParsedEvent {
  event: CloudEvent;
  keys?: { SupplierInvoice: string; FiscalYear: string };
}

/**
 * Receives SAP S/4HANA supplier invoice business events (CloudEvents 1.0, delivered by SAP Event
 * Mesh's webhook) on `POST /v1/ingest/<id>`. An event carries only the invoice's keys, so the
 * connector reads the invoice through the sap-s4 OData client (`resolve`) and publishes it as an
 * `A_SupplierInvoice`, exactly as the poller would: the same mappings give the same exception,
 * with the same id. Event types it does not act on are archived unread (a counted no-op).
 */
export class SapS4EventsConnector implements WebhookConnector {
  readonly id: string;
  readonly system = SAP_S4_SYSTEM;
  readonly contentTypes = [CLOUDEVENTS_JSON, 'application/json'] as const;
  readonly toleranceSeconds: number;
  readonly eventTypes: ReadonlySet<string>;
  // True private fields: util.inspect, JSON.stringify and log serialisers cannot see them.
  readonly #basic?: { username: string; password: string };
  readonly #secrets: readonly string[];
  readonly #reader: Pick<SapS4Connector, 'readInvoice'>;

  constructor(config: SapS4EventsConfig) {
    const where = `connector '${config.id}'`;
    this.id = config.id;
    this.#reader = config.reader;
    this.toleranceSeconds = config.toleranceSeconds ?? SAP_EVENT_DEFAULT_TOLERANCE_SECONDS;
    this.eventTypes = new Set(config.eventTypes ?? SAP_EVENT_DEFAULT_TYPES);
    this.#secrets = (config.secrets ?? []).map(reveal).filter((s) => s !== '');
    if (config.basic) {
      const username = reveal(config.basic.username);
      const password = reveal(config.basic.password);
      if (username !== '' && password !== '') this.#basic = { username, password };
    }
    if (!this.#basic && this.#secrets.length === 0) {
      throw new Error(
        `${where}: no way to authenticate deliveries — set webhookUsername and webhookPassword ` +
          "(the Event Mesh webhook subscription's basic authentication) or secrets " +
          `(${HMAC_SIGNATURE_HEADER_DISPLAY}), as environment references`,
      );
    }
  }

  /**
   * Basic authentication or X-Exhub-Signature, whichever the instance has; a delivery with
   * neither header is refused naming both, one with a wrong value naming the one it sent.
   */
  verify(req: WebhookRequest): void {
    const where = `connector '${this.id}'`;
    const authorization = single(req.headers.authorization);
    const signature = req.headers[HMAC_SIGNATURE_HEADER];
    if (signature !== undefined && this.#secrets.length > 0) {
      verifyHmacSignature(req.rawBody, signature, {
        secrets: this.#secrets,
        now: req.now,
        toleranceSeconds: this.toleranceSeconds,
      });
      return;
    }
    if (authorization !== undefined && this.#basic) {
      const m = BASIC.exec(authorization);
      const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const ok =
        colon > 0 &&
        // Both compared, always: no early exit that would tell a right user name.
        [
          sameText(decoded.slice(0, colon), this.#basic.username),
          sameText(decoded.slice(colon + 1), this.#basic.password),
        ].every(Boolean);
      if (!ok) {
        throw new SapEventAuthError(
          'bad_credentials',
          `${where}: the Authorization header ${m ? 'carries a user name and password that do not match' : 'is not "Basic <base64 of user:password>"'} — ` +
            "set the Event Mesh webhook subscription's basic authentication to the connector's " +
            'webhookUsername and webhookPassword',
        );
      }
      return;
    }
    const accepted = [
      ...(this.#basic ? ['an Authorization: Basic header (webhookUsername/webhookPassword)'] : []),
      ...(this.#secrets.length ? [`an ${HMAC_SIGNATURE_HEADER_DISPLAY} header (secrets)`] : []),
    ];
    throw new SapEventAuthError(
      'missing_authorization',
      `${where}: the delivery is not authenticated — send ${accepted.join(' or ')}` +
        (authorization !== undefined || signature !== undefined
          ? '; the request carries a scheme this instance is not configured for'
          : ''),
    );
  }

  /**
   * Reads the CloudEvent (structured or binary mode). A type in `eventTypes` must carry the
   * invoice's keys in `data`; any other type passes as a `CloudEvent` the mappings ignore.
   */
  parse(req: WebhookRequest): ParsedWebhook {
    const where = `connector '${this.id}'`;
    const event = readCloudEvent(req, where);
    const sourceEventId = `${event.source}#${event.id}`;
    if (!this.eventTypes.has(event.type)) {
      return { objectType: SAP_EVENT_OBJECT_TYPE, sourceEventId, payload: { event } };
    }
    const base = event.mode === 'structured' ? '/data' : '';
    const data = event.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new InvalidPayloadError(
        'ingress',
        `${where}: the ${event.type} event has no data object with the invoice's keys`,
        [
          {
            pointer: base,
            rule: 'type',
            message: 'must be an object {SupplierInvoice, FiscalYear}',
          },
        ],
      );
    }
    const issues: Issue[] = [];
    for (const [field, pattern] of Object.entries(KEY_PATTERNS)) {
      const v = (data as Record<string, unknown>)[field];
      if (typeof v !== 'string' || !pattern.test(v)) {
        issues.push({
          pointer: `${base}/${field}`,
          rule: 'pattern',
          message: `must be SAP's ${field} key (${pattern.source}), not ${JSON.stringify(v)}`,
        });
      }
    }
    if (issues.length) {
      throw new InvalidPayloadError(
        'ingress',
        `${where}: the ${event.type} event does not name an invoice: ${issues[0].pointer} ${issues[0].message}`,
        issues,
      );
    }
    const d = data as Record<string, string>;
    const keys = { SupplierInvoice: d.SupplierInvoice, FiscalYear: d.FiscalYear };
    const parsed: ParsedEvent = { event, keys };
    return { objectType: SAP_EVENT_OBJECT_TYPE, sourceEventId, payload: parsed };
  }

  /**
   * Reads the invoice the event names and makes it what is published: an `A_SupplierInvoice`, as
   * the poller publishes it. An event of another type is published as the structured CloudEvent
   * (no mapping reads it: acknowledged, archived, counted in exhub_events_unmapped_total).
   */
  async resolve(parsed: ParsedWebhook): Promise<ParsedWebhook> {
    const { event, keys } = parsed.payload as ParsedEvent;
    if (!keys) {
      const structured = toStructured(event);
      return {
        ...parsed,
        payload: structured,
        body: Buffer.from(JSON.stringify(structured), 'utf8'),
        contentType: CLOUDEVENTS_JSON,
      };
    }
    const where = `connector '${this.id}'`;
    const key = `A_SupplierInvoice(SupplierInvoice='${keys.SupplierInvoice}',FiscalYear='${keys.FiscalYear}')`;
    let invoice: unknown;
    try {
      invoice = await this.#reader.readInvoice(keys.SupplierInvoice, keys.FiscalYear);
    } catch (err) {
      const cls = err instanceof HubError ? err.errorClass : 'TRANSIENT';
      throw new SapEventSourceError(
        'source_unavailable',
        `${where}: ${event.type} names ${key}, which cannot be read now (${cls}: ${(err as Error).message})` +
          (cls === 'AUTH' ? ' — check the communication user (username, password)' : ''),
        { cause: err },
      );
    }
    if (invoice === undefined) {
      throw new SapEventSourceError(
        'invoice_not_found',
        `${where}: ${event.type} names ${key}, which SAP does not return — the invoice may not be ` +
          'committed yet (a retry reads it) or the communication user may not see its company code',
      );
    }
    return {
      objectType: SAP_OBJECT_TYPE,
      sourceEventId: parsed.sourceEventId,
      payload: invoice,
      body: Buffer.from(JSON.stringify(invoice), 'utf8'),
      contentType: 'application/json',
    };
  }
}

/** Builds the connector from an instance's resolved `settings` (sap-s4-events.config.schema.json). */
export function sapS4EventsFromSettings(
  id: string,
  s: Record<string, unknown>,
): SapS4EventsConnector {
  return new SapS4EventsConnector({
    id,
    reader: sapS4FromSettings(id, s),
    basic:
      s.webhookUsername !== undefined && s.webhookPassword !== undefined
        ? { username: s.webhookUsername as SecretLike, password: s.webhookPassword as SecretLike }
        : undefined,
    secrets: s.secrets as SecretLike[] | undefined,
    toleranceSeconds: s.toleranceSeconds as number | undefined,
    eventTypes: s.eventTypes as string[] | undefined,
  });
}
