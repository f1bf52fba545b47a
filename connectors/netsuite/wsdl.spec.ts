import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

/**
 * The client and the simulator are built from wsdl/netsuite-vendor-bills.wsdl, written for this
 * project because NetSuite's WSDL imports its XSDs from the network. These tests hold the subset
 * to NetSuite's own 2015_1 WSDL for everything the two share, and to "never fetched".
 */
type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  isArray: (name) => ['operation', 'message', 'part', 'header', 'fault', 'import'].includes(name),
});
const load = (f: string): Node =>
  (parser.parse(readFileSync(join(__dirname, 'wsdl', f), 'utf8')) as { definitions: Node })
    .definitions;
const real = load('suitetalk-2015_1.wsdl');
const subset = load('netsuite-vendor-bills.wsdl');
const OPERATIONS = ['search', 'searchMoreWithId', 'getServerTime'];

const binding = (d: Node) => d.binding as { name: string; type: string; operation: Node[] };
const op = (d: Node, name: string) => binding(d).operation.find((o) => o.name === name) as Node;
const message = (d: Node, name: string) =>
  (d.message as Node[]).find((m) => m.name === name) as { part: Node[] };

describe('the local SuiteTalk WSDL subset', () => {
  it('declares the same namespace, service, port and binding as NetSuite 2015_1', () => {
    expect(subset.targetNamespace).toBe(real.targetNamespace);
    expect(subset.service).toEqual(real.service);
    expect({ ...binding(subset), operation: undefined }).toEqual({
      ...binding(real),
      operation: undefined,
    });
  });

  it.each(OPERATIONS)('%s has the SOAP action, body element and faults of the real one', (name) => {
    expect(op(subset, name).operation).toEqual(op(real, name).operation);
    for (const dir of ['Request', 'Response']) {
      expect(message(subset, `${name}${dir}`).part).toEqual(message(real, `${name}${dir}`).part);
    }
    const faults = (d: Node) => ((op(d, name).fault as Node[]) ?? []).map((f) => f.name);
    expect(faults(real)).toEqual(expect.arrayContaining(faults(subset)));
  });

  it('imports nothing: no schemaLocation, so `soap` never fetches a schema', () => {
    const text = readFileSync(join(__dirname, 'wsdl', 'netsuite-vendor-bills.wsdl'), 'utf8');
    expect(text).not.toMatch(/schemaLocation|<(?:\w+:)?(?:import|include)\b/);
    // …while the real one would fetch about forty.
    expect(
      readFileSync(join(__dirname, 'wsdl', 'suitetalk-2015_1.wsdl'), 'utf8').match(
        /schemaLocation="https:/g,
      )!.length,
    ).toBeGreaterThan(30);
  });
});
