import { join } from 'node:path';
import { SapS4Connector } from '@exhub/connectors/sap-s4';
import {
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
  SapS4Simulator,
} from '../../../../connectors/sap-s4/testing';
import type { Connector } from '@exhub/connector-sdk';
import { InvalidPayloadError, NotFoundError } from '@exhub/core';
import { loadLookupTables } from '@exhub/mapping';
import { openStore, type ExceptionStore } from '@exhub/store';
import { EnrichmentService, type EnrichmentDeps } from './enrichment.service';

const BREAKER_RESET_MS = 60_000;
const TTL_SECONDS = 60;
const supplierInvoice = {
  domain: 'finance' as const,
  parties: [{ role: 'supplier' as const, id: '100045' }],
};

describe('EnrichmentService', () => {
  let sim: SapS4Simulator;
  let sap: SapS4Connector;
  let store: ExceptionStore;
  let clock: number;

  function service(over: Partial<EnrichmentDeps> = {}): EnrichmentService {
    return new EnrichmentService({
      config: { supplier: 'sap', cacheTtlSeconds: TTL_SECONDS },
      connector: (id) => (id === 'sap' ? sap : undefined),
      facts: store,
      now: () => clock,
      ...over,
    });
  }

  beforeEach(async () => {
    clock = Date.parse('2026-05-01T08:00:00Z');
    sim = await SapS4Simulator.start();
    sap = new SapS4Connector({
      id: 'sap',
      baseUrl: sim.baseUrl,
      username: SIMULATOR_USER,
      password: SIMULATOR_PASSWORD,
      timeoutMs: 1000,
      retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 10 },
      breaker: { resetTimeoutMs: BREAKER_RESET_MS, volumeThreshold: 2 },
    });
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await sap.close();
    await sim.close();
    await store.close();
  });

  it('looks a finance exception’s supplier up, stores the answer as a fact and says where it came from', async () => {
    const result = await service().enrich(supplierInvoice);
    expect(result.context).toEqual({ supplierCriticality: 'critical' });
    expect(result.missing).toEqual([]);
    expect(result.found).toEqual([
      {
        kind: 'supplier',
        partyId: '100045',
        source: 'sap',
        detail: 'Supplier 100045 from sap: criticality critical, ABC class A.',
      },
    ]);
    expect(await store.getContextFact('supplier:sap:100045')).toMatchObject({
      source: 'sap',
      fetchedAt: '2026-05-01T08:00:00.000Z',
      value: { criticality: 'critical', name: 'Folienwerk Nord GmbH' },
    });
  });

  it('answers from the cache within the TTL and asks the connector again after it', async () => {
    const enrichment = service();
    await enrichment.enrich(supplierInvoice);
    await enrichment.enrich(supplierInvoice);
    expect(sim.supplierRequests).toBe(1);

    sim.suppliers[0].purchasingOrgs[0].SupplierABCClassificationCode = 'C';
    clock += (TTL_SECONDS - 1) * 1000;
    expect((await enrichment.enrich(supplierInvoice)).context.supplierCriticality).toBe('critical');
    expect(sim.supplierRequests).toBe(1);

    clock += 2000;
    expect((await enrichment.enrich(supplierInvoice)).context.supplierCriticality).toBe('standard');
    expect(sim.supplierRequests).toBe(2);
  });

  it('falls back to the last good answer stored when the connector is down', async () => {
    await service().enrich(supplierInvoice);
    await sim.stop();
    // A new process (empty cache) with the server down: the stored fact stands in.
    const result = await service().enrich(supplierInvoice);
    expect(result.context).toEqual({ supplierCriticality: 'critical' });
    expect(result.missing).toEqual([]);
    expect(result.found[0].source).toBe('sap (last answer of 2026-05-01T08:00:00.000Z)');
  });

  it('reports the context missing, with the reason, when the connector fails and nothing is stored', async () => {
    await sim.stop();
    const enrichment = service();
    const failed = await enrichment.enrich(supplierInvoice);
    expect(failed.context).toEqual({});
    expect(failed.found).toEqual([]);
    expect(failed.missing).toEqual([
      {
        kind: 'supplier',
        partyId: '100045',
        connector: 'sap',
        reason: expect.stringMatching(/^connector 'sap' failed \(TRANSIENT: /),
      },
    ]);
    // Failures trip the breaker: the next lookup is not even tried, and says so.
    await enrichment.enrich(supplierInvoice);
    expect(sap.breakerState()).toBe('open');
    expect(enrichment.available('supplier')).toBe(false);
    const requests = sim.supplierRequests;
    const open = await enrichment.enrich(supplierInvoice);
    expect(open.missing[0].reason).toBe("connector 'sap' has its circuit breaker open");
    expect(sim.supplierRequests).toBe(requests);
  });

  it('uses the static lookup table where no connector is configured, and does not degrade', async () => {
    const { tables } = await loadLookupTables(join(__dirname, '../../../../mappings/lookups'));
    const enrichment = service({ config: { cacheTtlSeconds: TTL_SECONDS }, tables });
    const result = await enrichment.enrich(supplierInvoice);
    expect(result.context).toEqual({ supplierCriticality: 'critical' });
    expect(result.missing).toEqual([]);
    expect(result.found[0].source).toBe('lookup table supplier-criticality');
    expect(sim.supplierRequests).toBe(0);
    const unlisted = await enrichment.enrich({
      domain: 'finance',
      parties: [{ role: 'supplier', id: '999' }],
    });
    expect(unlisted).toEqual({ context: {}, found: [], missing: [] });
  });

  it('matches a creditor named by IBAN (a returned or rejected payment) to its supplier through its bank details', async () => {
    const { tables } = await loadLookupTables(join(__dirname, '../../../../mappings/lookups'));
    const enrichment = service({ config: { cacheTtlSeconds: TTL_SECONDS }, tables });
    const returned = await enrichment.enrich({
      domain: 'finance',
      parties: [{ role: 'supplier', id: 'DE67 5001 0510 1448 6351 68' }],
    });
    expect(returned.context).toEqual({ supplierCriticality: 'critical' });
    expect(returned.found[0].detail).toBe(
      'Supplier DE67 5001 0510 1448 6351 68 (supplier 100045 by its bank account in supplier-bank-accounts) from lookup table supplier-criticality: criticality critical.',
    );
    expect(returned.found[0].partyId).toBe('DE67 5001 0510 1448 6351 68');
    const unknownIban = await enrichment.enrich({
      domain: 'finance',
      parties: [{ role: 'supplier', id: 'DE02120300000000202051' }],
    });
    expect(unknownIban.context).toEqual({});
  });

  it('matches a creditor without a listed IBAN by its name, however the bank spaces or cases it', async () => {
    const { tables } = await loadLookupTables(join(__dirname, '../../../../mappings/lookups'));
    const enrichment = service({ config: { cacheTtlSeconds: TTL_SECONDS }, tables });
    const byName = await enrichment.enrich({
      domain: 'finance',
      parties: [{ role: 'supplier', id: 'DE02120300000000202051', name: ' Acme  Packaging GmbH' }],
    });
    expect(byName.context).toEqual({ supplierCriticality: 'critical' });
    expect(byName.found[0].detail).toBe(
      'Supplier DE02120300000000202051 (supplier 100045 by its name in supplier-names) from lookup table supplier-criticality: criticality critical.',
    );
    // A creditor the bank names only by name (no account): the name is its id.
    const nameOnly = await enrichment.enrich({
      domain: 'finance',
      parties: [{ role: 'supplier', id: 'Office Supplies Direct Ltd' }],
    });
    expect(nameOnly.context).toEqual({ supplierCriticality: 'low' });
    const unknown = await enrichment.enrich({
      domain: 'finance',
      parties: [{ role: 'supplier', id: 'DE02120300000000202051', name: 'Unknown Trading' }],
    });
    expect(unknown).toEqual({ context: {}, found: [], missing: [] });
  });

  it('asks the ERP for the supplier a returned payment names by IBAN under its ERP supplier id', async () => {
    const { tables } = await loadLookupTables(join(__dirname, '../../../../mappings/lookups'));
    const enrichment = service({ tables });
    const returned = await enrichment.enrich({
      domain: 'finance',
      parties: [{ role: 'supplier', id: 'DE67500105101448635168' }],
    });
    expect(returned.context).toEqual({ supplierCriticality: 'critical' });
    expect(returned.found[0].source).toBe('sap');
    expect(returned.found[0].detail).toMatch(
      /^Supplier DE67500105101448635168 \(supplier 100045 by its bank account in supplier-bank-accounts\) from sap: criticality critical/,
    );
    expect(sim.supplierRequests).toBe(1);
  });

  it('gives support exceptions account and credit context; NOT_FOUND and INVALID_PAYLOAD are answers, not outages', async () => {
    const asked: { type: string; id: string }[] = [];
    const crm: Pick<Connector, 'lookup' | 'breakerState'> = {
      breakerState: () => 'closed',
      lookup: async (ref) => {
        asked.push(ref);
        if (ref.id === 'acc_gone') throw new NotFoundError('enrich', 'no such account');
        if (ref.id === 'cus_x') throw new InvalidPayloadError('enrich', 'not a CRM account id');
        return ref.type === 'account'
          ? { tier: 'strategic', arr: '1200000.00', renewalDate: '2026-05-31', openEscalations: 1 }
          : { openInvoices: 2, creditStatus: 'hold' };
      },
    };
    const enrichment = service({
      config: { account: 'crm', credit: 'crm', cacheTtlSeconds: TTL_SECONDS },
      connector: (id) => (id === 'crm' ? crm : undefined),
    });
    const ticket = {
      domain: 'support' as const,
      parties: [{ role: 'account' as const, id: 'acc_1' }],
    };
    const result = await enrichment.enrich(ticket);
    expect(asked).toEqual([
      { type: 'account', id: 'acc_1' },
      { type: 'customer', id: 'acc_1' },
    ]);
    expect(result.context).toEqual({
      accountTier: 'strategic',
      arr: '1200000.00',
      renewalDate: '2026-05-31',
      openEscalations: 1,
    });
    expect(result.found.map((f) => f.detail)).toEqual([
      'Account acc_1 from crm: tier strategic, ARR 1200000.00, renewal 2026-05-31, 1 open escalation(s).',
      'Customer credit acc_1 from crm: 2 open invoice(s), credit status hold.',
    ]);
    // A finance exception of a customer (a billing dispute, a failed renewal payment) gets the
    // account too — its ARR and renewal are the revenue at risk — asked with the source's system
    // so the CRM can match the key that source uses; no credit lookup (support only).
    asked.length = 0;
    const dispute = await enrichment.enrich({
      domain: 'finance',
      parties: [{ role: 'customer', id: 'acc_1' }],
      source: { system: 'stripe' },
    });
    expect(asked).toEqual([{ type: 'account', id: 'acc_1', source: 'stripe' }]);
    expect(dispute.context.arr).toBe('1200000.00');
    expect(dispute.found.map((f) => f.kind)).toEqual(['account']);
    const gone = await enrichment.enrich({
      domain: 'support',
      parties: [{ role: 'account', id: 'acc_gone' }],
    });
    expect(gone).toEqual({ context: {}, found: [], missing: [] });
    const foreign = await enrichment.enrich({
      domain: 'support',
      parties: [{ role: 'customer', id: 'cus_x' }],
    });
    expect(foreign).toEqual({ context: {}, found: [], missing: [] });
  });
});
