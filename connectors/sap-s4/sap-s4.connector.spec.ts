import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractConfigReference, generateConfigReference } from '@exhub/connector-sdk';
import { drain, runConnectorContract } from '../../libs/connector-sdk/testing';
import { SapS4Connector, type SapS4ConnectorConfig } from './sap-s4.connector';
import { SAP_S4_CONFIG_SCHEMA } from './sap-s4.connector';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
  type SupplierInvoiceEntity,
} from './testing';

const RETRY_AFTER_SECONDS = 1;
const BREAKER_RESET_MS = 300;

function connectorFor(
  sim: SapS4Simulator,
  extra: Partial<SapS4ConnectorConfig> = {},
): SapS4Connector {
  return new SapS4Connector({
    id: 'sap-s4-test',
    baseUrl: sim.baseUrl,
    username: SIMULATOR_USER,
    password: SIMULATOR_PASSWORD,
    startFrom: '2026-01-01',
    pageSize: 2,
    timeoutMs: 2_000,
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 },
    breaker: { resetTimeoutMs: BREAKER_RESET_MS, volumeThreshold: 2, errorThresholdPercentage: 50 },
    ...extra,
  });
}

let serial = 900;
/** A new invoice posted after every fixture, blocked every other time. */
function newInvoice(): SupplierInvoiceEntity {
  serial++;
  const template = JSON.parse(
    readFileSync(join(__dirname, 'fixtures/05-clean.invoice.json'), 'utf8'),
  ) as SupplierInvoiceEntity;
  return {
    ...template,
    SupplierInvoice: `5105600${serial}`,
    PostingDate: `/Date(${Date.UTC(2026, 3, 1) + serial * 1000})/`,
    PaymentBlockingReason: serial % 2 ? 'A' : '',
  };
}

runConnectorContract('sap-s4', async () => {
  const sim = await SapS4Simulator.start({ retryAfterSeconds: RETRY_AFTER_SECONDS });
  const connector = connectorFor(sim);
  return {
    connector,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    breakerResetMs: BREAKER_RESET_MS,
    simulator: {
      fail: (kind, count) => sim.fail(kind, count),
      heal: () => sim.heal(),
      get requests() {
        return sim.requests;
      },
      addNewItems: (n) => sim.add(...Array.from({ length: n }, newInvoice)),
      // An amount in a locale format, as a badly built proxy in front of the API sends it.
      addPoisonItem: () => sim.add({ ...newInvoice(), InvoiceGrossAmount: '2.400,00' }),
    },
    close: async () => {
      await connector.close();
      await sim.close();
    },
  };
});

describe('SAP S/4HANA connector', () => {
  let sim: SapS4Simulator;
  let connector: SapS4Connector;
  beforeEach(async () => {
    sim = await SapS4Simulator.start();
    connector = connectorFor(sim);
  });
  afterEach(async () => {
    await connector.close();
    await sim.close();
  });

  it('reads every fixture invoice once, in posting order, through keyset pages of $top', async () => {
    const { events } = await drain(connector, undefined);
    expect(events.map((e) => (e.payload as { SupplierInvoice: string }).SupplierInvoice)).toEqual([
      '5105600101',
      '5105600102',
      '5105600103',
      '5105600104',
      '5105600105',
    ]);
    expect(events[0]).toMatchObject({
      objectType: 'A_SupplierInvoice',
      sourceEventId: "A_SupplierInvoice(SupplierInvoice='5105600101',FiscalYear='2026')#posted",
      changedAt: '2026-03-02T00:00:00.000Z',
    });
    // The OData query is the one SAP documents: $filter on PostingDate, $orderby, $top, JSON.
    expect(decodeURIComponent(sim.log[0])).toContain(
      "$filter=PostingDate ge datetime'2026-01-01T00:00:00'",
    );
    expect(decodeURIComponent(sim.log[0])).toContain('$top=2');
    expect(decodeURIComponent(sim.log[0])).toContain('$format=json');
  });

  it('announces a payment block set later, once; its release (re-read once); and a block set again', async () => {
    const first = await drain(connector, undefined);
    const key = { SupplierInvoice: '5105600105', FiscalYear: '2026' };
    sim.update(key, { PaymentBlockingReason: 'B' });
    const blocked = await drain(connector, first.cursor);
    expect(blocked.events.map((e) => e.sourceEventId)).toEqual([
      "A_SupplierInvoice(SupplierInvoice='5105600105',FiscalYear='2026')#block-B",
    ]);
    expect((await drain(connector, blocked.cursor)).events).toEqual([]);
    sim.update(key, { PaymentBlockingReason: '' });
    const released = await drain(connector, blocked.cursor);
    // The sweep misses the block, so the invoice is re-read once: its exception can end.
    expect(released.events.map((e) => e.sourceEventId)).toEqual([
      expect.stringMatching(
        /^A_SupplierInvoice\(SupplierInvoice='5105600105',FiscalYear='2026'\)#released@/,
      ),
    ]);
    expect(released.events[0].payload).toMatchObject({ PaymentBlockingReason: '' });
    expect(decodeURIComponent(sim.log.at(-1) ?? '')).toContain(
      "$filter=(FiscalYear eq '2026' and SupplierInvoice eq '5105600105')",
    );
    expect((await drain(connector, released.cursor)).events).toEqual([]);
    sim.update(key, { PaymentBlockingReason: 'B' });
    expect((await drain(connector, released.cursor)).events).toHaveLength(1);
  });

  it('times out a slow answer (TRANSIENT) and retries it', async () => {
    await connector.close();
    await sim.close();
    sim = await SapS4Simulator.start({ slowMs: 600 });
    connector = connectorFor(sim, { timeoutMs: 200 });
    sim.fail('slow', 1);
    const { events } = await drain(connector, undefined);
    expect(events).toHaveLength(5);
    expect(sim.requests).toBeGreaterThan(events.length / 2);
  });

  it('reports a wrong password in the connection check, without the password', async () => {
    await connector.close();
    connector = connectorFor(sim, { password: 'wrong-password' });
    const check = await connector.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/HTTP 401/);
    expect(check.detail).not.toContain('wrong-password');
  });

  it('refuses a base URL whose host is not allowed', () => {
    expect(() => connectorFor(sim, { allowedHosts: ['my-s4.example.com'] })).toThrow(
      /127\.0\.0\.1:\d+ is not in allowedHosts/,
    );
  });

  it('has a README whose config table is generated from sap-s4.config.schema.json', () => {
    const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
    expect(extractConfigReference(readme)).toBe(generateConfigReference(SAP_S4_CONFIG_SCHEMA));
  });
});

describe('SAP S/4HANA supplier lookup (enrichment)', () => {
  let sim: SapS4Simulator;
  let connector: SapS4Connector;
  beforeEach(async () => {
    sim = await SapS4Simulator.start();
    connector = connectorFor(sim);
  });
  afterEach(async () => {
    await connector.close();
    await sim.close();
  });

  it('reads A_Supplier from API_BUSINESS_PARTNER and turns its ABC class into a criticality', async () => {
    await expect(connector.lookup({ type: 'supplier', id: '100045' })).resolves.toEqual({
      type: 'supplier',
      id: '100045',
      name: 'Folienwerk Nord GmbH',
      criticality: 'critical',
      abcClassification: 'A',
      paymentBlocked: false,
      postingBlocked: false,
    });
    expect((await connector.lookup({ type: 'supplier', id: '200311' })).criticality).toBe(
      'standard',
    );
    expect(sim.supplierRequests).toBe(2);
  });

  it('answers NOT_FOUND for an unknown supplier and for other lookup types', async () => {
    await expect(connector.lookup({ type: 'supplier', id: '999999' })).rejects.toMatchObject({
      errorClass: 'NOT_FOUND',
    });
    await expect(connector.lookup({ type: 'account', id: '100045' })).rejects.toMatchObject({
      errorClass: 'NOT_FOUND',
    });
  });

  it('retries a 5xx, and opens the breaker when the server is down', async () => {
    sim.fail('5xx', 1);
    expect((await connector.lookup({ type: 'supplier', id: '100078' })).criticality).toBe(
      'preferred',
    );
    await sim.stop();
    for (let i = 0; i < 3; i++) {
      await expect(connector.lookup({ type: 'supplier', id: '100078' })).rejects.toMatchObject({
        errorClass: 'TRANSIENT',
      });
    }
    expect(connector.breakerState()).toBe('open');
    await sim.start();
    await new Promise((r) => setTimeout(r, BREAKER_RESET_MS + 50));
    expect((await connector.lookup({ type: 'supplier', id: '100078' })).id).toBe('100078');
    expect(connector.breakerState()).toBe('closed');
  });
});
