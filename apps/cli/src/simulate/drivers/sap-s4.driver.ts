/**
 * SAP S/4HANA: supplier invoices as the OData service A_SupplierInvoice returns them, added to a
 * running SAP simulator (connectors/sap-s4/testing/simulator.ts, `POST /__sim/invoices`); the hub's
 * sap-s4 connector then finds them on its next poll, as it would find them in a real SAP system.
 * Where the simulator listens: SAP_S4_SIM_URL [http://127.0.0.1:4010].
 */
import { DEFAULT_SAP_SIM_URL } from '../constants';
import { SimulateError, type EventKind, type GenContext, type SimDriver } from '../types';
import { networkReason } from './webhook';
import { MS_PER_DAY } from '@exhub/core';

export const SAP_SIM_URL_ENV = 'SAP_S4_SIM_URL';
const PAYMENT_DAYS = [14, 30, 30, 45, 60];
const EU_COUNTRIES = ['FR', 'NL', 'IT', 'ES', 'PL', 'AT'];
const VAT_PREFIX = 'DE';

const sapDate = (d: Date) => `/Date(${d.getTime()})/`;
const midnight = (d: Date) =>
  new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

/** Four digits from the run id: SAP document numbers are numeric. */
function runDigits(runId: string): string {
  let n = 0;
  for (const ch of runId) n = (n * 33 + ch.charCodeAt(0)) % 10_000;
  return String(n).padStart(4, '0');
}

/** The problem a kind puts into an otherwise clean invoice. */
type Problem = Record<string, unknown>;

function invoice(ctx: GenContext, problem: Problem, headerText: string): string {
  const { rng, amount, party } = ctx;
  const days = rng.pick(PAYMENT_DAYS);
  const baseline = midnight(new Date(ctx.dueAt.getTime() - days * MS_PER_DAY));
  const documentDate = new Date(Math.min(baseline.getTime(), ctx.now.getTime()));
  const entity = {
    SupplierInvoice: `5${runDigits(ctx.runId)}${String(ctx.seq).padStart(5, '0')}`,
    FiscalYear: String(ctx.now.getUTCFullYear()),
    CompanyCode: rng.pick(['1010', '1010', '1710', '2010']),
    DocumentDate: sapDate(midnight(documentDate)),
    // The posting time itself, not midnight: the connector's watermark then always moves forward,
    // so invoices of later runs are never behind it.
    PostingDate: sapDate(ctx.now),
    SupplierInvoiceIDByInvcgParty: `INV-${rng.digits(6)}`,
    InvoicingParty: party.id,
    DocumentCurrency: amount.currency,
    InvoiceGrossAmount: amount.value,
    UnplannedDeliveryCost: '0.00',
    DocumentHeaderText: headerText,
    PaymentTerms: days === 30 ? '0001' : `Z0${String(days).padStart(2, '0')}`,
    DueCalculationBaseDate: sapDate(baseline),
    NetPaymentDays: String(days),
    PaymentBlockingReason: '',
    AccountingDocumentType: 'RE',
    SupplierInvoiceStatus: '5',
    DirectQuotedExchangeRate: '1.00000',
    SupplyingCountry: '',
    PaymentMethod: 'T',
    InvoiceReceiptDate: sapDate(midnight(documentDate)),
    SupplierVATRegistration: `${VAT_PREFIX}${rng.digits(9)}`,
    IsEUTriangularDeal: false,
    SupplierInvoiceIsCreditMemo: '',
    TaxIsCalculatedAutomatically: true,
    IsReversal: false,
    IsReversed: false,
    ...problem,
  };
  return JSON.stringify(entity);
}

const kind = (
  description: string,
  produces: EventKind['produces'],
  build: (ctx: GenContext) => [Problem, string],
): EventKind => ({
  description,
  produces,
  generate: (ctx) => {
    const [problem, text] = build(ctx);
    return { objectType: 'A_SupplierInvoice', body: invoice(ctx, problem, text) };
  },
});

const po = (ctx: GenContext) => `45000${ctx.rng.digits(5)}`;

export const sapS4Driver: SimDriver = {
  id: 'sap-s4',
  system: 'sap-s4',
  contentType: 'application/json',
  describe: `supplier invoices added to the SAP simulator at ${SAP_SIM_URL_ENV} [${DEFAULT_SAP_SIM_URL}], polled by the hub`,
  kinds: {
    po_price_mismatch: kind(
      'invoice price differs from the purchase order: blocked by invoice verification (R)',
      ['invoice_mismatch'],
      (ctx) => [{ PaymentBlockingReason: 'R' }, `PO ${po(ctx)} price variance`],
    ),
    missing_receipt: kind(
      'invoiced quantity without a goods receipt: quantity variance, blocked (R)',
      ['invoice_mismatch'],
      (ctx) => [{ PaymentBlockingReason: 'R' }, `PO ${po(ctx)} no goods receipt posted`],
    ),
    payment_block: kind('invoice blocked for payment by AP (A)', ['payment_hold'], (ctx) => [
      { PaymentBlockingReason: 'A' },
      `PO ${po(ctx)} held by AP`,
    ]),
    vendor_master_block: kind(
      'supplier master data blocked (changed bank details under review): invoice blocked (B)',
      ['payment_hold'],
      () => [{ PaymentBlockingReason: 'B' }, 'Vendor master: bank details changed, payment block'],
    ),
    duplicate_warning: kind(
      'invoice without the supplier reference: the duplicate check cannot run',
      ['duplicate_invoice_risk'],
      (ctx) => [{ SupplierInvoiceIDByInvcgParty: '' }, `PO ${po(ctx)} scanned invoice`],
    ),
    tax_code_conflict: kind(
      'cross-border supply without the supplier VAT registration: tax code cannot be validated',
      ['tax_validation_failure'],
      (ctx) => [
        { SupplyingCountry: ctx.rng.pick(EU_COUNTRIES), SupplierVATRegistration: '' },
        `PO ${po(ctx)} intra-EU supply`,
      ],
    ),
  },
  async connect({ env, timeoutMs }) {
    const base = (env[SAP_SIM_URL_ENV] || DEFAULT_SAP_SIM_URL).replace(/\/+$/, '');
    const url = `${base}/__sim/invoices`;
    const add = async (body: string) =>
      fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    try {
      const probe = await add('[]');
      if (probe.status !== 201) {
        throw new SimulateError(
          `the SAP simulator at ${base} answered ${probe.status} to POST /__sim/invoices: rebuild it (npm run build) so it has that endpoint, or point ${SAP_SIM_URL_ENV} at one that does`,
        );
      }
    } catch (err) {
      if (err instanceof SimulateError) throw err;
      throw new SimulateError(
        `cannot reach the SAP S/4HANA simulator at ${base} (${networkReason(err)}): start it (npm run simulator -- sap-s4), set ${SAP_SIM_URL_ENV}, or leave sap-s4 out with --connectors`,
      );
    }
    // One invoice at a time, in the order generated: the connector's watermark is the latest
    // PostingDate it has read, so an invoice added after a later one could fall behind it.
    let queue: Promise<unknown> = Promise.resolve();
    const inOrder = <T>(fn: () => Promise<T>): Promise<T> => {
      const next = queue.then(fn, fn);
      queue = next.catch(() => undefined);
      return next;
    };
    return {
      target: url,
      deliver: (p) =>
        inOrder(async () => {
          try {
            const res = await add(p.body);
            if (res.status === 201) return { outcome: 'accepted', status: res.status };
            return {
              outcome: 'rejected',
              status: res.status,
              detail: (await res.text()).slice(0, 200),
            };
          } catch (err) {
            return { outcome: 'failed', detail: `${url}: ${networkReason(err)}` };
          }
        }),
    };
  },
};
