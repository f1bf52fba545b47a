/**
 * The scenarios, as data. Each mix entry names a driver and one of its event kinds, a weight
 * (its share of the events), and how amounts, due dates and parties are drawn. Entries whose
 * driver is not registered yet (drivers/index.ts) are left out of a run with a notice, so a
 * scenario can already say what a connector will contribute before its driver lands.
 */
import type { AmountSpec, MixEntry, Scenario } from './types';

/** AP invoices: median about EUR 9k, a long tail into six figures. */
const AP_INVOICE: AmountSpec = {
  median: 9000,
  sigma: 1.1,
  currencies: { EUR: 70, USD: 20, GBP: 10 },
  min: 50,
  max: 2_500_000,
};
const SUPPLIER_PAYMENT: AmountSpec = { ...AP_INVOICE, median: 15000, sigma: 0.9 };
const CUSTOMER_RECEIPT: AmountSpec = { ...AP_INVOICE, median: 6000, sigma: 1.0 };
const CARD_PAYMENT: AmountSpec = {
  median: 380,
  sigma: 1.2,
  currencies: { USD: 60, EUR: 30, GBP: 10 },
  min: 5,
  max: 250_000,
};
const SUBSCRIPTION_RENEWAL: AmountSpec = { ...CARD_PAYMENT, median: 2400, sigma: 1.1 };
const SUPPORT_CASE: AmountSpec = { ...SUBSCRIPTION_RENEWAL, median: 12000 };

/** Most AP items are due in the days around the close; a few are already overdue. */
const AROUND_CLOSE = { relativeTo: 'close', from: -4, to: 10 } as const;
const AT_CLOSE = { relativeTo: 'close', from: -1, to: 2 } as const;

const supplier = (listedShare: number) => ({ role: 'supplier', listedShare }) as const;
const customer = (listedShare: number) => ({ role: 'customer', listedShare }) as const;

const ap = (kind: string, weight: number): MixEntry => ({
  driver: 'sap-s4',
  kind,
  weight,
  amount: AP_INVOICE,
  due: AROUND_CLOSE,
  party: supplier(0.35),
});

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'month-end-close': {
    name: 'month-end-close',
    description:
      'AP exceptions piling up around the close: PO price mismatches, missing receipts, tax code conflicts, duplicate warnings, vendor master blocks; rejected supplier payments and unmatched receipts from the bank; a few card disputes',
    mix: [
      ap('po_price_mismatch', 20),
      ap('missing_receipt', 15),
      ap('tax_code_conflict', 10),
      ap('duplicate_warning', 12),
      ap('vendor_master_block', 8),
      ap('payment_block', 8),
      {
        driver: 'iso20022',
        kind: 'payment_rejected',
        weight: 9,
        amount: SUPPLIER_PAYMENT,
        due: AT_CLOSE,
        party: supplier(0.35),
      },
      {
        driver: 'iso20022',
        kind: 'returned_payment',
        weight: 5,
        amount: SUPPLIER_PAYMENT,
        due: AT_CLOSE,
        party: supplier(0.35),
      },
      {
        driver: 'iso20022',
        kind: 'unmatched_receipt',
        weight: 5,
        amount: CUSTOMER_RECEIPT,
        due: AT_CLOSE,
        party: customer(0),
      },
      {
        driver: 'stripe',
        kind: 'dispute',
        weight: 4,
        amount: CARD_PAYMENT,
        due: { relativeTo: 'now', from: 5, to: 20 },
        party: customer(0.3),
      },
      {
        driver: 'stripe',
        kind: 'charge_failed',
        weight: 4,
        amount: CARD_PAYMENT,
        due: { relativeTo: 'now', from: 0, to: 3 },
        party: customer(0.3),
      },
    ],
  },
  'support-surge': {
    name: 'support-surge',
    description:
      'a support surge: strategic and enterprise accounts with billing disputes and failed renewals, chargebacks, tickets close to their SLA',
    mix: [
      {
        driver: 'stripe',
        kind: 'dispute',
        weight: 20,
        amount: SUPPORT_CASE,
        due: { relativeTo: 'now', from: 3, to: 14 },
        party: customer(0.5),
      },
      {
        driver: 'stripe',
        kind: 'invoice_payment_failed',
        weight: 25,
        amount: SUBSCRIPTION_RENEWAL,
        due: { relativeTo: 'now', from: 0, to: 7 },
        party: customer(0.5),
      },
      {
        driver: 'stripe',
        kind: 'charge_failed',
        weight: 10,
        amount: CARD_PAYMENT,
        due: { relativeTo: 'now', from: 0, to: 3 },
        party: customer(0.4),
      },
      // Support systems: driven once their drivers are added (drivers/README in ../README.md).
      {
        driver: 'zendesk',
        kind: 'sla_breach_risk',
        weight: 25,
        amount: SUPPORT_CASE,
        due: { relativeTo: 'now', from: 0, to: 1 },
        party: customer(0.5),
      },
      {
        driver: 'salesforce',
        kind: 'billing_dispute',
        weight: 12,
        amount: SUPPORT_CASE,
        due: { relativeTo: 'now', from: 1, to: 10 },
        party: customer(0.6),
      },
      {
        driver: 'servicenow',
        kind: 'escalation',
        weight: 8,
        amount: SUPPORT_CASE,
        due: { relativeTo: 'now', from: 0, to: 2 },
        party: customer(0.5),
      },
    ],
  },
};
