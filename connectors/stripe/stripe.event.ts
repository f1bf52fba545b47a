import { createHash } from 'node:crypto';
import { formatIssues, InvalidPayloadError, type Issue } from '@exhub/core';
import type { ParsedWebhook } from '@exhub/connector-sdk';
import {
  FORBIDDEN_JSON_KEYS,
  MAX_ECHOED_CHARS,
  MAX_REPORTED_ISSUES,
  STRIPE_EVENT_ID_PREFIX,
  STRIPE_EVENT_OBJECT,
  STRIPE_REQUEST_ID_PREFIX,
} from './stripe.constants';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
function pointerTo(parent: string, key: string | number): string {
  return `${parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'it is missing';
  if (value === null) return 'got null';
  if (Array.isArray(value)) return 'got an array';
  if (typeof value === 'string') {
    const shown = value.length > MAX_ECHOED_CHARS ? `${value.slice(0, MAX_ECHOED_CHARS)}…` : value;
    return `got ${JSON.stringify(shown)}`;
  }
  return `got a ${typeof value}`;
}

function parseJson(rawBody: Buffer, connectorId: string): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    const message = `body is not valid JSON: ${(err as Error).message}`;
    throw new InvalidPayloadError(
      'parse',
      `connector '${connectorId}': ${message} — send the body byte for byte as Stripe sent it`,
      [{ pointer: '', rule: 'json', message }],
      { cause: err },
    );
  }
}

/**
 * Whether any key anywhere in the parsed tree is forbidden. Almost no body has one, so this walk
 * builds no pointers (forbiddenKeyIssues does, for the bodies that are refused): on the ingress
 * hot path the pointer strings of every node cost more than the walk itself (issue 17).
 */
function hasForbiddenKey(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_JSON_KEYS.has(key)) return true;
      stack.push((value as JsonObject)[key]);
    }
  }
  return false;
}

/**
 * Pointers of every `__proto__` / `constructor` / `prototype` key. JSON.parse itself is safe (it
 * defines such keys as own data properties), but a later merge or copy would not be; a reviver
 * cannot know the path, so this walks the parsed tree (iteratively: depth is caller-controlled).
 */
function forbiddenKeyIssues(root: unknown): Issue[] {
  const issues: Issue[] = [];
  const stack: { value: unknown; pointer: string }[] = [{ value: root, pointer: '' }];
  while (stack.length > 0 && issues.length < MAX_REPORTED_ISSUES) {
    const { value, pointer } = stack.pop()!;
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, pointer: pointerTo(pointer, i) }));
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        const at = pointerTo(pointer, key);
        if (FORBIDDEN_JSON_KEYS.has(key)) {
          issues.push({
            pointer: at,
            rule: 'forbidden_key',
            message: `the key "${key}" is refused: it could pollute object prototypes downstream`,
          });
        } else {
          stack.push({ value: child, pointer: at });
        }
      }
    }
  }
  return issues;
}

function requireType(
  issues: Issue[],
  pointer: string,
  value: unknown,
  expected: string,
  ok: boolean,
): void {
  if (!ok) {
    issues.push({
      pointer,
      rule: value === undefined ? 'required' : 'type',
      message: `must be ${expected}; ${describe(value)}`,
    });
  }
}

/** The envelope checks: what every Stripe Event has, whatever its type and API version. */
function envelopeIssues(body: unknown): Issue[] {
  if (!isObject(body)) {
    return [
      {
        pointer: '',
        rule: 'type',
        message: `must be a Stripe Event object ({"object":"event",…}); ${describe(body)}`,
      },
    ];
  }
  const issues: Issue[] = [];
  if (body.object !== STRIPE_EVENT_OBJECT) {
    issues.push({
      pointer: '/object',
      rule: body.object === undefined ? 'required' : 'const',
      message: `must be "${STRIPE_EVENT_OBJECT}"; ${describe(body.object)}`,
    });
  }
  const { id, type, data } = body;
  requireType(issues, '/id', id, 'a string', typeof id === 'string');
  if (typeof id === 'string' && !id.startsWith(STRIPE_EVENT_ID_PREFIX)) {
    issues.push({
      pointer: '/id',
      rule: 'pattern',
      message: `must be a Stripe event id starting "${STRIPE_EVENT_ID_PREFIX}"; ${describe(id)}`,
    });
  }
  requireType(issues, '/type', type, 'a non-empty string', typeof type === 'string' && type !== '');
  requireType(issues, '/data', data, 'an object', isObject(data));
  if (isObject(data)) {
    requireType(issues, '/data/object', data.object, 'an object', isObject(data.object));
  }
  return issues;
}

/**
 * Stripe has no correlation id, but `request.id` names the API call that caused the event, and
 * every event of that call shares it (a failed confirm yields `charge.failed` and
 * `payment_intent.payment_failed` with the same `req_…`). API versions before 2017-05-25 send
 * `request` as that string. Automatic events (retries, schedules) have none: ingress mints one.
 */
function requestIdOf(event: JsonObject): string | undefined {
  const request = event.request;
  const id = isObject(request) ? request.id : request;
  return typeof id === 'string' && id.startsWith(STRIPE_REQUEST_ID_PREFIX) ? id : undefined;
}

/** Hex characters of the content digest in a dedupe key (64 bits: collisions are no concern). */
const DIGEST_CHARS = 16;

/**
 * The event's id and a digest of what it says (`type`, `created`, `data`): Stripe retries an event
 * with the same id and content, so a retry is a duplicate; its dashboard's test events all carry
 * the placeholder id `evt_00000000000000` with different content, and each is a new event.
 * Delivery bookkeeping (`pending_webhooks`) is left out: it changes between retries.
 */
export function stripeDedupeKey(event: JsonObject): string {
  const content = JSON.stringify([event.type, event.created, event.data]);
  const digest = createHash('sha256').update(content).digest('hex').slice(0, DIGEST_CHARS);
  return `${String(event.id)}#${digest}`;
}

/** Parses a verified delivery body into a Stripe Event; throws `InvalidPayloadError` (→ 400). */
export function parseStripeEvent(rawBody: Buffer, connectorId: string): ParsedWebhook {
  const body = parseJson(rawBody, connectorId);
  const issues = [
    ...(hasForbiddenKey(body) ? forbiddenKeyIssues(body) : []),
    ...envelopeIssues(body),
  ];
  if (issues.length > 0) {
    throw new InvalidPayloadError(
      'parse',
      `connector '${connectorId}': the body is not a Stripe Event — ${formatIssues(issues)}`,
      issues,
    );
  }
  const event = body as JsonObject;
  return {
    objectType: STRIPE_EVENT_OBJECT,
    sourceEventId: event.id as string,
    dedupeKey: stripeDedupeKey(event),
    correlationId: requestIdOf(event),
    payload: event,
  };
}
