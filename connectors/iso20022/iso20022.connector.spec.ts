import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { runWebhookContract } from '../../libs/connector-sdk/src/contract-kit';
import { InvalidPayloadError } from '../../libs/connector-sdk/src/errors';
import {
  HMAC_DEFAULT_TOLERANCE_SECONDS,
  HmacSignatureError,
  signHmacPayload,
} from '../../libs/connector-sdk/src/hmac-signature';
import type { WebhookRequest } from '../../libs/connector-sdk/src/webhook';
import { parseXml } from '../../libs/connector-sdk/src/xml';
import schema from './iso20022.config.schema.json';
import { Iso20022WebhookConnector } from './iso20022.connector';

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
const MS_PER_SECOND = 1000;

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
  expected: { objectType: 'pain.002', sourceEventId: 'STS-20260519-000955' },
  malformedBody: Buffer.from('<Document><CstmrPmtStsRpt>'),
  invalidBody: { body: Buffer.from('<Envelope><Body/></Envelope>'), pointer: '/Document' },
}));

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
      sourceEventId: msgId,
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
      sourceEventId: 'OLD-1',
    });
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
