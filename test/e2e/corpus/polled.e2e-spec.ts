/**
 * The corpus of real public samples for the polled systems (test/corpus/<system>/, SOURCES.md
 * there), run as a user runs them: each record is served by its system's simulator, one hub
 * runtime polls all four connectors, and the pipeline publishes, counts or dead-letters it. The
 * expectations below are written from what each record means (see the tables in SOURCES.md), and
 * every record is accounted for: published, counted as a no-op, dead-lettered with its reason, or
 * left out by the source's own filter (listed, with why).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadEnvSettings } from '@exhub/config';
import { validateCanonicalException } from '@exhub/canonical';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import {
  ServiceNowSimulator,
  SIMULATOR_PASSWORD as SN_PASSWORD,
  SIMULATOR_USER as SN_USER,
  type GlideRecord,
} from '../../../connectors/servicenow/testing';
import {
  SalesforceSimulator,
  SIMULATOR_CLIENT_ID as SF_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET as SF_CLIENT_SECRET,
} from '../../../connectors/salesforce/testing';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD as SAP_PASSWORD,
  SIMULATOR_USER as SAP_USER,
  type SupplierInvoiceEntity,
} from '../../../connectors/sap-s4/testing';
import {
  NetSuiteSimulator,
  SIMULATOR_CREDENTIALS as NS_CREDENTIALS,
  type VendorBillFixture,
} from '../../../connectors/netsuite/testing';
import { AMQP_URL, serveRuntime, take, type ServedRuntime } from '../hub/hub-harness';

const CORPUS = join(__dirname, '../../corpus');
const text = (file: string) => readFileSync(join(CORPUS, file), 'utf8');
const json = <T = Record<string, unknown>>(file: string) => JSON.parse(text(file)) as T;

// ---------------------------------------------------------------------------------------------
// Lifting each record out of its sample file, as SOURCES.md describes.

/** ServiceNow Table API answers: the record is the `result` of the envelope. */
const serviceNowIncidents = ['incident-get.json', 'incident-post.json', 'incident-patch.json'].map(
  (f) => json<{ result: GlideRecord }>(`servicenow/${f}`).result,
);

/** Salesforce sObject-tree files, imported as `sf data import tree` would. */
const salesforceTrees = {
  accounts: [json<{ records: Record<string, unknown>[] }>('salesforce/ebikes-Accounts.json')],
  cases: [
    json<{ records: Record<string, unknown>[] }>('salesforce/ebikes-Cases.json'),
    json<{ records: Record<string, unknown>[] }>('salesforce/ecars-Cases.json'),
  ],
};

/**
 * SAP: the header properties of A_SupplierInvoiceType the samples carry (the formatter's Header
 * type), with the Edm.DateTime values back in the OData v2 JSON form `/Date(<ms>)/` the service
 * sends: the samples' formatter wrote them as RFC 3339 in JST, as `YYYYMMDD` or as `YYYY-MM-DD`,
 * all meaning midnight UTC of that date; an empty date is `null` on the wire.
 */
const SAP_HEADER = [
  'SupplierInvoice', 'FiscalYear', 'CompanyCode', 'DocumentDate', 'PostingDate',
  'SupplierInvoiceIDByInvcgParty', 'InvoicingParty', 'DocumentCurrency', 'InvoiceGrossAmount',
  'DocumentHeaderText', 'PaymentTerms', 'DueCalculationBaseDate', 'NetPaymentDays',
  'PaymentBlockingReason', 'AccountingDocumentType', 'BPBankAccountInternalID',
  'SupplierInvoiceStatus', 'DirectQuotedExchangeRate', 'SupplyingCountry', 'PaymentMethod',
  'InvoiceReference', 'SupplierPostingLineItemText', 'TaxIsCalculatedAutomatically',
  'BusinessArea', 'SupplierInvoiceIsCreditMemo', 'ReverseDocument', 'ReverseDocumentFiscalYear',
]; // prettier-ignore
const SAP_DATES = ['DocumentDate', 'PostingDate', 'DueCalculationBaseDate'];
function odataDate(v: unknown): string | null {
  const s = String(v ?? '');
  if (s === '') return null;
  if (/^\/Date\(-?\d+\)\/$/.test(s)) return s;
  const day = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
  const ms = day ? Date.UTC(+day[1], +day[2] - 1, +day[3]) : Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${s}`);
  return `/Date(${ms})/`;
}
function sapEntity(fields: Record<string, unknown>): SupplierInvoiceEntity {
  const e = Object.fromEntries(
    SAP_HEADER.filter((k) => k in fields).map((k) => [
      k,
      SAP_DATES.includes(k) ? odataDate(fields[k]) : fields[k],
    ]),
  );
  return e as SupplierInvoiceEntity;
}
/** Go's `%+v` of the Header struct: `&{Name:value Name:value …}`, values without spaces. */
function goStruct(s: string): Record<string, unknown> {
  const body = /^&\{(.*)\}$/s.exec(s)![1];
  return Object.fromEntries(
    body.split(/ (?=[A-Za-z0-9_]+:)/).map((pair) => {
      const [k, ...v] = pair.split(':');
      const value = v.join(':');
      return [k, value === 'true' ? true : value === 'false' ? false : value];
    }),
  );
}
const sapInvoices = [
  sapEntity(json<{ message: Record<string, unknown> }>('sap-s4/supplier-invoice-header-01-sample.json').message),
  sapEntity(goStruct(json<{ message: string }>('sap-s4/supplier-invoice-header-sample.json').message)),
  sapEntity(json('sap-s4/supplier-invoice-sample.json')),
  sapEntity(json<{ message: Record<string, unknown>[] }>('sap-s4/reads-supplier-invoice-header-01-sample.json').message[0]),
]; // prettier-ignore

/**
 * NetSuite: the SDK's vendor-bill add requests, as NetSuite keeps them once added (it gives the
 * record its internalId and lastModifiedDate); the recorded Account searchResponse is answered
 * unchanged to the connector's first search.
 */
const netSuiteBills = ['vendor_bills-data.json', 'vendor_bills-tstdrv2089592.json'].map(
  (f, n) =>
    ({
      ...json<Record<string, unknown>>(`netsuite/${f}`),
      internalId: String(9001 + n),
      lastModifiedDate: `2026-03-0${n + 2}T10:00:00.000-08:00`,
    }) as unknown as VendorBillFixture,
);
const netSuiteRecordedSearch = text('netsuite/search-response-single.xml');

// ---------------------------------------------------------------------------------------------
// The expectations, from each record's business meaning (SOURCES.md has the same tables).

interface Expected {
  type: string;
  reason: string;
  amount?: { value: string; currency: string };
}
/** `<system> <source object id>` → the exceptions it must raise (none: a counted no-op). */
const PUBLISHED: Record<string, Expected[]> = {
  // made_sla false: the incident missed its SLA (due 2015-11-11) and is still open.
  'servicenow INC0000046': [{ type: 'sla_breach_risk', reason: 'made_sla_false' }],
  // escalation 3 (Overdue) on an in-progress Critical incident.
  'servicenow INC0000050': [{ type: 'escalation', reason: 'overdue' }],
  // Status Escalated, Priority High: an escalation (the high priority is part of it, not another).
  'salesforce 00001029': [{ type: 'escalation', reason: 'escalated' }],
  // Posted, not blocked, but without the supplier's invoice number: SAP's duplicate check is blind.
  'sap-s4 5100000031/2016': [
    {
      type: 'duplicate_invoice_risk',
      reason: 'no_supplier_reference',
      amount: { value: '35.00', currency: 'USD' },
    },
  ],
  'sap-s4 5105600754/2021': [
    {
      type: 'duplicate_invoice_risk',
      reason: 'no_supplier_reference',
      amount: { value: '276540', currency: 'JPY' },
    },
  ],
  'sap-s4 5105600751/1998': [
    {
      type: 'duplicate_invoice_risk',
      reason: 'no_supplier_reference',
      amount: { value: '928.00', currency: 'EUR' },
    },
  ],
};
/** Records the hub reads and rightly raises nothing for (counted, not published). */
const NO_OPS = [
  'servicenow INC0010002', // new, on time, not escalated
  'sap-s4 5100000001/2016', // posted with the supplier's reference; reversed by 5100000002
  'netsuite 9001', // E/2023/17/02: no approval routing, not on hold
  'netsuite 9002', // the same bill without tranDate / tranId
];
/*
 * Records the hub never receives, by design (SOURCES.md says so for each):
 * - salesforce/ecars-Cases.json: a New case without priority or escalation, outside caseFilter;
 *   Salesforce's query leaves it out (asserted below: the org holds two cases, the hub got one).
 * - salesforce/ebikes-Accounts.json: accounts are context, read with their cases (AccountRef3,
 *   Trailblazers, is the customer of case 00001029: asserted below).
 * - netsuite/vendor_credit-tstdrv2089588.json: a VendorCredit as an SDK adds it, with unApplied
 *   null (nothing known to be unapplied: it would raise nothing). The connector searches vendor
 *   credits too (connectors/netsuite/README.md, Vendor credits); this add request is not served.
 */
/** Records refused, each dead-lettered alone with the element and the fix. */
const DEAD_LETTERS = [
  {
    connector: 'netsuite',
    sample: 'netsuite/search-response-single.xml',
    // An Account record where the search asked for vendor bills: the record, the element, the fix.
    message:
      'connector netsuite set aside the record at /searchResult/recordList/record/0: ' +
      '/lastModifiedDate must be an xsd:dateTime; /attributes/xsi:type must be one of VendorBill, VendorCredit; ' +
      "fix it in the source (or the connector's query) and replay this dead letter",
  },
];
/** Records each connector hands the pipeline (published + no-ops per system). */
const RECEIVED = { servicenow: 3, salesforce: 1, 'sap-s4': 4, netsuite: 2 };

// ---------------------------------------------------------------------------------------------

type Exception = Record<string, unknown> & {
  id: string;
  type: string;
  source: { system: string; objectId: string; connector: string };
  signals?: Record<string, unknown>;
  amount?: { value: string; currency: string };
  references?: Record<string, string>;
  parties?: Record<string, unknown>[];
};

describe('corpus: real samples of the polled systems, served by their simulators through the hub', () => {
  let sn: ServiceNowSimulator;
  let sf: SalesforceSimulator;
  let sap: SapS4Simulator;
  let ns: NetSuiteSimulator;
  let rt: HubRuntime;
  let hub: ServedRuntime;
  const seen: Exception[] = [];

  /** Salesforce cases by case number (objectId is the 18-character Id the simulator assigns). */
  const keyOf = (e: Exception) => {
    const s = e.source;
    if (s.system === 'salesforce') return `salesforce ${e.references?.case}`;
    return `${s.system} ${s.objectId}`;
  };
  const metrics = async () =>
    (await hub.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/metrics' })).body;
  const counter = (body: string, name: string, labels: string) =>
    Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(body)?.[1] ?? 0);

  beforeAll(async () => {
    [sn, sf, sap, ns] = await Promise.all([
      ServiceNowSimulator.start({ incidents: serviceNowIncidents, taskSlas: [], companies: [] }),
      SalesforceSimulator.start({ trees: salesforceTrees, seededFrom: '2026-03-01T09:00:00.000Z' }),
      SapS4Simulator.start({ invoices: sapInvoices, suppliers: [] }),
      NetSuiteSimulator.start({ bills: netSuiteBills }),
    ]);
    const common = {
      pollIntervalSeconds: 1,
      timeoutMs: 2000,
      retries: 1,
      retryBaseDelayMs: 20,
    };
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
          id: 'servicenow',
          type: 'servicenow',
          enabled: true,
          settings: {
            ...common,
            instanceUrl: sn.instanceUrl,
            auth: 'basic',
            username: SN_USER,
            password: SN_PASSWORD,
            fetchTaskSla: true,
            startFrom: '2015-01-01',
          },
        },
        {
          id: 'salesforce',
          type: 'salesforce',
          enabled: true,
          settings: {
            ...common,
            loginUrl: sf.url,
            clientId: SF_CLIENT_ID,
            clientSecret: SF_CLIENT_SECRET,
            startFrom: '2026-01-01',
            // The ebikes org has none of the three custom Account fields.
            accountFields: { tier: null, arr: null, renewalDate: null },
          },
        },
        {
          id: 'sap-s4',
          type: 'sap-s4',
          enabled: true,
          settings: {
            ...common,
            baseUrl: sap.baseUrl,
            username: SAP_USER,
            password: SAP_PASSWORD,
            startFrom: '1998-01-01',
          },
        },
        {
          id: 'netsuite',
          type: 'netsuite',
          enabled: true,
          settings: {
            ...common,
            endpoint: ns.endpoint,
            ...NS_CREDENTIALS,
            startFrom: '2026-01-01',
          },
        },
      ],
    });
    hub = await serveRuntime(rt);
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    await Promise.all([sn?.close(), sf?.close(), sap?.close(), ns?.close()]);
  });

  it('raises exactly the exceptions the records mean, counts the rest, and dead-letters the refused one with its reason', async () => {
    const expectedKeys = Object.keys(PUBLISHED);
    const want = Object.values(PUBLISHED).flat().length;
    const done = (body: string) =>
      Object.entries(RECEIVED).every(
        ([c, n]) => counter(body, 'exhub_events_received_total', `connector="${c}"`) >= n,
      ) &&
      counter(body, 'exhub_stage_processed_total', 'stage="total"') >=
        Object.values(RECEIVED).reduce((a, b) => a + b, 0);
    const deadline = Date.now() + 60_000;
    let body = await metrics();
    while (Date.now() < deadline && (!done(body) || new Set(seen.map((e) => e.id)).size < want)) {
      for (const m of await take(hub.channel, hub.queue, 1, 200))
        seen.push(JSON.parse(m.content.toString('utf8')) as Exception);
      body = await metrics();
    }
    // A few more polls: nothing else may arrive (re-scores keep their ids).
    for (const m of await take(hub.channel, hub.queue, 50, 2_500))
      seen.push(JSON.parse(m.content.toString('utf8')) as Exception);
    const latest = [...new Map(seen.map((e) => [e.id, e])).values()];

    // Every published exception is one the corpus means, and valid.
    const byKey = new Map<string, Exception[]>();
    for (const e of latest) byKey.set(keyOf(e), [...(byKey.get(keyOf(e)) ?? []), e]);
    expect([...byKey.keys()].sort()).toEqual(expectedKeys.sort());
    for (const [key, expected] of Object.entries(PUBLISHED)) {
      const got = byKey.get(key)!;
      expect(got.map((e) => [e.type, e.signals?.reasonCode]).sort()).toEqual(
        expected.map((x) => [x.type, x.reason]).sort(),
      );
      for (const x of expected) {
        const e = got.find((g) => g.type === x.type)!;
        expect(validateCanonicalException(e).ok).toBe(true);
        if (x.amount) expect(e.amount).toEqual(x.amount);
      }
    }
    expect(byKey.get('salesforce 00001029')![0].parties).toEqual([
      expect.objectContaining({ role: 'customer', name: 'Trailblazers' }),
    ]);

    // Every record handed to the pipeline is accounted for: published or counted.
    for (const [connector, n] of Object.entries(RECEIVED))
      expect([
        connector,
        counter(body, 'exhub_events_received_total', `connector="${connector}"`),
      ]).toEqual([connector, n]);
    // Received = records that raised exceptions + counted no-ops, for every connector.
    for (const [connector, n] of Object.entries(RECEIVED)) {
      const raised = Object.keys(PUBLISHED).filter((k) => k.startsWith(`${connector} `));
      const counted = NO_OPS.filter((k) => k.startsWith(`${connector} `));
      expect([connector, raised.length + counted.length]).toEqual([connector, n]);
    }
    expect(NO_OPS.filter((k) => byKey.has(k))).toEqual([]);
    // Every received record left the pipeline processed (none failed or is still in flight), and
    // a no-op is counted: its end signal for an exception never opened (one per NetSuite bill).
    expect(counter(body, 'exhub_stage_processed_total', 'stage="total"')).toBe(
      Object.values(RECEIVED).reduce((a, b) => a + b, 0),
    );
    expect(
      counter(
        body,
        'exhub_lifecycle_signals_total',
        'connector="netsuite",result="unknown_exception"',
      ),
    ).toBe(2);
    // The org holds both cases; its query handed the hub only the escalated one.
    expect([...sf.cases.values()].map((c) => c.Subject).sort()).toEqual([
      'Backpacks from last order are not of the right color',
      "Battery doesn't hold charge",
    ]);

    // The recorded searchResponse (an Account) answers the connector's next search: refused,
    // dead-lettered alone with the element and what was expected there.
    ns.answerNextSearchWith(netSuiteRecordedSearch);
    const dead = await take(hub.channel, rt.topology.names.dlq, 1, 10_000);
    dead.push(...(await take(hub.channel, rt.topology.names.dlq, 10, 2_000)));
    expect(dead).toHaveLength(DEAD_LETTERS.length);
    for (const [i, d] of DEAD_LETTERS.entries()) {
      const headers = dead[i].properties.headers as Record<string, unknown>;
      expect(headers['x-exhub-connector']).toBe(d.connector);
      expect(headers['x-exhub-error-message']).toBe(d.message);
    }
  }, 120_000);
});
