import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceEventMeta } from '@exhub/core';
import { MappingRegistry } from '@exhub/mapping';
import { loadPolicyFile, PolicyScorer } from '@exhub/prioritization';
import { runPipeline } from '@exhub/pipeline';
import { parsePayload } from '@exhub/pipeline';
import { Iso20022WebhookConnector } from './iso20022.connector';
import { corpusView, ISO20022_CORPUS, sortedViews } from './testing';

/**
 * Real ISO 20022 files from public, permissively licensed projects (fixtures/corpus/SOURCES.md),
 * run as the hub runs a bank file: the connector parses it at ingress (type, message id,
 * version check), the pipeline parses the same bytes again, every mapping of the message type
 * maps it and the pipeline assembles and validates each exception. The expectations
 * (testing/corpus.ts, shared with the end-to-end run) are written from what each file means for
 * a treasury or AP team, not from what the mappings happen to do.
 */
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
    // What a file means is checked here; the time budgets are the mapping engine's own tests'
    // business, and a loaded shared CI machine must not turn a slow evaluation into a failure.
    registry = await MappingRegistry.loadDir(join(root, 'mappings'), {
      limits: { expressionTimeoutMs: 5_000, mappingTimeoutMs: 20_000 },
    });
    scorer = new PolicyScorer(loadPolicyFile(join(root, 'policies/priority.yaml')));
  });

  it.each(ISO20022_CORPUS)('$file: $meaning', async (sample) => {
    const { file, objectType } = sample;
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
    // Nothing refused or lost on the way: every exception and every lifecycle result is valid.
    expect(run.issues).toEqual([]);
    expect(run.signalIssues).toEqual([]);
    // Everything the mappings produced is either an exception or a lifecycle result.
    expect(run.exceptions.length + run.signals.length).toBe(run.mapped.length);
    expect(sortedViews(run.exceptions.map(corpusView))).toEqual(sortedViews(sample.expect));
    // Two exceptions of one file never share a natural key (one would overwrite the other).
    const keys = run.exceptions.map((e) => `${e.type} ${e.source.objectId}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of run.exceptions) expect(e.status).toBe('open');
    expect(run.signals).toHaveLength(sample.resolves ?? 0);
  });

  it('keeps one table entry and one SOURCES.md row for every sample file', () => {
    const sources = readFileSync(join(dir, 'SOURCES.md'), 'utf8');
    const files = readdirSync(dir).filter((f) => f.endsWith('.xml'));
    expect(ISO20022_CORPUS.map((s) => s.file).sort()).toEqual(files.sort());
    for (const file of files) expect(sources).toContain(`| ${file} |`);
  });
});
