import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePayload } from '@exhub/pipeline';
import type { SourceEventMeta } from '@exhub/core';
import { parseXml } from '@exhub/connector-sdk';
import { Iso20022WebhookConnector } from './iso20022.connector';

/**
 * The golden cases in mappings/iso20022 read the fixtures as JSON (fixtures/parsed/), because the
 * case runner reads JSON and YAML only. These tests keep those files exactly what the hub's XML
 * parser makes of the .xml, at ingress and in the pipeline alike.
 */
const dir = join(__dirname, 'fixtures');
const xmlFixtures = readdirSync(dir).filter((f) => f.endsWith('.xml'));

const meta = (contentType: string): SourceEventMeta => ({
  eventId: 'e',
  correlationId: 'c',
  connectorId: 'iso20022',
  system: 'iso20022',
  objectType: 'pain.002',
  receivedAt: '2026-05-14T00:00:00Z',
  contentType,
});

describe('ISO 20022 fixtures', () => {
  it('there are fixtures for every message type', () => {
    expect(xmlFixtures.map((f) => f.split('-')[0]).sort()).toEqual(
      expect.arrayContaining(['camt.053', 'camt.054', 'pain.002']),
    );
  });

  it.each(xmlFixtures)('parsed/%s.json is what the parser makes of it', (file) => {
    const raw = readFileSync(join(dir, file));
    const parsed = JSON.parse(
      readFileSync(join(dir, 'parsed', file.replace(/\.xml$/, '.json')), 'utf8'),
    ) as unknown;
    expect(parseXml(raw)).toEqual(parsed);
  });

  it.each(xmlFixtures)('the pipeline parses %s exactly as the connector did', (file) => {
    const raw = readFileSync(join(dir, file));
    const connector = new Iso20022WebhookConnector({ id: 'iso20022', secrets: ['x'.repeat(16)] });
    const atIngress = connector.parse({ rawBody: raw, headers: {}, now: 0 }).payload;
    expect(parsePayload(meta('application/xml'), raw)).toEqual(atIngress);
    expect(parsePayload(meta('text/xml; charset=utf-8'), raw)).toEqual(atIngress);
  });

  it('the pipeline dead-letters an XML body with a DOCTYPE (stage parse)', () => {
    expect(() =>
      parsePayload(
        meta('application/xml'),
        Buffer.from('<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'),
      ),
    ).toThrow(expect.objectContaining({ stage: 'parse', errorClass: 'INVALID_PAYLOAD' }));
  });
});
