/** Connector type id; also the `system` of every SourceEvent this connector produces. */
export const ISO20022_SYSTEM = 'iso20022';

/** ISO 20022 XML messages are UTF-8 XML; both registered XML media types are accepted. */
export const ISO20022_CONTENT_TYPES: readonly string[] = ['application/xml', 'text/xml'];

/**
 * The message identifier in a `<Document>` namespace: ISO's own
 * `urn:iso:std:iso:20022:tech:xsd:pain.002.001.10`, a national usage guideline such as the Swiss
 * SPS 2009 `http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd`, or the German
 * DK variant `urn:iso:std:iso:20022:tech:xsd:pain.002.003.03`, or a scheme's own namespace
 * that names the message and then itself, colon-separated, such as the Austrian payment
 * association's (APC, Stuzza) `ISO:camt.053.001.02:APC:STUZZA:payments:003`. Groups: message
 * type, variant, version, national suffix.
 */
export const ISO20022_NAMESPACE =
  /(?:^|[:/])([a-z]{4}\.\d{3})\.(\d{3})\.(\d{2})((?:\.[a-z]{2}\.\d{2})?)(?:\.xsd)?(?::[^/]*)?$/;

/**
 * The versions each message type is read in (`<variant>.<version>`, inclusive ranges of the
 * version): the element paths the mappings read are the same across them. A national guideline
 * (`.ch.02`) restricts its base version and is read as that version.
 */
export const ISO20022_SUPPORTED_VERSIONS: Readonly<
  Record<string, readonly { variant: string; from: number; to: number }[]>
> = {
  'pain.002': [
    { variant: '001', from: 3, to: 14 },
    // German DK / EPC SEPA variant of pain.002.001.03.
    { variant: '003', from: 3, to: 3 },
  ],
  'camt.053': [{ variant: '001', from: 2, to: 14 }],
  'camt.054': [{ variant: '001', from: 2, to: 14 }],
};

/** The business application header (head.001) beside a `<Document>` in a business message envelope. */
export const ISO20022_APP_HEADER = 'AppHdr';

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
