/** Connector type id; also the `system` of every SourceEvent this connector produces. */
import { MS_PER_SECOND } from '@exhub/core';
export { MS_PER_SECOND };
export const STRIPE_SYSTEM = 'stripe';

/** The header Stripe signs every delivery with (lower-cased, as Node gives header names). */
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

/** Stripe's own libraries default to five minutes; older (or newer) deliveries are refused. */
export const STRIPE_DEFAULT_TOLERANCE_SECONDS = 300;

/** Every webhook body is a Stripe Event object. */
export const STRIPE_EVENT_OBJECT = 'event';
export const STRIPE_EVENT_ID_PREFIX = 'evt_';
/** `request.id` of the API call that caused an event (shared by the events of one call). */
export const STRIPE_REQUEST_ID_PREFIX = 'req_';

/** Keys that would reach Object.prototype when a payload is merged or copied naively. */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
/** Cap on issues reported for one body, so a hostile payload cannot inflate error headers. */
export const MAX_REPORTED_ISSUES = 20;
/** Longest string value quoted back in an issue message. */
export const MAX_ECHOED_CHARS = 40;
