import { createHash } from 'node:crypto';
import { formatIssues, InvalidPayloadError, type Issue } from '@exhub/core';
import type { ParsedWebhook } from '@exhub/connector-sdk';
import { liftBusinessMessage, parseXml, XML_ATTRIBUTE_PREFIX } from '@exhub/connector-sdk';
import {
  ISO20022_MESSAGE_ROOTS,
  ISO20022_NAMESPACE,
  ISO20022_SUPPORTED_VERSIONS,
  MAX_ECHOED_CHARS,
  MAX_MSG_ID_LENGTH,
} from './iso20022.constants';

type XmlObject = Record<string, unknown>;

function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An element's text: a plain string, or `#text` beside attributes. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['#text'] === 'string') return value['#text'];
  return undefined;
}

function echo(text: string): string {
  return JSON.stringify(
    text.length > MAX_ECHOED_CHARS ? `${text.slice(0, MAX_ECHOED_CHARS)}…` : text,
  );
}

const SUPPORTED = Object.entries(ISO20022_MESSAGE_ROOTS)
  .map(([root, type]) => `${type} (${root})`)
  .join(', ');

/** Longest namespace quoted back in an error (a national one is a long URL). */
const MAX_ECHOED_NAMESPACE_CHARS = 120;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `pain.002.001.03 to .14, pain.002.003.03`: the versions read of one message type. */
function supportedVersions(type: string): string {
  return (ISO20022_SUPPORTED_VERSIONS[type] ?? [])
    .map((r) =>
      r.from === r.to
        ? `${type}.${r.variant}.${pad2(r.from)}`
        : `${type}.${r.variant}.${pad2(r.from)} to .${pad2(r.to)}`,
    )
    .join(', ');
}

/**
 * The namespace of the `<Document>`: its default `xmlns`, else a prefixed `xmlns:<p>` that names
 * an ISO 20022 message (`<p:Document xmlns:p="…">`).
 */
function documentNamespace(document: XmlObject): unknown {
  const own = document[`${XML_ATTRIBUTE_PREFIX}xmlns`];
  if (own !== undefined) return own;
  return Object.entries(document).find(
    ([k, v]) =>
      k.startsWith(`${XML_ATTRIBUTE_PREFIX}xmlns:`) &&
      typeof v === 'string' &&
      ISO20022_NAMESPACE.test(v),
  )?.[1];
}

/** What is wrong with the namespace for a `<root>` of `objectType`, or undefined when it is read. */
function namespaceIssue(namespace: unknown, root: string, objectType: string): Issue | undefined {
  const text = String(namespace).slice(0, MAX_ECHOED_NAMESPACE_CHARS);
  const m = typeof namespace === 'string' ? ISO20022_NAMESPACE.exec(namespace) : null;
  if (!m || m[1] !== objectType) {
    return {
      pointer: '/Document/@xmlns',
      rule: 'namespace',
      message:
        `the namespace ${JSON.stringify(text)} does not belong to <${root}>, which is ${objectType}; ` +
        `expected urn:iso:std:iso:20022:tech:xsd:${objectType}.<variant>.<version> ` +
        `(read: ${supportedVersions(objectType)})`,
    };
  }
  const [, , variant, version] = m;
  const read = (ISO20022_SUPPORTED_VERSIONS[objectType] ?? []).some(
    (r) => r.variant === variant && Number(version) >= r.from && Number(version) <= r.to,
  );
  if (read) return undefined;
  return {
    pointer: '/Document/@xmlns',
    rule: 'version',
    message:
      `${objectType}.${variant}.${version} (namespace ${JSON.stringify(text)}) is not a version this ` +
      `connector reads; it reads ${supportedVersions(objectType)} — ask the bank for one of ` +
      'those, or add the version to ISO20022_SUPPORTED_VERSIONS once its mappings are checked',
  };
}

/**
 * Parses one ISO 20022 XML message with the hub's safe XML parser and tells what it is: the message
 * type from the `<Document>`'s root element (checked against its namespace when there is one), the
 * group header's MsgId, and the id that links it to what it reports on. Throws an
 * `InvalidPayloadError` (→ 400) with one issue per problem.
 */
export function parseIso20022Message(rawBody: Buffer, connectorId: string): ParsedWebhook {
  const where = `connector '${connectorId}'`;
  // A business message envelope (head.001 AppHdr + Document) is read as its Document, exactly as
  // the pipeline reads it (apps/hub/src/pipeline/process-event.ts parsePayload).
  const payload = liftBusinessMessage(parseXml(rawBody, { stage: 'parse', where }));
  const fail = (issues: Issue[]): never => {
    throw new InvalidPayloadError('parse', `${where}: ${formatIssues(issues)}`, issues);
  };
  const document = isObject(payload) ? payload.Document : undefined;
  if (!isObject(document)) {
    const roots = isObject(payload) ? Object.keys(payload) : [];
    return fail([
      {
        pointer: '/Document',
        rule: 'required',
        message:
          `the root element must be <Document> (an ISO 20022 message), got ` +
          `${roots.length > 0 ? roots.map((r) => `<${r}>`).join(', ') : 'none'}; ` +
          'send the Document itself, or an envelope holding the Document (with its AppHdr)',
      },
    ]);
  }
  const roots = Object.keys(document).filter((k) => !k.startsWith(XML_ATTRIBUTE_PREFIX));
  const root = roots.find((r) => r in ISO20022_MESSAGE_ROOTS);
  if (root === undefined || roots.length !== 1) {
    return fail([
      {
        pointer: '/Document',
        rule: 'message_type',
        message:
          `<Document> contains ${roots.map((r) => `<${r}>`).join(', ') || 'nothing'}; ` +
          `this connector accepts exactly one of ${SUPPORTED}`,
      },
    ]);
  }
  const objectType = ISO20022_MESSAGE_ROOTS[root];
  const issues: Issue[] = [];
  const namespace = documentNamespace(document);
  if (namespace !== undefined) {
    const issue = namespaceIssue(namespace, root, objectType);
    if (issue) issues.push(issue);
  }
  const message = document[root];
  const header = isObject(message) ? message.GrpHdr : undefined;
  const msgId = isObject(header) ? textOf(header.MsgId) : undefined;
  if (msgId === undefined || msgId === '') {
    issues.push({
      pointer: `/Document/${root}/GrpHdr/MsgId`,
      rule: 'required',
      message: 'the group header must carry the message id (GrpHdr/MsgId)',
    });
  } else if (msgId.length > MAX_MSG_ID_LENGTH) {
    issues.push({
      pointer: `/Document/${root}/GrpHdr/MsgId`,
      rule: 'maxLength',
      message: `MsgId ${echo(msgId)} is longer than ${MAX_MSG_ID_LENGTH} characters (Max35Text)`,
    });
  }
  if (issues.length > 0) fail(issues);
  // A status report answers a pain.001: its original message id links the report to that payment
  // run (and to its other status reports). Bank statements and notifications stand alone.
  const original = isObject(message) ? message.OrgnlGrpInfAndSts : undefined;
  const originalMsgId = isObject(original) ? textOf(original.OrgnlMsgId) : undefined;
  return {
    objectType,
    // A message is a duplicate only when its content is the same: a different document that
    // reuses a MsgId (banks do, across days or after a correction) is a new event.
    sourceEventId: `${msgId}#${contentDigest(payload)}`,
    correlationId: originalMsgId || msgId,
    payload,
  };
}

/** Characters of the content digest in a source event id (64 bits: collisions are not a concern). */
const DIGEST_CHARS = 16;

/** A digest of the parsed document: the same message re-sent (whitespace, line ends) digests alike. */
function contentDigest(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, DIGEST_CHARS);
}
