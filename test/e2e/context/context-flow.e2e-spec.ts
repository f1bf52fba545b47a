/**
 * Context, links and re-scoring through the real broker (issues #6 and #7): SAP S/4HANA invoices
 * polled from the simulator become finance exceptions, enriched with the supplier's criticality by
 * the same sap-s4 connector's lookup (A_Supplier, served by a second simulator so that it can be
 * stopped while invoices keep flowing).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import {
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
  SapS4Simulator,
  fixtureSuppliers,
  type SupplierInvoiceEntity,
} from '../../../connectors/sap-s4/testing';
import { validateCanonicalException, type CanonicalException } from '@exhub/canonical';
import { loadEnvSettings } from '@exhub/config';
import { deleteTopology } from '@exhub/messaging';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { AMQP_URL, subscribe } from '../hub/hub-harness';

const TIMEOUT_MS = 20_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const template = JSON.parse(
  readFileSync(
    join(__dirname, '../../../connectors/sap-s4/fixtures/01-payment-hold.invoice.json'),
    'utf8',
  ),
) as SupplierInvoiceEntity;

let serial = 0;
/** A supplier invoice blocked for payment (payment_hold), posted now, due at `dueMs`. */
function blockedInvoice(supplier: string, dueMs = Date.now() + 30 * DAY_MS): SupplierInvoiceEntity {
  serial++;
  return {
    ...template,
    SupplierInvoice: `51099${String(serial).padStart(5, '0')}`,
    SupplierInvoiceIDByInvcgParty: `CTX-${randomBytes(3).toString('hex')}-${serial}`,
    InvoicingParty: supplier,
    // A calendar date, as SAP has it (the connector's keyset paging relies on that).
    PostingDate: `/Date(${Math.floor(Date.now() / DAY_MS) * DAY_MS})/`,
    DueCalculationBaseDate: `/Date(${dueMs})/`,
    NetPaymentDays: '0',
    PaymentBlockingReason: 'A',
  };
}

const objectIdOf = (i: SupplierInvoiceEntity) => `${i.SupplierInvoice}/${i.FiscalYear}`;

/** The details of the exception's re-score audit entries (the store keeps them as JSON text). */
async function rescores(rt: HubRuntime, id: string): Promise<Record<string, unknown>[]> {
  const trail = await rt.store.auditTrail({ exceptionId: id });
  return trail
    .filter((a) => a.action === 'exception.rescored')
    .map((a) =>
      typeof a.details === 'string'
        ? (JSON.parse(a.details) as Record<string, unknown>)
        : (a.details as Record<string, unknown>),
    );
}

describe('context, links and re-scoring (real broker, SAP simulator)', () => {
  let invoices: SapS4Simulator;
  let suppliers: SapS4Simulator;
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  const seen: CanonicalException[] = [];

  /** Takes messages until `pick` finds one among everything seen so far (or the timeout). */
  async function waitFor(
    what: string,
    pick: (e: CanonicalException) => boolean,
  ): Promise<CanonicalException> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const found = seen.find(pick);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${what} within ${TIMEOUT_MS} ms; seen: ${seen.map((e) => `${e.source.objectId}:v${e.version}`).join(', ')}`,
        );
      }
      const m = await channel.get(queue, { noAck: false });
      if (m) {
        channel.ack(m);
        const e = JSON.parse(m.content.toString('utf8')) as CanonicalException;
        expect(validateCanonicalException(e).ok).toBe(true);
        expect(m.properties.messageId).toBe(`${e.id}:${e.version}`);
        seen.push(e);
      } else {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  beforeAll(async () => {
    invoices = await SapS4Simulator.start({ invoices: [] });
    suppliers = await SapS4Simulator.start({
      suppliers: [
        ...fixtureSuppliers(),
        // Not in mappings/lookups/supplier-criticality.csv: only the lookup knows them.
        { ...fixtureSuppliers()[0], Supplier: '300900', SupplierName: 'Glaswerk Ost GmbH' },
        { ...fixtureSuppliers()[0], Supplier: '300901', SupplierName: 'Etiketten West AG' },
      ],
    });
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: 'sap',
          type: 'sap-s4',
          enabled: true,
          settings: {
            baseUrl: invoices.baseUrl,
            supplierServiceUrl: suppliers.baseUrl.replace(
              'API_SUPPLIERINVOICE_PROCESS_SRV',
              'API_BUSINESS_PARTNER',
            ),
            allowedHosts: ['127.0.0.1'],
            username: SIMULATOR_USER,
            password: SIMULATOR_PASSWORD,
            pollIntervalSeconds: 1,
            startFrom: '2026-01-01',
            timeoutMs: 1000,
            retries: 1,
            retryBaseDelayMs: 10,
            breakerResetSeconds: 1,
            breakerVolumeThreshold: 2,
          },
        },
      ],
    });
    rt.config.enrichment = {
      supplier: 'sap',
      cacheTtlSeconds: 300,
      recheckSeconds: 1,
      dueSweepSeconds: 1,
      dueWithinHours: 72,
    };
    app = await createHubApp(rt);
    await app.init();
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    queue = await subscribe(channel, rt.topology.names.exceptions, 'finance.#');
  });

  afterAll(async () => {
    await app?.close();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, rt.topology);
      await ch.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    await invoices?.close();
    await suppliers?.close();
  });

  it('links exceptions of one supplier both ways: each new one republishes the open ones with version + 1', async () => {
    const first = blockedInvoice('100045');
    invoices.add(first);
    const e1 = await waitFor('first exception', (e) => e.source.objectId === objectIdOf(first));
    expect(e1).toMatchObject({ version: 1, type: 'payment_hold', links: [] });
    expect(e1.priority.degraded).toBe(false);
    expect(e1.priority.factors).toContainEqual({
      code: 'context:supplier',
      points: 0,
      detail: 'Supplier 100045 from sap: criticality critical, ABC class A.',
    });

    const second = blockedInvoice('100045');
    invoices.add(second);
    const e2 = await waitFor('second exception', (e) => e.source.objectId === objectIdOf(second));
    expect(e2.version).toBe(1);
    expect(e2.links).toEqual([e1.id]);
    const back = await waitFor('back-link', (e) => e.id === e1.id && e.version === 2);
    expect(back.links).toEqual([e2.id]);
    // Two holds of one supplier in one domain are a crowd (a root-cause group), not one item
    // waiting on another: the link is kept, but only cross-domain links feed dependency risk
    // (issue 16).
    expect(back.priority.dimensions.dependencyRisk).toBe(e1.priority.dimensions.dependencyRisk);

    // A third signal for the same supplier: both open ones are re-scored and republished again.
    const third = blockedInvoice('100045');
    invoices.add(third);
    const e3 = await waitFor('third exception', (e) => e.source.objectId === objectIdOf(third));
    expect(e3.links).toEqual([e1.id, e2.id].sort());
    const e1v3 = await waitFor('e1 version 3', (e) => e.id === e1.id && e.version === 3);
    expect(e1v3.links).toEqual([e2.id, e3.id].sort());
    const e2v2 = await waitFor('e2 version 2', (e) => e.id === e2.id && e.version === 2);
    expect(e2v2.links).toEqual([e1.id, e3.id].sort());
    expect(e1v3.priority.dimensions.dependencyRisk).toBe(back.priority.dimensions.dependencyRisk);

    const history = await rt.store.exceptionHistory(e1.id);
    expect(history.map((h) => h.version)).toEqual([1, 2, 3]);
    expect(await rescores(rt, e1.id)).toContainEqual(
      expect.objectContaining({
        trigger: 'link',
        cause: e2.id,
        version: 2,
        previousVersion: 1,
      }),
    );
  });

  it('publishes degraded while the supplier lookup is down, and re-scores once it is back', async () => {
    await suppliers.stop();
    const invoice = blockedInvoice('300900');
    invoices.add(invoice);
    const degraded = await waitFor(
      'degraded exception',
      (e) => e.source.objectId === objectIdOf(invoice),
    );
    expect(degraded.version).toBe(1);
    expect(degraded.priority.degraded).toBe(true);
    const missing = degraded.priority.factors.find((f) => f.code === 'context_missing:supplier');
    expect(missing?.detail).toMatch(/^No supplier context for 300900: connector 'sap' /);

    // Down for a while: the recheck loop finds the lookup still failing and publishes nothing.
    await new Promise((r) => setTimeout(r, 2500));
    expect(seen.filter((e) => e.id === degraded.id)).toHaveLength(1);

    await suppliers.start();
    const recovered = await waitFor(
      're-scored exception',
      (e) => e.id === degraded.id && e.version > 1,
    );
    expect(recovered.priority.degraded).toBe(false);
    expect(recovered.priority.factors.map((f) => f.code)).not.toContain('context_missing:supplier');
    expect(recovered.priority.factors).toContainEqual(
      expect.objectContaining({ code: 'context:supplier' }),
    );
    // A critical supplier weighs more than an unknown one.
    expect(recovered.priority.score).toBeGreaterThan(degraded.priority.score);
    expect(await rescores(rt, degraded.id)).toContainEqual(
      expect.objectContaining({
        trigger: 'dependency_recovered',
        degradedBefore: true,
        degraded: false,
      }),
    );
  });

  it('raises a score in the due-date sweep once the due date comes within the rule window', async () => {
    // Due in 48 h and 4 s: the strategic-supplier-due-soon rule (≤ 48 h) fires a few seconds later.
    const invoice = blockedInvoice('300901', Date.now() + 48 * HOUR_MS + 4000);
    invoices.add(invoice);
    const first = await waitFor(
      'exception due soon',
      (e) => e.source.objectId === objectIdOf(invoice),
    );
    expect(first.priority.rulesFired).not.toContain('strategic-supplier-due-soon');
    const swept = await waitFor('swept exception', (e) => e.id === first.id && e.version > 1);
    expect(swept.priority.rulesFired).toContain('strategic-supplier-due-soon');
    expect(swept.priority.score).toBeGreaterThan(first.priority.score);
    expect(await rescores(rt, first.id)).toEqual([
      expect.objectContaining({ trigger: 'due_date_sweep', version: swept.version }),
    ]);
  });
});
