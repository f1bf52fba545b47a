import { formatIssues, InvalidPayloadError, type Issue } from '../../libs/connector-sdk/src/errors';
import type { ParsedWebhook } from '../../libs/connector-sdk/src/webhook';
import { parseXml, XML_ATTRIBUTE_PREFIX } from '../../libs/connector-sdk/src/xml';
import {
  ISO20022_MESSAGE_ROOTS,
  ISO20022_NAMESPACE,
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

/**
 * Parses one ISO 20022 XML message with the hub's safe XML parser and tells what it is: the message
 * type from the `<Document>`'s root element (checked against its namespace when there is one), the
 * group header's MsgId, and the id that links it to what it reports on. Throws an
 * `InvalidPayloadError` (→ 400) with one issue per problem.
 */
export function parseIso20022Message(rawBody: Buffer, connectorId: string): ParsedWebhook {
  const where = `connector '${connectorId}'`;
  const payload = parseXml(rawBody, { stage: 'parse', where });
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
          'send the Document itself, without a business application header envelope',
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
  const namespace = document[`${XML_ATTRIBUTE_PREFIX}xmlns`];
  if (namespace !== undefined) {
    const declared =
      typeof namespace === 'string' ? ISO20022_NAMESPACE.exec(namespace)?.[1] : undefined;
    if (declared !== objectType) {
      issues.push({
        pointer: '/Document/@xmlns',
        rule: 'namespace',
        message:
          `the namespace ${echo(String(namespace))} does not belong to <${root}>, which is ` +
          `${objectType}; expected urn:iso:std:iso:20022:tech:xsd:${objectType}.001.<version>`,
      });
    }
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
    sourceEventId: msgId,
    correlationId: originalMsgId || msgId,
    payload,
  };
}
