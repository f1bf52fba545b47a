/** Every default and protocol constant of the Zendesk connectors (webhook and export). */
import { MS_PER_SECOND } from '@exhub/core';
import { MS_PER_MINUTE } from '@exhub/core';
export { MS_PER_MINUTE };
export { MS_PER_SECOND };
export const ZENDESK_SYSTEM = 'zendesk';

// ── Webhooks ────────────────────────────────────────────────────────────────────────────────
/** Header names as Node gives them (lower case). */
export const ZENDESK_SIGNATURE_HEADER = 'x-zendesk-webhook-signature';
export const ZENDESK_TIMESTAMP_HEADER = 'x-zendesk-webhook-signature-timestamp';
/** Zendesk's id of one webhook invocation: the same on every retry of it (dedupe). */
export const ZENDESK_INVOCATION_ID_HEADER = 'x-zendesk-webhook-invocation-id';
export const ZENDESK_SIGNATURE_HEADER_DISPLAY = 'X-Zendesk-Webhook-Signature';
export const ZENDESK_TIMESTAMP_HEADER_DISPLAY = 'X-Zendesk-Webhook-Signature-Timestamp';
/** Older (or newer) deliveries are refused as replays (or clock skew). */
export const ZENDESK_DEFAULT_TOLERANCE_SECONDS = 300;
/** The objectType of a webhook body (a trigger's JSON, see the README for the one we suggest). */
export const ZENDESK_WEBHOOK_OBJECT_TYPE = 'ticket_webhook';
/**
 * objectType of an event-subscription webhook about a ticket (Zendesk's event webhooks:
 * `"type": "zen:event-type:ticket.<change>"`, the ticket in `detail`); mappings select on it.
 */
export const ZENDESK_TICKET_EVENT_OBJECT_TYPE = 'ticket_event';
/** The `type` prefix of Zendesk's ticket events (event-subscription webhooks). */
export const ZENDESK_TICKET_EVENT_PREFIX = 'zen:event-type:ticket.';

// ── Incremental export ──────────────────────────────────────────────────────────────────────
export const ZENDESK_EXPORT_SYSTEM_TYPE = 'zendesk-export';
export const ZENDESK_API_PATH = '/api/v2';
export const EXPORT_ENDPOINT = 'incremental/tickets/cursor';
export const EXPORT_PATH = '/incremental/tickets/cursor.json';
export const ORGANIZATIONS_ENDPOINT = 'organizations';
/** The objectType of an exported ticket (the API's Ticket object). */
export const ZENDESK_TICKET_OBJECT_TYPE = 'ticket';
/** Tickets per export page (`per_page`); Zendesk's maximum is 1000. */
export const ZENDESK_DEFAULT_PAGE_SIZE = 1000;
export const ZENDESK_MAX_PAGE_SIZE = 1000;
/** Without `startFrom`, the first export starts 30 days back. */
export const ZENDESK_DEFAULT_LOOKBACK_DAYS = 30;
export const SECONDS_PER_DAY = 86_400;
/** Zendesk's SLA metric events (Incremental Ticket Metric Event Export), read when `slaEvents` is on. */
export const METRIC_EVENTS_ENDPOINT = 'incremental/ticket_metric_events';
export const METRIC_EVENTS_PATH = '/incremental/ticket_metric_events.json';
/** The objectType of one ticket's SLA state, summarised from its metric events. */
export const ZENDESK_TICKET_SLA_OBJECT_TYPE = 'ticket_sla';
/** Metric events per page of the metric event export (Zendesk answers up to 100). */
export const METRIC_EVENTS_PAGE_SIZE = 100;
