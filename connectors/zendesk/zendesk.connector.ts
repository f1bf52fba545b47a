import { InvalidPayloadError } from '@exhub/core';
import type { ParsedWebhook, WebhookConnector, WebhookRequest } from '@exhub/connector-sdk';
import {
  ZENDESK_DEFAULT_TOLERANCE_SECONDS,
  ZENDESK_INVOCATION_ID_HEADER,
  ZENDESK_SYSTEM,
  ZENDESK_TICKET_EVENT_OBJECT_TYPE,
  ZENDESK_TICKET_EVENT_PREFIX,
  ZENDESK_WEBHOOK_OBJECT_TYPE,
} from './zendesk.constants';
import { verifyZendeskSignature } from './zendesk.signature';
import type { RevealableSecret } from '@exhub/connector-sdk';

/** A resolved secret as libs/config hands it over: the SDK's one secret type. */
export type { RevealableSecret };

/** One Zendesk webhook instance (see zendesk.config.schema.json for the settings). */
export interface ZendeskWebhookConfig {
  id: string;
  /** Webhook signing secrets, resolved; two during a rotation. */
  secrets: ReadonlyArray<string | RevealableSecret>;
  toleranceSeconds?: number;
}

/** A setting that was never resolved: `${NAME}` or `${NAME:-default}`. */
const UNRESOLVED_REFERENCE = /^\$\{[^}]*\}$/;

function revealSecrets(config: ZendeskWebhookConfig): string[] {
  const where = `connector '${config.id}'`;
  const values = config.secrets
    .map((s, i) => ({ i, value: typeof s === 'string' ? s : s.reveal() }))
    // An optional rotation secret (${ZENDESK_WEBHOOK_SECRET_PREVIOUS:-}) resolves to ''.
    .filter((s) => s.value !== '');
  if (values.length === 0) {
    throw new Error(
      `${where}: no signing secret — set secrets to ["\${ZENDESK_WEBHOOK_SECRET}"] and export the ` +
        "webhook's signing secret (Admin Center → Webhooks → the webhook → Reveal secret) in ZENDESK_WEBHOOK_SECRET",
    );
  }
  return values.map(({ i, value }) => {
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

const single = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v;

/**
 * Receives Zendesk webhook requests (a trigger or automation's JSON body about one ticket) on
 * `POST /v1/ingest/<id>`, verified with X-Zendesk-Webhook-Signature before anything parses them.
 */
export class ZendeskWebhookConnector implements WebhookConnector {
  readonly id: string;
  readonly system = ZENDESK_SYSTEM;
  readonly toleranceSeconds: number;
  // A true private field: util.inspect, JSON.stringify and log serialisers cannot see it.
  readonly #secrets: readonly string[];

  constructor(config: ZendeskWebhookConfig) {
    const tolerance = config.toleranceSeconds ?? ZENDESK_DEFAULT_TOLERANCE_SECONDS;
    if (!Number.isSafeInteger(tolerance) || tolerance < 1) {
      throw new Error(
        `connector '${config.id}': toleranceSeconds must be a whole number of seconds ≥ 1 ` +
          `(default ${ZENDESK_DEFAULT_TOLERANCE_SECONDS})`,
      );
    }
    this.id = config.id;
    this.toleranceSeconds = tolerance;
    this.#secrets = revealSecrets(config);
  }

  verify(req: WebhookRequest): void {
    verifyZendeskSignature(req.rawBody, req.headers, {
      secrets: this.#secrets,
      now: req.now,
      toleranceSeconds: this.toleranceSeconds,
    });
  }

  parse(req: WebhookRequest): ParsedWebhook {
    const where = `connector '${this.id}'`;
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch (err) {
      throw new InvalidPayloadError(
        'parse',
        `${where}: the webhook body is not JSON (${(err as Error).message}) — set the webhook's request format to JSON`,
        [{ pointer: '', rule: 'json', message: (err as Error).message }],
      );
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidPayloadError('parse', `${where}: the webhook body must be a JSON object`, [
        { pointer: '', rule: 'type', message: 'must be an object' },
      ]);
    }
    const event = body as { type?: unknown; id?: unknown; detail?: { id?: unknown } };
    if (typeof event.type === 'string' && event.type.startsWith('zen:event-type:')) {
      return this.parseEvent(event, req, where);
    }
    const ticketId = (body as { ticket_id?: unknown }).ticket_id;
    if (
      (typeof ticketId !== 'string' || !/^\d+$/.test(ticketId)) &&
      !(typeof ticketId === 'number' && Number.isSafeInteger(ticketId))
    ) {
      throw new InvalidPayloadError(
        'parse',
        `${where}: the webhook body has no ticket_id — add "ticket_id": "{{ticket.id}}" to the ` +
          "trigger's JSON body (connectors/zendesk/README.md shows the whole body)",
        [
          {
            pointer: '/ticket_id',
            rule: 'required',
            message: 'must be the ticket id, {{ticket.id}}',
          },
        ],
      );
    }
    return {
      objectType: ZENDESK_WEBHOOK_OBJECT_TYPE,
      sourceEventId: single(req.headers[ZENDESK_INVOCATION_ID_HEADER]),
      payload: body,
    };
  }

  /**
   * An event-subscription webhook (`zen:event-type:ticket.priority_changed`, …): the ticket as it
   * is now in `detail`, the change in `event`. Only ticket events are read; another event type
   * (user, organization) is refused naming it, so the subscription can be narrowed.
   */
  private parseEvent(
    event: { type?: unknown; id?: unknown; detail?: { id?: unknown } },
    req: WebhookRequest,
    where: string,
  ): ParsedWebhook {
    const type = event.type as string;
    if (!type.startsWith(ZENDESK_TICKET_EVENT_PREFIX)) {
      throw new InvalidPayloadError(
        'parse',
        `${where}: event type ${JSON.stringify(type)} is not a ticket event — subscribe the webhook to zen:event-type:ticket.* events only`,
        [
          {
            pointer: '/type',
            rule: 'enum',
            message: `must start with ${ZENDESK_TICKET_EVENT_PREFIX}`,
          },
        ],
      );
    }
    const ticketId = event.detail?.id;
    if (
      !(typeof ticketId === 'string' && /^\d+$/.test(ticketId)) &&
      !Number.isSafeInteger(ticketId)
    ) {
      throw new InvalidPayloadError(
        'parse',
        `${where}: the ticket event has no ticket id in detail.id`,
        [{ pointer: '/detail/id', rule: 'required', message: 'must be the ticket id' }],
      );
    }
    return {
      objectType: ZENDESK_TICKET_EVENT_OBJECT_TYPE,
      sourceEventId:
        typeof event.id === 'string' && event.id !== ''
          ? event.id
          : single(req.headers[ZENDESK_INVOCATION_ID_HEADER]),
      payload: event,
    };
  }
}
