import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { runWebhookContract } from '../../libs/connector-sdk/testing';
import { InvalidPayloadError } from '@exhub/core';
import {
  HMAC_DEFAULT_TOLERANCE_SECONDS,
  HmacSignatureError,
  signHmacPayload,
} from '@exhub/connector-sdk';
import type { WebhookRequest } from '@exhub/connector-sdk';
import { parseXml } from '@exhub/connector-sdk';
import schema from './iso20022.config.schema.json';
import { Iso20022WebhookConnector } from './iso20022.connector';
import { MS_PER_SECOND } from '@exhub/core';

const SECRET = 'iso20022-connector-spec-secret-0123';
const T = 1_779_783_019;
const fixture = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', name));

function request(rawBody: Buffer, secret = SECRET): WebhookRequest {
  return {
    rawBody,
    headers: {
      'content-type': 'application/xml',
      'x-exhub-signature': signHmacPayload(rawBody, secret, T),
    },
    now: T * 1000,
  };
}

const connector = new Iso20022WebhookConnector({ id: 'bank-emea', secrets: [SECRET] });

const NEXT_SECRET = 'iso20022-connector-spec-next-secret-4567';

runWebhookContract('iso20022', () => ({
  connector: new Iso20022WebhookConnector({ id: 'bank-emea', secrets: [SECRET, NEXT_SECRET] }),
  secrets: [SECRET, NEXT_SECRET],
  toleranceSeconds: HMAC_DEFAULT_TOLERANCE_SECONDS,
  validBody: fixture('pain.002-rejected-file.xml'),
  sign: (rawBody, secret, now) => ({
    'content-type': 'application/xml',
    'x-exhub-signature': signHmacPayload(rawBody, secret, Math.floor(now / MS_PER_SECOND)),
  }),
  signatureHeader: 'x-exhub-signature',
  expected: {
    objectType: 'pain.002',
    sourceEventId: `STS-20260519-000955#${digestOf(fixture('pain.002-rejected-file.xml'))}`,
  },
  malformedBody: Buffer.from('<Document><CstmrPmtStsRpt>'),
  invalidBody: { body: Buffer.from('<Envelope><Body/></Envelope>'), pointer: '/Document' },
}));

/** The content digest the connector appends to MsgId (see iso20022.message.ts). */
function digestOf(body: Buffer): string {
  return createHash('sha256')
    .update(JSON.stringify(parseXml(body)))
    .digest('hex')
    .slice(0, 16);
}

function parseFailure(body: string): InvalidPayloadError {
  try {
    connector.parse(request(Buffer.from(body)));
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPayloadError);
    return err as InvalidPayloadError;
  }
  throw new Error('expected an InvalidPayloadError, got none');
}

const pain002 = (root = 'CstmrPmtStsRpt', ns = 'pain.002.001.10', msgId = '<MsgId>M-1</MsgId>') =>
  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:${ns}"><${root}><GrpHdr>${msgId}</GrpHdr></${root}></Document>`;

describe('Iso20022WebhookConnector', () => {
  it('identifies itself and accepts XML content types only', () => {
    expect(connector.id).toBe('bank-emea');
    expect(connector.system).toBe('iso20022');
    expect(connector.contentTypes).toEqual(['application/xml', 'text/xml']);
    expect(connector.toleranceSeconds).toBe(HMAC_DEFAULT_TOLERANCE_SECONDS);
  });

  it.each([
    ['pain.002-partially-accepted.xml', 'pain.002', 'STS-20260514-000731', 'PAY-RUN-2026-05-14-01'],
    ['pain.002-accepted.xml', 'pain.002', 'STS-20260515-000802', 'PAY-RUN-2026-05-15-01'],
    ['pain.002-rejected-file.xml', 'pain.002', 'STS-20260519-000955', 'PAY-RUN-2026-05-19-01'],
    [
      'camt.054-returned-and-unmatched.xml',
      'camt.054',
      'NTF-20260516-004411',
      'NTF-20260516-004411',
    ],
    ['camt.053-statement.xml', 'camt.053', 'STMT-20260517-000093', 'STMT-20260517-000093'],
  ])('verifies and parses %s', (file, objectType, msgId, correlationId) => {
    const req = request(fixture(file));
    expect(() => connector.verify(req)).not.toThrow();
    expect(connector.parse(req)).toEqual({
      objectType,
      sourceEventId: expect.stringMatching(new RegExp(`^${msgId}#[0-9a-f]{16}$`)),
      correlationId,
      payload: parseXml(req.rawBody),
    });
  });

  it('accepts a namespace prefix and any version of the message', () => {
    const xml =
      '<p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><p:CstmrPmtStsRpt>' +
      '<p:GrpHdr><p:MsgId>OLD-1</p:MsgId></p:GrpHdr></p:CstmrPmtStsRpt></p:Document>';
    expect(connector.parse(request(Buffer.from(xml)))).toMatchObject({
      objectType: 'pain.002',
      sourceEventId: expect.stringMatching(/^OLD-1#/),
    });
  });

  describe('versions and national variants', () => {
    const doc = (ns: string, root = 'CstmrPmtStsRpt') =>
      `<Document xmlns="${ns}"><${root}><GrpHdr><MsgId>V-1</MsgId></GrpHdr></${root}></Document>`;
    it.each([
      ['urn:iso:std:iso:20022:tech:xsd:pain.002.001.03', 'CstmrPmtStsRpt', 'pain.002'],
      ['urn:iso:std:iso:20022:tech:xsd:pain.002.001.12', 'CstmrPmtStsRpt', 'pain.002'],
      // Swiss SPS 2009 guideline: SIX's own namespace URL.
      [
        'http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd',
        'CstmrPmtStsRpt',
        'pain.002',
      ],
      ['urn:iso:std:iso:20022:tech:xsd:pain.002.001.03.ch.02', 'CstmrPmtStsRpt', 'pain.002'],
      // German DK / EPC variant.
      ['urn:iso:std:iso:20022:tech:xsd:pain.002.003.03', 'CstmrPmtStsRpt', 'pain.002'],
      // Austrian APC (Stuzza) guideline: the message, then the scheme's own name.
      ['ISO:camt.053.001.02:APC:STUZZA:payments:003', 'BkToCstmrStmt', 'camt.053'],
      ['ISO:pain.002.001.03:APC:STUZZA:payments:003', 'CstmrPmtStsRpt', 'pain.002'],
      ['urn:iso:std:iso:20022:tech:xsd:camt.053.001.02', 'BkToCstmrStmt', 'camt.053'],
      ['urn:iso:std:iso:20022:tech:xsd:camt.053.001.14', 'BkToCstmrStmt', 'camt.053'],
      ['urn:iso:std:iso:20022:tech:xsd:camt.054.001.02', 'BkToCstmrDbtCdtNtfctn', 'camt.054'],
      ['urn:iso:std:iso:20022:tech:xsd:camt.054.001.08', 'BkToCstmrDbtCdtNtfctn', 'camt.054'],
    ])('reads %s', (ns, root, objectType) => {
      expect(connector.parse(request(Buffer.from(doc(ns, root))))).toMatchObject({ objectType });
    });

    it.each([
      [
        'urn:iso:std:iso:20022:tech:xsd:pain.002.001.02',
        'CstmrPmtStsRpt',
        'pain.002.001.03 to .14',
      ],
      ['urn:iso:std:iso:20022:tech:xsd:camt.053.001.15', 'BkToCstmrStmt', 'camt.053.001.02 to .14'],
      ['urn:iso:std:iso:20022:tech:xsd:pain.002.002.03', 'CstmrPmtStsRpt', 'pain.002.003.03'],
    ])('refuses %s, naming the namespace and the versions it reads', (ns, root, supported) => {
      const [issue] = parseFailure(doc(ns, root)).issues;
      expect(issue).toMatchObject({ pointer: '/Document/@xmlns', rule: 'version' });
      expect(issue.message).toContain(JSON.stringify(ns));
      expect(issue.message).toContain(supported);
    });
  });

  it('reads a business message: the Document beside its head.001 AppHdr in an envelope', () => {
    const xml =
      '<BizMsgEnvlp><AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">' +
      '<BizMsgIdr>B-1</BizMsgIdr><MsgDefIdr>camt.054.001.08</MsgDefIdr></AppHdr>' +
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>' +
      '<GrpHdr><MsgId>N-1</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn></Document></BizMsgEnvlp>';
    const parsed = connector.parse(request(Buffer.from(xml)));
    expect(parsed).toMatchObject({ objectType: 'camt.054', correlationId: 'N-1' });
    // What the mapping sees: the Document at the root, as for an unwrapped message.
    expect(parsed.payload).toMatchObject({
      AppHdr: { BizMsgIdr: 'B-1' },
      Document: { BkToCstmrDbtCdtNtfctn: { GrpHdr: { MsgId: 'N-1' } } },
    });
  });

  it('tells documents apart by content, not by MsgId alone', () => {
    const a = pain002(
      'CstmrPmtStsRpt',
      'pain.002.001.10',
      '<MsgId>M-1</MsgId><CreDtTm>1</CreDtTm>',
    );
    const b = pain002(
      'CstmrPmtStsRpt',
      'pain.002.001.10',
      '<MsgId>M-1</MsgId><CreDtTm>2</CreDtTm>',
    );
    const id = (xml: string) => connector.parse(request(Buffer.from(xml))).sourceEventId;
    expect(id(a)).not.toBe(id(b)); // a different document reusing the id: a new event
    expect(id(a)).toBe(id(a.replace('<GrpHdr>', '<GrpHdr>\n   '))); // the same one re-sent
    expect(id(a)).toMatch(/^M-1#/);
  });

  it('refuses a delivery signed with another secret', () => {
    const req = request(fixture('pain.002-accepted.xml'), 'not-the-configured-secret');
    expect(() => connector.verify(req)).toThrow(
      expect.objectContaining({ reason: 'signature_mismatch' }),
    );
  });

  it('refuses an unsigned delivery', () => {
    const req = { ...request(fixture('pain.002-accepted.xml')), headers: {} };
    expect(() => connector.verify(req)).toThrow(HmacSignatureError);
  });

  describe('parse', () => {
    it('refuses an XXE payload, naming the DOCTYPE, and resolves nothing', () => {
      const err = parseFailure(
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
          pain002('CstmrPmtStsRpt', 'pain.002.001.10', '<MsgId>&x;</MsgId>'),
      );
      expect(err.issues[0].rule).toBe('xml_declaration');
      expect(err.message).toMatch(
        /connector 'bank-emea': .*<!DOCTYPE declaration, which is refused/,
      );
      expect(err.message).not.toContain('root:');
    });

    it('names a root element that is not <Document>', () => {
      expect(parseFailure('<Envelope><Body/></Envelope>').issues).toEqual([
        {
          pointer: '/Document',
          rule: 'required',
          message: expect.stringContaining('got <Envelope>'),
        },
      ]);
    });

    it('names an unsupported message type and lists the supported ones', () => {
      const err = parseFailure(pain002('FIToFIPmtStsRpt', 'pacs.002.001.10'));
      expect(err.issues[0]).toMatchObject({ pointer: '/Document', rule: 'message_type' });
      expect(err.message).toContain('pain.002 (CstmrPmtStsRpt), camt.054 (BkToCstmrDbtCdtNtfctn)');
    });

    it('refuses a namespace that contradicts the root element', () => {
      expect(parseFailure(pain002('CstmrPmtStsRpt', 'camt.054.001.08')).issues).toEqual([
        {
          pointer: '/Document/@xmlns',
          rule: 'namespace',
          message: expect.stringContaining('pain.002'),
        },
      ]);
    });

    it('requires GrpHdr/MsgId (Max35Text)', () => {
      expect(
        parseFailure(pain002('CstmrPmtStsRpt', 'pain.002.001.10', '')).issues[0],
      ).toMatchObject({ pointer: '/Document/CstmrPmtStsRpt/GrpHdr/MsgId', rule: 'required' });
      const long = `<MsgId>${'X'.repeat(36)}</MsgId>`;
      expect(parseFailure(pain002('CstmrPmtStsRpt', 'pain.002.001.10', long)).issues[0].rule).toBe(
        'maxLength',
      );
    });

    it('names malformed XML', () => {
      expect(parseFailure('<Document><CstmrPmtStsRpt></Document>').issues[0].rule).toBe('xml');
    });
  });

  it('does not show its secrets when printed or serialised', () => {
    for (const text of [
      inspect(connector, { showHidden: true, depth: null }),
      JSON.stringify(connector),
    ]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it.each([
    [[], /secrets is empty/],
    [[''], /secrets\[0\] is empty/],
    [['${ISO20022_WEBHOOK_SECRET}'], /unresolved reference \$\{ISO20022_WEBHOOK_SECRET\}/],
  ])('refuses secrets %j with a message naming the fix', (secrets, message) => {
    expect(() => new Iso20022WebhookConnector({ id: 'x', secrets })).toThrow(message);
  });

  it('refuses a toleranceSeconds that is not a whole number ≥ 1', () => {
    expect(
      () => new Iso20022WebhookConnector({ id: 'x', secrets: [SECRET], toleranceSeconds: 0 }),
    ).toThrow(/toleranceSeconds must be a whole number/);
  });
});

describe('iso20022.config.schema.json', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  const validate = ajv.compile(schema);

  it('documents the same default tolerance as the code', () => {
    expect(schema.properties.toleranceSeconds.default).toBe(HMAC_DEFAULT_TOLERANCE_SECONDS);
  });

  it('accepts the settings of every iso20022 instance in the shipped exhub.config.yaml', () => {
    const shipped = parseYaml(readFileSync(join(__dirname, '../../exhub.config.yaml'), 'utf8')) as {
      connectors: { type: string; settings?: unknown }[];
    };
    const instances = shipped.connectors.filter((c) => c.type === 'iso20022');
    expect(instances.length).toBeGreaterThan(0);
    for (const instance of instances) expect(validate(instance.settings)).toBe(true);
  });

  it('accepts its own examples', () => {
    for (const example of schema.examples) expect(validate(example)).toBe(true);
  });

  it.each([
    ['no secrets', {}],
    ['an empty secrets list', { secrets: [] }],
    ['a short literal secret', { secrets: ['short'] }],
    ['a tolerance of zero', { secrets: ['${ISO20022_WEBHOOK_SECRET}'], toleranceSeconds: 0 }],
    ['a misspelt field', { secrets: ['${ISO20022_WEBHOOK_SECRET}'], tolerance: 300 }],
  ])('rejects %s', (_name, config) => {
    expect(validate(config)).toBe(false);
  });
});
