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

const ns = (kind: string, weight: number, due: MixEntry['due']): MixEntry => ({
  driver: 'netsuite',
  kind,
  weight,
  amount: AP_INVOICE,
  due,
  party: supplier(0.35),
});

/** Support work for customers: half of them strategic or enterprise accounts. */
const support = (driver: string, kind: string, weight: number, due: MixEntry['due']): MixEntry => ({
  driver,
  kind,
  weight,
  amount: SUPPORT_CASE,
  due,
  party: customer(0.5),
});

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'month-end-close': {
    name: 'month-end-close',
    description:
      'AP exceptions piling up around the close: PO price mismatches, missing receipts, tax code conflicts, duplicate warnings, vendor master blocks in SAP; NetSuite vendor bills on hold or pending approval past due; rejected supplier payments and unmatched receipts from the bank; a few card disputes',
    mix: [
      ap('po_price_mismatch', 20),
      ap('missing_receipt', 15),
      ap('tax_code_conflict', 10),
      ap('duplicate_warning', 12),
      ap('vendor_master_block', 8),
      ap('payment_block', 8),
      // The US and UK entities run NetSuite: bills on hold, and approvals late for the close.
      ns('bill_on_hold', 8, AROUND_CLOSE),
      ns('approval_past_due', 6, { relativeTo: 'now', from: -8, to: -1 }),
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
      'a support surge: strategic and enterprise accounts with billing disputes and failed renewals, chargebacks; Zendesk tickets close to their SLA, Salesforce cases about renewals and disputed invoices, escalated ServiceNow incidents',
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
      // Zendesk tickets (webhook): SLAs running out, billing disputes, renewals escalated.
      support('zendesk', 'sla_breach_risk', 18, { relativeTo: 'now', from: 0, to: 1 }),
      support('zendesk', 'billing_dispute', 10, { relativeTo: 'now', from: 1, to: 10 }),
      support('zendesk', 'renewal_escalation', 6, { relativeTo: 'now', from: 0, to: 3 }),
      // Salesforce cases (polled): renewals at risk, escalated billing disputes, missed milestones.
      support('salesforce', 'renewal_at_risk', 8, { relativeTo: 'now', from: 1, to: 5 }),
      support('salesforce', 'billing_escalation', 7, { relativeTo: 'now', from: 1, to: 10 }),
      support('salesforce', 'milestone_violated', 5, { relativeTo: 'now', from: -1, to: 0 }),
      // ServiceNow incidents (polled): escalations and resolution SLAs running out.
      support('servicenow', 'escalation', 6, { relativeTo: 'now', from: 0, to: 2 }),
      support('servicenow', 'sla_breach_risk', 6, { relativeTo: 'now', from: 0, to: 1 }),
      // Employees' incidents on business services: the payment run stops, or a printer jams.
      support('servicenow', 'internal_incident', 3, { relativeTo: 'now', from: 0, to: 1 }),
    ],
  },
};
