/**
 * CloudEvents 1.0 over HTTP, as SAP Event Mesh (and Integration Suite, advanced event mesh) deliver
 * S/4HANA business events to a webhook: structured content mode (the whole event as JSON,
 * `application/cloudevents+json`, or `application/json` as some subscriptions send it) or binary
 * content mode (attributes in `ce-*` headers, the body is `data`). Batched mode
 * (`application/cloudevents-batch+json`) is not accepted. Every refusal is an InvalidPayloadError
 * with a JSON pointer into what was sent (`/type`, `/headers/ce-id`, `/data/SupplierInvoice`).
 */
import { InvalidPayloadError, type Issue } from '@exhub/core';
import type { WebhookRequest } from '@exhub/connector-sdk';

/** The only CloudEvents version this reader knows. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0';
/** Media type of structured content mode (JSON event format). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
/** Prefix of the binary content mode's attribute headers (lower case, as Node gives them). */
const BINARY_PREFIX = 'ce-';
const REQUIRED = ['id', 'source', 'specversion', 'type'] as const;
/** RFC 3339 date-time, as the `time` attribute must be. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json$/i;

/** One event as the hub reads it: the context attributes and `data`. */
export interface CloudEvent {
  id: string;
  source: string;
  specversion: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  /** How it arrived: where pointers into it point. */
  mode: 'structured' | 'binary';
}

const single = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v;
const mediaType = (v: string | undefined): string => (v ?? '').split(';')[0].trim().toLowerCase();

function refuse(where: string, issues: Issue[]): never {
  const first = issues[0];
  throw new InvalidPayloadError(
    'ingress',
    `${where}: not a CloudEvents ${CLOUDEVENTS_SPEC_VERSION} event: ${first.pointer || '(the body)'} ${first.message}` +
      (issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''),
    issues,
  );
}

function parseJson(body: Buffer, where: string, pointer: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    return refuse(where, [
      { pointer, rule: 'json', message: `is not JSON: ${(err as Error).message}` },
    ]);
  }
}

/** The context attributes' checks (CloudEvents 1.0 §3.1), pointers built by `at`. */
function attributeIssues(attrs: Record<string, unknown>, at: (name: string) => string): Issue[] {
  const issues: Issue[] = [];
  for (const name of REQUIRED) {
    const v = attrs[name];
    if (typeof v !== 'string' || v === '') {
      issues.push({
        pointer: at(name),
        rule: 'required',
        message: `is required (a non-empty string)${v === undefined ? '' : `, not ${JSON.stringify(v)}`}`,
      });
    }
  }
  if (typeof attrs.specversion === 'string' && attrs.specversion !== CLOUDEVENTS_SPEC_VERSION) {
    issues.push({
      pointer: at('specversion'),
      rule: 'const',
      message: `must be "${CLOUDEVENTS_SPEC_VERSION}", not ${JSON.stringify(attrs.specversion)}`,
    });
  }
  if (attrs.time !== undefined && (typeof attrs.time !== 'string' || !RFC3339.test(attrs.time))) {
    issues.push({
      pointer: at('time'),
      rule: 'format',
      message: `must be an RFC 3339 timestamp like "2026-03-03T13:19:54Z", not ${JSON.stringify(attrs.time)}`,
    });
  }
  for (const name of ['subject', 'datacontenttype', 'dataschema'] as const) {
    if (attrs[name] !== undefined && typeof attrs[name] !== 'string') {
      issues.push({ pointer: at(name), rule: 'type', message: 'must be a string' });
    }
  }
  return issues;
}

/**
 * Reads one CloudEvent from a webhook request. Binary mode when a `ce-specversion` header is
 * present, structured mode otherwise. `data` is parsed as JSON when its media type is JSON
 * (structured mode: it already is); `data_base64` is refused (S/4HANA events are JSON).
 */
export function readCloudEvent(req: WebhookRequest, where: string): CloudEvent {
  const contentType = single(req.headers['content-type']);
  if (single(req.headers[`${BINARY_PREFIX}specversion`]) !== undefined) {
    const attrs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith(BINARY_PREFIX)) attrs[name.slice(BINARY_PREFIX.length)] = single(value);
    }
    // In binary mode the content type IS datacontenttype (HTTP binding §3.1.1).
    if (contentType !== undefined) attrs.datacontenttype = contentType;
    const issues = attributeIssues(attrs, (n) =>
      n === 'datacontenttype' ? '/headers/content-type' : `/headers/${BINARY_PREFIX}${n}`,
    );
    if (issues.length) refuse(where, issues);
    const data = JSON_MEDIA.test(mediaType(contentType))
      ? parseJson(req.rawBody, where, '')
      : req.rawBody.toString('utf8');
    return { ...(attrs as Omit<CloudEvent, 'mode'>), data, mode: 'binary' };
  }
  const body = parseJson(req.rawBody, where, '');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    refuse(where, [
      {
        pointer: '',
        rule: 'type',
        message: Array.isArray(body)
          ? `is an array: a batch (${'application/cloudevents-batch+json'}) is not accepted; deliver one event per request`
          : 'must be a JSON object (structured mode) or come with ce-* headers (binary mode)',
      },
    ]);
  }
  const event = body as Record<string, unknown>;
  const issues = attributeIssues(event, (n) => `/${n}`);
  if (event.data_base64 !== undefined) {
    issues.push({
      pointer: '/data_base64',
      rule: 'unsupported',
      message: 'binary data is not read; S/4HANA business events carry JSON data',
    });
  }
  if (issues.length) refuse(where, issues);
  let data = event.data;
  // A JSON event may carry JSON data as a string when datacontenttype says JSON.
  if (typeof data === 'string' && JSON_MEDIA.test(mediaType(event.datacontenttype as string))) {
    data = parseJson(Buffer.from(data, 'utf8'), where, '/data');
  }
  return {
    id: event.id as string,
    source: event.source as string,
    specversion: event.specversion as string,
    type: event.type as string,
    ...(typeof event.time === 'string' && { time: event.time }),
    ...(typeof event.subject === 'string' && { subject: event.subject }),
    ...(typeof event.datacontenttype === 'string' && { datacontenttype: event.datacontenttype }),
    ...(typeof event.dataschema === 'string' && { dataschema: event.dataschema }),
    data,
    mode: 'structured',
  };
}

/** The event in structured mode: what is archived for an event the hub does not act on. */
export function toStructured(event: CloudEvent): Record<string, unknown> {
  const attributes: Record<string, unknown> = { ...event };
  delete attributes.mode;
  return attributes;
}
