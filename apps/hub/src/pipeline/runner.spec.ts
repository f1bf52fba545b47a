import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { CanonicalException } from '@exhub/canonical';
import type { Connector } from '@exhub/connector-sdk';
import type { SourceEventMeta } from '@exhub/core';
import { MappingRegistry } from '@exhub/mapping';
import { PolicyScorer, parsePolicy, type ShadowNote } from '@exhub/prioritization';
import { openStore, type ExceptionStore } from '@exhub/store';
import { ContextEngine } from '../context/rescore';
import { EnrichmentService } from '../context/enrichment.service';
import { runPipeline, type PipelineDeps } from '@exhub/pipeline';

const REPO = join(__dirname, '../../../..');
const POLICY = join(REPO, 'policies/priority.yaml');
const NOW = new Date('2026-05-04T10:00:00Z');

/** An urgent Zendesk ticket of account 361234 (the account tier comes from the CRM lookup). */
const ticket = {
  ticket_id: '5001',
  ticket_title: 'Checkout down',
  ticket_status: 'Open',
  ticket_priority: 'Urgent',
  organization_id: '361234',
  organization_name: 'Initech GmbH',
  created_at: 'May 4, 2026',
  updated_at_with_timestamp: '2026-05-04T09:00:00Z',
  tags: '',
  link: 'https://acme.zendesk.com/agent/tickets/5001',
};
const meta: SourceEventMeta = {
  eventId: 'ev-1',
  correlationId: 'corr-1',
  connectorId: 'zendesk',
  system: 'zendesk',
  objectType: 'ticket_webhook',
  receivedAt: NOW.toISOString(),
  contentType: 'application/json',
};

describe('runPipeline: every exception is scored once', () => {
  let store: ExceptionStore;
  let deps: PipelineDeps;
  let scores: number;
  let shadows: ShadowNote[];
  let published: CanonicalException[];

  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    // The repository's policy with its model in shadow mode: every score records a shadow note.
    const text = readFileSync(POLICY, 'utf8').replace(/^ {2}mode: off$/m, '  mode: shadow');
    shadows = [];
    const scorer = new PolicyScorer(parsePolicy(text, POLICY), {
      onShadow: (n) => shadows.push(n),
    });
    scores = 0;
    // The drift monitor's hook (apps/hub/src/priority/priority-monitor.service.ts).
    scorer.observe(() => scores++);
    const crm: Pick<Connector, 'lookup' | 'breakerState'> = {
      breakerState: () => 'closed',
      lookup: async () => ({ tier: 'strategic', renewalDate: '2026-05-30' }),
    };
    const engine = new ContextEngine({
      scorer,
      store,
      enrichment: new EnrichmentService({
        config: { account: 'crm', cacheTtlSeconds: 0 },
        connector: (id) => (id === 'crm' ? crm : undefined),
        facts: store,
      }),
      publish: async () => undefined,
      logger: pino({ level: 'silent' }),
      now: () => NOW,
    });
    published = [];
    deps = {
      mappings: await MappingRegistry.loadDir(join(REPO, 'mappings')),
      scorer,
      connectorVersion: 'test',
      context: engine,
      persist: async (e) => (await store.upsertException(e, { actor: 'test' })).exception,
      publish: async (e) => void published.push(e),
    };
  });
  afterAll(() => store.close());

  it('fires the drift listener and the shadow hook once per exception, with its context', async () => {
    const run = await runPipeline(
      deps,
      { meta, body: Buffer.from(JSON.stringify(ticket)) },
      { now: NOW },
    );
    // One exception (escalation: urgent), with nothing related open: no re-score follows.
    expect(run.exceptions).toHaveLength(1);
    expect(published.map((e) => e.id).sort()).toEqual(run.exceptions.map((e) => e.id).sort());
    expect(scores).toBe(run.exceptions.length);
    expect(shadows).toHaveLength(run.exceptions.length);
    for (const e of run.exceptions) {
      expect(e.priority.factors.map((f) => f.code)).toContain('context:account');
      expect(shadows.map((s) => s.policyTier)).toContain(e.priority.tier);
    }
  });

  it('a dry run stops before persist and publish, scoring each exception once as well', async () => {
    const before = { scores, shadows: shadows.length, published: published.length };
    const run = await runPipeline(
      deps,
      { meta, payload: { ...ticket, ticket_id: '5002' } },
      { now: NOW, stopAfter: 'validate' },
    );
    expect(run.exceptions).toHaveLength(1);
    expect(run.published).toEqual([]);
    expect(published).toHaveLength(before.published);
    expect(await store.getException(run.exceptions[0].id)).toBeUndefined();
    expect(scores - before.scores).toBe(1);
    expect(shadows.length - before.shadows).toBe(1);
  });
});
