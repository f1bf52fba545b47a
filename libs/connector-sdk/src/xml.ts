import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InvalidPayloadError, type Issue, type Stage } from '@exhub/core';

/**
 * The hub's one XML parser. Connectors (at ingress) and the pipeline (after the broker hop) parse
 * the same raw bytes with it, so a mapping sees exactly what the connector saw.
 *
 * Safety first, because XML bodies come from outside: a document type declaration (`<!DOCTYPE`)
 * or entity declaration (`<!ENTITY`) is refused before any parser runs, so neither external
 * entities (XXE: file or network reads) nor entity expansion (billion laughs) can happen; the
 * parser itself also runs with entity processing off. Only the five predefined XML entities and
 * numeric character references are decoded, by a fixed table here, never expanded recursively.
 */

/** Media types parsed as XML (RFC 7303), compared on the type without parameters. */
export const XML_CONTENT_TYPES: readonly string[] = ['application/xml', 'text/xml'];

/** `application/xml`, `text/xml`, and `+xml` suffix types, with or without parameters. */
const XML_MEDIA_TYPE = /^(?:application|text)\/(?:[\w.-]+\+)?xml\s*(?:;|$)/i;

/** Largest XML document parsed, in bytes (a camt.053 day statement of a busy account fits). */
export const XML_DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

/** Deepest element nesting accepted; ISO 20022 messages stay well under 20. */
export const XML_MAX_DEPTH = 64;

/** Prefix of attribute keys in the parsed object: `Ccy="EUR"` → `"@_Ccy": "EUR"` (what `$ccyAmount` reads). */
export const XML_ATTRIBUTE_PREFIX = '@_';
/** Key of an element's text when it also has attributes: `{"#text": "12.50", "@_Ccy": "EUR"}`. */
export const XML_TEXT_KEY = '#text';

/**
 * Elements that may repeat in the XML messages the hub receives, always parsed as arrays so a
 * mapping reads `TxInfAndSts` the same way for one transaction or fifty. ISO 20022 pain.002,
 * camt.053 and camt.054 (connectors/iso20022); a connector for another XML source adds its
 * repeating elements here, so ingress and pipeline keep parsing alike.
 */
export const XML_REPEATING_ELEMENTS: ReadonlySet<string> = new Set([
  // pain.002
  'OrgnlPmtInfAndSts',
  'TxInfAndSts',
  'StsRsnInf',
  'NbOfTxsPerSts',
  // camt.053 / camt.054
  'Stmt',
  'Ntfctn',
  'Bal',
  'Ntry',
  'NtryDtls',
  'TxDtls',
  'RltdDts',
  // shared
  'AddtlInf',
  'Ustrd',
  'Strd',
  'AdrLine',
]);

/** Declarations that would let a document define entities or fetch external ones. */
const FORBIDDEN_DECLARATION = /<!\s*(DOCTYPE|ENTITY)\b/i;
const XML_ENCODING = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/;
const UTF8 = /^utf-?8$/i;
const UTF8_BOM = '\uFEFF';
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};
const ENTITY_REFERENCE = /&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|(amp|lt|gt|quot|apos));/g;
const MAX_CODE_POINT = 0x10ffff;
const HEX = 16;
const DECIMAL = 10;

/** Is this Content-Type header an XML media type? */
export function isXmlContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && XML_MEDIA_TYPE.test(contentType.trim());
}

/** Decodes the predefined entities and character references; anything else is left as written. */
function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY_REFERENCE, (whole, hex?: string, dec?: string, name?: string) => {
    if (name) return PREDEFINED_ENTITIES[name];
    const code = hex ? parseInt(hex, HEX) : parseInt(dec ?? '', DECIMAL);
    return code > 0 && code <= MAX_CODE_POINT ? String.fromCodePoint(code) : whole;
  });
}

/** `ns2:Document` → `Document`: ISO 20022 files use a default namespace or any prefix. */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
  textNodeName: XML_TEXT_KEY,
  // Namespace prefixes are dropped from element names; `xmlns` attributes stay, so a connector can
  // still tell pain.002.001.10 from .03 by the root namespace.
  removeNSPrefix: false,
  transformTagName: localName,
  // Every value stays the exact text: an id like 00123 or an amount like 12.50 is never a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  htmlEntities: false,
  tagValueProcessor: (_tag, value) => decodeReferences(value),
  attributeValueProcessor: (_attr, value) => decodeReferences(value),
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: XML_MAX_DEPTH,
  isArray: (tagName, _path, _isLeaf, isAttribute) =>
    !isAttribute && XML_REPEATING_ELEMENTS.has(tagName),
});

export interface ParseXmlOptions {
  /** Where the error is reported: `ingress` (→ 400) or `parse` (pipeline, → dead letter). */
  stage?: Stage;
  maxBytes?: number;
  /** Who is parsing, for the message, e.g. `connector 'iso20022'`. */
  where?: string;
}

function refuse(stage: Stage, where: string, issue: Issue): InvalidPayloadError {
  return new InvalidPayloadError(stage, `${where}: ${issue.message}`, [issue]);
}

/**
 * Parses an XML body into a plain object (attributes as `@_name`, text beside attributes as
 * `#text`, namespace prefixes dropped, repeating elements as arrays, every value a string). Throws
 * an `InvalidPayloadError` (rule `xml_declaration`, `size`, `encoding` or `xml`) naming the problem.
 */
export function parseXml(raw: Buffer | string, options: ParseXmlOptions = {}): unknown {
  const stage = options.stage ?? 'parse';
  const where = options.where ?? 'XML body';
  const maxBytes = options.maxBytes ?? XML_DEFAULT_MAX_BYTES;
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (bytes > maxBytes) {
    throw refuse(stage, where, {
      pointer: '',
      rule: 'size',
      message: `the XML document is ${bytes} bytes; at most ${maxBytes} are parsed — split the file`,
    });
  }
  let text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.startsWith(UTF8_BOM)) text = text.slice(UTF8_BOM.length);
  const declared = FORBIDDEN_DECLARATION.exec(text);
  if (declared) {
    throw refuse(stage, where, {
      pointer: '',
      rule: 'xml_declaration',
      message:
        `the XML document contains a <!${declared[1].toUpperCase()} declaration, which is refused: ` +
        'document types and entities are never processed (they allow external entity reads and ' +
        'entity expansion attacks) — send the message without a DOCTYPE, as ISO 20022 requires',
    });
  }
  const encoding = XML_ENCODING.exec(text)?.[1];
  if (encoding !== undefined && !UTF8.test(encoding)) {
    throw refuse(stage, where, {
      pointer: '',
      rule: 'encoding',
      message: `the XML declaration says encoding="${encoding}"; only UTF-8 is accepted — re-encode the file as UTF-8`,
    });
  }
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    // Line and column, never the text there: a refusal's reason is logged and written beside a
    // dropped file, and must not copy the file's content (issue 20: a link to /etc/passwd did).
    const { msg, line, col } = valid.err;
    throw refuse(stage, where, {
      pointer: '',
      rule: 'xml',
      message: `the body is not well-formed XML: ${msg} (line ${line}, column ${col})`,
    });
  }
  try {
    return parser.parse(text) as unknown;
  } catch (err) {
    throw refuse(stage, where, {
      pointer: '',
      rule: 'xml',
      // The parser's message ends with a quote of the text around the fault: not repeated.
      message: `the XML document could not be parsed: ${(err as Error).message.split(' Context:')[0]}`,
    });
  }
}

/**
 * An ISO 20022 business message: the `<Document>` beside its business application header
 * (head.001 `<AppHdr>`) inside an envelope element the sender names (`<BizMsgEnvlp>`,
 * `<Message>`, `<RequestPayload>`, …). Returns `{AppHdr, Document}` at the root, so a mapping
 * reads `Document.…` with or without the envelope; any other document is returned unchanged.
 * Ingress (the connector) and the pipeline both apply it after `parseXml`, so they see the same.
 */
export function liftBusinessMessage(parsed: unknown): unknown {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(parsed) || 'Document' in parsed) return parsed;
  const roots = Object.keys(parsed).filter((k) => !k.startsWith(XML_ATTRIBUTE_PREFIX));
  if (roots.length !== 1) return parsed;
  const envelope = parsed[roots[0]];
  if (!isRecord(envelope) || !isRecord(envelope.Document)) return parsed;
  return {
    ...(envelope.AppHdr !== undefined && { AppHdr: envelope.AppHdr }),
    Document: envelope.Document,
  };
}
