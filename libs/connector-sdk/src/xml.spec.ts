import * as fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidPayloadError } from '@exhub/core';
import { isXmlContentType, parseXml, XML_MAX_DEPTH } from './xml';

function refusal(body: string, maxBytes?: number): InvalidPayloadError {
  try {
    parseXml(Buffer.from(body), { stage: 'ingress', where: "connector 'bank'", maxBytes });
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPayloadError);
    return err as InvalidPayloadError;
  }
  throw new Error('expected an InvalidPayloadError, got none');
}

describe('parseXml', () => {
  it('keeps attributes as @_name beside #text, so $ccyAmount reads Ccy', () => {
    expect(parseXml('<Document><Amt Ccy="EUR">12.50</Amt></Document>')).toEqual({
      Document: { Amt: { '#text': '12.50', '@_Ccy': 'EUR' } },
    });
  });

  it('keeps every value as the exact text (no numbers, no booleans, leading zeros kept)', () => {
    expect(parseXml('<a><Id>00123</Id><N>1e3</N><B>true</B></a>')).toEqual({
      a: { Id: '00123', N: '1e3', B: 'true' },
    });
  });

  it('always parses repeating elements as arrays, even with one occurrence', () => {
    const one = parseXml('<r><TxInfAndSts><Id>1</Id></TxInfAndSts><Ntry><A>x</A></Ntry></r>');
    expect(one).toEqual({ r: { TxInfAndSts: [{ Id: '1' }], Ntry: [{ A: 'x' }] } });
    const two = parseXml(
      '<r><TxInfAndSts><Id>1</Id></TxInfAndSts><TxInfAndSts><Id>2</Id></TxInfAndSts></r>',
    );
    expect(two).toEqual({ r: { TxInfAndSts: [{ Id: '1' }, { Id: '2' }] } });
  });

  it('drops namespace prefixes from element names but keeps the xmlns attribute', () => {
    const xml =
      '<ns2:Document xmlns:ns2="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">' +
      '<ns2:CstmrPmtStsRpt><ns2:GrpHdr><ns2:MsgId>M1</ns2:MsgId></ns2:GrpHdr></ns2:CstmrPmtStsRpt>' +
      '</ns2:Document>';
    expect(parseXml(xml)).toEqual({
      Document: {
        '@_xmlns:ns2': 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10',
        CstmrPmtStsRpt: { GrpHdr: { MsgId: 'M1' } },
      },
    });
  });

  it('decodes the predefined entities and character references, and nothing else', () => {
    expect(
      parseXml('<a n="&quot;x&quot;">Bauer &amp; S&#246;hne &#x3c;GmbH&gt; &custom;</a>'),
    ).toEqual({
      a: { '#text': 'Bauer & Söhne <GmbH> &custom;', '@_n': '"x"' },
    });
  });

  it('accepts a UTF-8 byte order mark and an XML declaration', () => {
    expect(parseXml('\uFEFF<?xml version="1.0" encoding="UTF-8"?><a>1</a>')).toEqual({ a: '1' });
  });

  describe('refuses, naming the problem', () => {
    let dir: string;
    const MARKER = 'TOP-SECRET-MARKER-4711';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'exhub-xxe-'));
      writeFileSync(join(dir, 'secret.txt'), MARKER);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('an external entity (XXE): refused before parsing, no file is read', () => {
      const readFile = jest.spyOn(fs, 'readFileSync');
      const open = jest.spyOn(fs, 'openSync');
      const xxe =
        `<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://${join(dir, 'secret.txt')}">]>` +
        '<Document><CstmrPmtStsRpt><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></CstmrPmtStsRpt></Document>';
      const err = refusal(xxe);
      expect(readFile).not.toHaveBeenCalled();
      expect(open).not.toHaveBeenCalled();
      readFile.mockRestore();
      open.mockRestore();
      expect(err.stage).toBe('ingress');
      expect(err.issues).toEqual([
        { pointer: '', rule: 'xml_declaration', message: expect.stringContaining('<!DOCTYPE') },
      ]);
      expect(err.message).toContain("connector 'bank'");
      expect(JSON.stringify(err)).not.toContain(MARKER);
      expect(err.message).not.toContain(MARKER);
    });

    it('entity expansion (billion laughs): refused at once, nothing expanded', () => {
      const entities = ['<!ENTITY lol "lol">'];
      for (let i = 1; i <= 9; i++) {
        entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
      }
      const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [${entities.join('')}]><lolz>&lol9;</lolz>`;
      const started = Date.now();
      const err = refusal(bomb);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(err.issues[0].rule).toBe('xml_declaration');
      expect(err.message.length).toBeLessThan(1000);
    });

    it('an ENTITY declaration even without a DOCTYPE around it, in any case', () => {
      expect(refusal('<a><!entity x "y"></a>').issues[0]).toMatchObject({
        rule: 'xml_declaration',
        message: expect.stringContaining('<!ENTITY'),
      });
    });

    it('a body over the size limit', () => {
      expect(refusal(`<a>${'x'.repeat(2000)}</a>`, 1024).issues[0]).toMatchObject({
        rule: 'size',
        message: expect.stringMatching(/2007 bytes; at most 1024/),
      });
    });

    it('a declared encoding other than UTF-8', () => {
      expect(refusal('<?xml version="1.0" encoding="ISO-8859-1"?><a/>').issues[0]).toMatchObject({
        rule: 'encoding',
      });
    });

    it('XML that is not well-formed, with line and column', () => {
      const err = refusal('<a>\n  <b>text</c>\n</a>');
      expect(err.issues[0].rule).toBe('xml');
      expect(err.issues[0].message).toMatch(/not well-formed XML: .*line 2/);
    });

    it('a syntax error without quoting the text where it is (a reason must not copy content)', () => {
      const secret = 'root:x:0:0:root:/root:/bin/bash';
      for (const body of [secret, `<a>${secret}\n<b`, `<a><b>${secret}</a>`]) {
        const err = refusal(body);
        expect(err.issues[0].rule).toBe('xml');
        expect(err.message).not.toContain('root:x');
        expect(err.issues[0].message).not.toContain('root:x');
      }
    });

    it('JSON sent as XML', () => {
      expect(refusal('{"a": 1}').issues[0].rule).toBe('xml');
    });

    it(`nesting deeper than ${XML_MAX_DEPTH} elements`, () => {
      const depth = XML_MAX_DEPTH + 5;
      const deep = '<a>'.repeat(depth) + 'x' + '</a>'.repeat(depth);
      expect(refusal(deep).issues[0].rule).toBe('xml');
    });
  });
});

describe('isXmlContentType', () => {
  it.each([
    ['application/xml', true],
    ['text/xml; charset=utf-8', true],
    ['Application/XML', true],
    ['application/soap+xml', true],
    ['application/json', false],
    ['application/xml-dtd', false],
    [undefined, false],
  ])('%s → %s', (type, expected) => {
    expect(isXmlContentType(type)).toBe(expected);
  });
});
