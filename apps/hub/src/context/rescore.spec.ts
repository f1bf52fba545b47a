import { join } from 'node:path';
import pino from 'pino';
import type { CanonicalException } from '@exhub/canonical';
import { exceptionId, validateCanonicalException } from '@exhub/canonical';
import type { Connector } from '@exhub/connector-sdk';
import { TransientError } from '@exhub/core';
import { PolicyScorer, loadPolicyFile, pointTotals } from '@exhub/prioritization';
import { openStore, type ExceptionStore } from '@exhub/store';
import { sampleException } from '../../../../libs/store/testing/sample-exception';
import { EnrichmentService } from './enrichment.service';
import { MAX_BACKLINK_FANOUT } from './context.constants';
import { ContextEngine, missingKindsOf } from './rescore';

const scorer = new PolicyScorer(
  loadPolicyFile(join(__dirname, '../../../../policies/priority.yaml')),
);
const NOW = new Date('2026-05-04T10:00:00Z');

const ID = Object.fromEntries(
  ['t-1', 't-2', 't-3'].map((t) => [
    t,
    exceptionId({ system: 'zendesk', objectType: 'ticket', objectId: t, type: 'sla_breach_risk' }),
  ]),
);

/** A support ticket of account acc_1 (support exceptions need the account's tier). */
function ticket(t: string, extra: Partial<CanonicalException> = {}): CanonicalException {
  const base = sampleException({ id: ID[t], score: 0, domain: 'support', type: 'sla_breach_risk' });
  return {
    ...base,
    parties: [{ role: 'account', id: 'acc_1' }],
    references: { ticket: `T-${t}` },
    ...extra,
  };
}

describe('ContextEngine', () => {
  let store: ExceptionStore;
  let crmUp: boolean;
  let published: CanonicalException[];
  let engine: ContextEngine;

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    crmUp = true;
    published = [];
    const crm: Pick<Connector, 'lookup' | 'breakerState'> = {
      breakerState: () => 'closed',
      lookup: async () => {
        if (!crmUp) throw new TransientError('enrich', 'connect ECONNREFUSED 127.0.0.1:4020');
        return { tier: 'strategic', renewalDate: '2026-05-30' };
      },
    };
    const enrichment = new EnrichmentService({
      config: { account: 'crm', cacheTtlSeconds: 0 },
      connector: (id) => (id === 'crm' ? crm : undefined),
      facts: store,
    });
    engine = new ContextEngine({
      scorer,
      store,
      enrichment,
      publish: async (e) => {
        published.push(e);
      },
      logger: pino({ level: 'silent' }),
      now: () => NOW,
    });
  });
  afterEach(() => store.close());

  it('scores with the looked-up account context and keeps the factors adding up', async () => {
    const e = await engine.prepare(ticket('t-1'), NOW);
    expect(validateCanonicalException(e).ok).toBe(true);
    expect(e.priority.degraded).toBe(false);
    expect(e.priority.factors).toContainEqual({
      code: 'context:account',
      points: 0,
      detail: 'Account acc_1 from crm: tier strategic, renewal 2026-05-30.',
    });
    const plain = scorer.score({ domain: 'support', type: 'sla_breach_risk' }, NOW);
    expect(e.priority.score).toBeGreaterThan(plain.score);
    const totals = pointTotals(e.priority);
    expect(totals.factors).toBe(totals.score);
  });

  it('marks the score degraded, saying what is missing and why, when the lookup fails', async () => {
    crmUp = false;
    const e = await engine.prepare(ticket('t-1'), NOW);
    expect(validateCanonicalException(e).ok).toBe(true);
    expect(e.priority.degraded).toBe(true);
    expect(missingKindsOf(e)).toEqual(['account']);
    expect(e.priority.factors.find((f) => f.code === 'context_missing:account')?.detail).toBe(
      "No account context for acc_1: connector 'crm' failed (TRANSIENT: connect ECONNREFUSED 127.0.0.1:4020). Scored without it; re-scored when 'crm' answers again.",
    );
  });

  it('re-scores degraded exceptions once the connector answers, and only then', async () => {
    crmUp = false;
    await store.upsertException(await engine.prepare(ticket('t-1'), NOW), { actor: 'pipeline' });
    expect(await engine.recheckDegraded()).toBe(0);
    expect(published).toEqual([]);

    crmUp = true;
    expect(await engine.recheckDegraded()).toBe(1);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ id: ID['t-1'], version: 2 });
    expect(published[0].priority.degraded).toBe(false);
    const audit = await store.auditTrail({ exceptionId: ID['t-1'] });
    expect(audit.map((a) => [a.actor, a.action])).toEqual([
      ['pipeline', 'exception.created'],
      ['rescore', 'exception.updated'],
      ['rescore', 'exception.rescored'],
    ]);
    expect(await engine.recheckDegraded()).toBe(0);
  });

  it('back-links related exceptions on a new version, and only missing back-links on a redelivery', async () => {
    const first = await engine.prepare(ticket('t-1'), NOW);
    await store.upsertException(first, { actor: 'pipeline' });
    const second = await engine.prepare(ticket('t-2'), NOW);
    expect(second.links).toEqual([ID['t-1']]);
    await store.upsertException(second, { actor: 'pipeline' });

    // A redelivery of t-2 after a crash before its back-links: t-1 gets the link.
    expect((await engine.afterPublish(second, false)).map((e) => [e.id, e.version])).toEqual([
      [ID['t-1'], 2],
    ]);
    expect(published[0].links).toEqual([ID['t-2']]);
    // Another redelivery: nothing left to do.
    expect(await engine.afterPublish(second, false)).toEqual([]);
    // Resolved exceptions are neither linked nor re-scored.
    await store.applyDecision(ID['t-1'], { action: 'resolve', reason: 'done', actor: 'ana' });
    expect(await engine.afterPublish(second, true)).toEqual([]);
    expect((await engine.prepare(ticket('t-3'), NOW)).links).toEqual([ID['t-2']]);
  });

  it('says how each related exception is linked: a shared reference, or only the party', async () => {
    await store.upsertException(await engine.prepare(ticket('t-1'), NOW), { actor: 'pipeline' });
    // t-2 names the same ticket as t-1 (it waits on it); t-3 shares only the account.
    await store.upsertException(
      await engine.prepare(ticket('t-2', { references: { ticket: 'T-t-1' } }), NOW),
      { actor: 'pipeline' },
    );
    const ctx = await engine.contextOf(ticket('t-3', { references: { ticket: 'T-t-1' } }));
    const viaOf = (id: string) => ctx.scoring.linkedOpenExceptions?.find((l) => l.id === id)?.via;
    expect([viaOf(ID['t-1']), viaOf(ID['t-2'])]).toEqual(['reference', 'reference']);
    const apart = await engine.contextOf(ticket('t-3'));
    expect(apart.scoring.linkedOpenExceptions?.map((l) => l.via)).toEqual(['party', 'party']);
  });

  it('links both ways when two related exceptions were prepared at the same time', async () => {
    // Two pipeline workers: each prepared its exception before the other one was stored.
    const first = await engine.prepare(ticket('t-1'), NOW);
    const second = await engine.prepare(ticket('t-2'), NOW);
    expect([first.links, second.links]).toEqual([[], []]);
    const { exception: storedFirst } = await store.upsertException(first, { actor: 'pipeline' });
    expect(await engine.afterPublish(storedFirst)).toEqual([]);
    const { exception: storedSecond } = await store.upsertException(second, { actor: 'pipeline' });

    // The later one's afterPublish back-links the earlier one and links itself.
    const republished = await engine.afterPublish(storedSecond);
    expect(republished.map((e) => [e.id, e.version, e.links])).toEqual([
      [ID['t-1'], 2, [ID['t-2']]],
      [ID['t-2'], 2, [ID['t-1']]],
    ]);
    expect((await store.getException(ID['t-1']))?.links).toEqual([ID['t-2']]);
    expect((await store.getException(ID['t-2']))?.links).toEqual([ID['t-1']]);
    expect(published.map((e) => e.id)).toEqual([ID['t-1'], ID['t-2']]);
    // Linked both ways now: a redelivery has nothing left to do.
    expect(await engine.afterPublish((await store.getException(ID['t-2']))!, false)).toEqual([]);
  });

  it('sweeps due dates: publishes only a score that rose', async () => {
    const due = ticket('t-1', { dueAt: '2026-05-04T13:00:00Z' });
    const early = new Date('2026-05-01T10:00:00Z');
    await store.upsertException(await engine.prepare(due, early), { actor: 'pipeline' });
    const before = (await store.getException(ID['t-1']))!.priority.score;

    expect(await engine.sweepDue(24)).toBe(1);
    expect(published[0].version).toBe(2);
    expect(published[0].priority.score).toBeGreaterThan(before);
    // Nothing new since: the same score is not published again.
    expect(await engine.sweepDue(24)).toBe(0);
  });

  it('re-scores a few related open exceptions for a newcomer, but not a crowd sharing one key', async () => {
    const invoice = (n: number): CanonicalException => {
      const base = sampleException({
        id: exceptionId({
          system: 'sap-s4',
          objectType: 'A_SupplierInvoice',
          objectId: `inv-${n}`,
          type: 'invoice_mismatch',
        }),
        score: 0,
        domain: 'finance',
        type: 'invoice_mismatch',
      });
      return { ...base, parties: [{ role: 'supplier', id: 'sup-crowd' }] };
    };
    const publishAll = async (n: number): Promise<CanonicalException[]> => {
      const prepared = await engine.prepare(invoice(n), NOW);
      const { exception } = await store.upsertException(prepared, { actor: 'pipeline' });
      published.length = 0;
      await engine.afterPublish(exception);
      return [...published];
    };
    // Three invoices of one supplier: the third back-links the two before it.
    for (let n = 1; n <= 2; n++) await publishAll(n);
    const few = await publishAll(3);
    expect(few.map((x) => x.version).sort()).toEqual([2, 3]);
    // Beyond the fan-out limit the newcomer lists its links, and the crowd is left as it is.
    for (let n = 4; n <= MAX_BACKLINK_FANOUT + 1; n++) await publishAll(n);
    const newcomer = MAX_BACKLINK_FANOUT + 2;
    const crowd = await publishAll(newcomer);
    expect(crowd).toEqual([]);
    const stored = await store.getException(invoice(newcomer).id);
    expect(stored?.links).toHaveLength(MAX_BACKLINK_FANOUT + 1);
  });
});
