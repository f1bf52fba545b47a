import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceEventMeta } from '@exhub/core';
import { MappingRegistry } from '@exhub/mapping';
import { loadPolicyFile, PolicyScorer } from '@exhub/prioritization';
import { runPipeline } from '../../apps/hub/src/pipeline/runner';
import { parsePayload } from '../../apps/hub/src/pipeline/stages/parse';
import { Iso20022WebhookConnector } from './iso20022.connector';

/**
 * Real ISO 20022 files from public, permissively licensed projects (fixtures/corpus/SOURCES.md),
 * run as the hub runs a bank file: the connector parses it at ingress (type, message id,
 * version check), the pipeline parses the same bytes again, every mapping of the message type
 * maps it and the pipeline assembles and validates each exception. The expectations are written
 * from what each file means for a treasury or AP team, not from what the mappings happen to do.
 */
interface Expected {
  type: string;
  amount?: { value: string; currency: string };
  reasonCode?: string;
  breakKind?: string;
}

const CORPUS: { file: string; objectType: string; meaning: string; expect: Expected[] }[] = [
  {
    file: 'pain.002.001.03.ch.02-accepted.sepa_file_parser.xml',
    objectType: 'pain.002',
    meaning:
      'Swiss SPS 2009 status report (SIX namespace URL): the whole run accepted (ACTC) — nothing to do',
    expect: [],
  },
  {
    file: 'pain.002.001.10-direct-debit-rejected.sepa_file_parser.xml',
    objectType: 'pain.002',
    meaning:
      'a collection of EUR 6543.14 rejected by the debtor bank for an invalid account (AC01): money we will not receive',
    expect: [
      {
        type: 'payment_failure',
        amount: { value: '6543.14', currency: 'EUR' },
        reasonCode: 'AC01',
      },
    ],
  },
  {
    file: 'pain.002.001.03-direct-debit-rejected.sepa_file_parser.xml',
    objectType: 'pain.002',
    meaning: 'the same rejection (AC01, EUR 6543.14) in the 2009 pain.002.001.03 shape',
    expect: [
      {
        type: 'payment_failure',
        amount: { value: '6543.14', currency: 'EUR' },
        reasonCode: 'AC01',
      },
    ],
  },
  {
    file: 'camt.053.001.02-referenced-credit.genkgo-camt.xml',
    objectType: 'camt.053',
    meaning:
      'a statement with one booked credit of EUR 8.85 carrying a structured creditor reference (SCOR): reconciliation can match it, no break',
    expect: [],
  },
  {
    file: 'camt.054.001.08-referenced-batch-booking.genkgo-camt.xml',
    objectType: 'camt.054',
    meaning:
      'a batch debit booking of three credit transfers, each with its end-to-end id and remittance information: every transaction can be matched, no break',
    expect: [],
  },
];

const dir = join(__dirname, 'fixtures/corpus');
const meta = (objectType: string): SourceEventMeta => ({
  eventId: '00000000-0000-4000-8000-000000000000',
  correlationId: 'corpus',
  connectorId: 'iso20022',
  system: 'iso20022',
  objectType,
  receivedAt: '2026-06-01T00:00:00Z',
  contentType: 'application/xml',
});

describe('ISO 20022 real-sample corpus, through connector, pipeline parse, mappings and assembly', () => {
  let registry: MappingRegistry;
  let scorer: PolicyScorer;
  const connector = new Iso20022WebhookConnector({ id: 'iso20022', secrets: ['x'.repeat(32)] });

  beforeAll(async () => {
    const root = join(__dirname, '../..');
    registry = await MappingRegistry.loadDir(join(root, 'mappings'));
    scorer = new PolicyScorer(loadPolicyFile(join(root, 'policies/priority.yaml')));
  });

  it.each(CORPUS)('$file: $meaning', async ({ file, objectType, expect: expected }) => {
    const raw = readFileSync(join(dir, file));
    const parsed = connector.parse({ rawBody: raw, headers: {}, now: 0 });
    expect(parsed.objectType).toBe(objectType);
    const payload = parsePayload(meta(objectType), raw);
    expect(payload).toEqual(parsed.payload);
    // The pipeline's own stages, dry (as the mapping dry run): parse, map, assemble, score,
    // validate, every schema issue collected.
    const run = await runPipeline(
      { mappings: registry, scorer, connectorVersion: 'corpus' },
      { meta: meta(objectType), body: raw },
      { now: new Date(0), stopAfter: 'validate', allIssues: true },
    );
    expect(run.issues).toEqual([]);
    const { exceptions } = run;
    expect(
      exceptions.map((e) => ({
        type: e.type,
        ...(e.amount && { amount: e.amount }),
        ...(e.signals?.reasonCode !== undefined && { reasonCode: e.signals.reasonCode }),
        ...(e.signals?.breakKind !== undefined && { breakKind: e.signals.breakKind }),
      })),
    ).toEqual(expected);
  });

  it('keeps a SOURCES.md entry for every sample', () => {
    const sources = readFileSync(join(dir, 'SOURCES.md'), 'utf8');
    for (const { file } of CORPUS) expect(sources).toContain(file);
  });
});
