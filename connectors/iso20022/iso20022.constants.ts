/** Connector type id; also the `system` of every SourceEvent this connector produces. */
export const ISO20022_SYSTEM = 'iso20022';

/** ISO 20022 XML messages are UTF-8 XML; both registered XML media types are accepted. */
export const ISO20022_CONTENT_TYPES: readonly string[] = ['application/xml', 'text/xml'];

/** Namespace of every ISO 20022 XML message: `urn:iso:std:iso:20022:tech:xsd:<msg>.<variant>.<version>`. */
export const ISO20022_NAMESPACE =
  /^urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3})\.\d{3}\.\d{2}$/;

/** The root element of the `<Document>` for each message type the connector accepts. */
export const ISO20022_MESSAGE_ROOTS: Readonly<Record<string, string>> = {
  CstmrPmtStsRpt: 'pain.002',
  BkToCstmrDbtCdtNtfctn: 'camt.054',
  BkToCstmrStmt: 'camt.053',
};

/** The message types, as SourceEvent `objectType` (what mappings/iso20022/*.mapping.yaml select on). */
export const ISO20022_MESSAGE_TYPES: readonly string[] = Object.values(ISO20022_MESSAGE_ROOTS);

/** Longest message id quoted back in an error. */
export const MAX_ECHOED_CHARS = 40;
/** GrpHdr/MsgId is Max35Text in every ISO 20022 message. */
export const MAX_MSG_ID_LENGTH = 35;
