/**
 * The ranking benchmark's scenarios, written from the business policy, not from the hub's
 * weights: each is a mix of the simulate drivers' event kinds (apps/cli/src/simulate), a seed and
 * a size. Five different mixes and seeds, so nothing is tuned to one; the fourth was written after
 * the first pass as a check on it and is a tuning scenario since the third pass; the fifth,
 * written before the third pass, is its check.
 */
import type { AmountSpec, MixEntry, Scenario } from '../../apps/cli/src/simulate/types';

export interface RankingScenario extends Scenario {
  seed: number;
  events: number;
  /** Days from now to the period end the due dates cluster around. */
  closeInDays: number;
}

const AP: AmountSpec = {
  median: 9000,
  sigma: 1.2,
  currencies: { EUR: 60, USD: 25, GBP: 15 },
  min: 50,
  max: 2_500_000,
};
const CARD: AmountSpec = {
  median: 400,
  sigma: 1.2,
  currencies: { USD: 60, EUR: 30, GBP: 10 },
  min: 5,
  max: 250_000,
};
const RENEWAL: AmountSpec = { ...CARD, median: 2400, sigma: 1.1 };
const CASE: AmountSpec = { ...RENEWAL, median: 12000 };

const supplier = (listedShare: number) => ({ role: 'supplier', listedShare }) as const;
const customer = (listedShare: number) => ({ role: 'customer', listedShare }) as const;
const entry = (
  driver: string,
  kind: string,
  weight: number,
  amount: AmountSpec,
  due: MixEntry['due'],
  party: MixEntry['party'],
): MixEntry => ({ driver, kind, weight, amount, due, party });
const aroundClose = (from: number, to: number) => ({ relativeTo: 'close', from, to }) as const;
const fromNow = (from: number, to: number) => ({ relativeTo: 'now', from, to }) as const;

export const RANKING_SCENARIOS: readonly RankingScenario[] = [
  {
    name: 'close-and-surge',
    description:
      'the day before a month-end close with a support surge: AP invoices and vendor bills due around the close, rejected supplier payments, card disputes and failed renewals, Zendesk / Salesforce / ServiceNow tickets of strategic and small accounts alike',
    seed: 11,
    events: 130,
    closeInDays: 1,
    mix: [
      entry('sap-s4', 'po_price_mismatch', 10, AP, aroundClose(-3, 10), supplier(0.4)),
      entry('sap-s4', 'missing_receipt', 6, AP, aroundClose(-3, 10), supplier(0.4)),
      entry('sap-s4', 'tax_code_conflict', 5, AP, aroundClose(-2, 12), supplier(0.4)),
      entry('sap-s4', 'duplicate_warning', 5, AP, aroundClose(-2, 12), supplier(0.4)),
      entry('netsuite', 'bill_on_hold', 5, AP, aroundClose(-2, 10), supplier(0.4)),
      entry(
        'iso20022',
        'payment_rejected',
        6,
        { ...AP, median: 15000 },
        aroundClose(-1, 2),
        supplier(0.4),
      ),
      entry('stripe', 'dispute', 6, CARD, fromNow(5, 20), customer(0.4)),
      entry('stripe', 'charge_failed', 6, CARD, fromNow(0, 3), customer(0.3)),
      entry('stripe', 'invoice_payment_failed', 8, RENEWAL, fromNow(0, 7), customer(0.5)),
      entry('zendesk', 'sla_breach_risk', 10, CASE, fromNow(0, 1), customer(0.5)),
      entry('zendesk', 'billing_dispute', 6, CASE, fromNow(1, 10), customer(0.5)),
      entry('zendesk', 'renewal_escalation', 3, CASE, fromNow(0, 3), customer(0.6)),
      entry('salesforce', 'renewal_at_risk', 4, CASE, fromNow(1, 5), customer(0.5)),
      entry('salesforce', 'billing_escalation', 4, CASE, fromNow(1, 10), customer(0.5)),
      entry('servicenow', 'escalation', 4, CASE, fromNow(0, 2), customer(0.5)),
      entry('servicenow', 'sla_breach_risk', 4, CASE, fromNow(0, 1), customer(0.5)),
    ],
  },
  {
    name: 'quarter-end-treasury',
    description:
      'a quarter-end with a treasury incident: many rejected and returned supplier payments from the bank (some for regulatory reasons), payments in smaller currencies, unmatched receipts, AP tax and duplicate warnings, and IT incidents and escalated cases next to ordinary card traffic',
    seed: 29,
    events: 120,
    closeInDays: 2,
    mix: [
      entry(
        'iso20022',
        'payment_rejected',
        16,
        { ...AP, median: 20000, currencies: { EUR: 50, USD: 20, PLN: 10, SEK: 10, HUF: 10 } },
        aroundClose(-1, 2),
        supplier(0.4),
      ),
      entry(
        'iso20022',
        'returned_payment',
        10,
        { ...AP, median: 15000 },
        aroundClose(-1, 3),
        supplier(0.4),
      ),
      entry(
        'iso20022',
        'unmatched_receipt',
        6,
        { ...AP, median: 6000 },
        aroundClose(-1, 3),
        customer(0),
      ),
      entry('sap-s4', 'duplicate_warning', 6, AP, aroundClose(-2, 10), supplier(0.4)),
      entry('sap-s4', 'tax_code_conflict', 6, AP, aroundClose(-2, 10), supplier(0.4)),
      entry('sap-s4', 'payment_block', 6, AP, aroundClose(-3, 10), supplier(0.4)),
      entry('netsuite', 'approval_past_due', 5, AP, fromNow(-6, -1), supplier(0.4)),
      entry('stripe', 'charge_failed', 10, CARD, fromNow(0, 3), customer(0.2)),
      entry('stripe', 'dispute', 5, { ...CARD, median: 1500 }, fromNow(5, 20), customer(0.4)),
      entry('servicenow', 'escalation', 6, CASE, fromNow(0, 2), customer(0.4)),
      entry('servicenow', 'sla_breach_risk', 6, CASE, fromNow(0, 1), customer(0.4)),
      entry('salesforce', 'billing_escalation', 4, CASE, fromNow(1, 10), customer(0.5)),
      entry('salesforce', 'milestone_violated', 4, CASE, fromNow(-1, 0), customer(0.3)),
      entry('zendesk', 'sla_breach_risk', 6, CASE, fromNow(0, 1), customer(0.3)),
    ],
  },
  {
    name: 'four-four-five-support-day',
    description:
      'a support-heavy day two days before a 4-4-5 period end that is not a month-end: internal IT incidents stopping the payment run, the close, invoice capture or order management next to printer and email trouble, ServiceNow customer incidents by impact and urgency, Zendesk tickets with SLA tags, Salesforce cases by priority and milestone, card failures and renewals in several currencies, rejected and returned supplier payments in smaller currencies, a few AP blocks',
    seed: 47,
    events: 150,
    closeInDays: 2,
    mix: [
      entry('servicenow', 'internal_incident', 14, CASE, fromNow(0, 1), customer(0)),
      entry('servicenow', 'escalation', 6, CASE, fromNow(0, 2), customer(0.5)),
      entry('servicenow', 'sla_breach_risk', 8, CASE, fromNow(0, 1), customer(0.4)),
      entry('zendesk', 'sla_breach_risk', 12, CASE, fromNow(0, 1), customer(0.4)),
      entry('zendesk', 'billing_dispute', 6, CASE, fromNow(1, 10), customer(0.5)),
      entry('zendesk', 'renewal_escalation', 4, CASE, fromNow(0, 3), customer(0.6)),
      entry('salesforce', 'milestone_violated', 5, CASE, fromNow(-1, 0), customer(0.4)),
      entry('salesforce', 'billing_escalation', 5, CASE, fromNow(1, 10), customer(0.5)),
      entry('salesforce', 'renewal_at_risk', 4, CASE, fromNow(1, 5), customer(0.5)),
      entry(
        'stripe',
        'charge_failed',
        6,
        { ...CARD, currencies: { USD: 40, EUR: 20, MXN: 20, ZAR: 20 } },
        fromNow(0, 3),
        customer(0.3),
      ),
      entry(
        'stripe',
        'invoice_payment_failed',
        6,
        { ...RENEWAL, currencies: { USD: 50, EUR: 30, GBP: 20 } },
        fromNow(0, 7),
        customer(0.5),
      ),
      entry('stripe', 'dispute', 4, CARD, fromNow(5, 20), customer(0.4)),
      entry(
        'iso20022',
        'payment_rejected',
        6,
        { ...AP, median: 15000, currencies: { EUR: 40, CZK: 20, DKK: 20, NOK: 20 } },
        aroundClose(-1, 2),
        supplier(0.4),
      ),
      entry(
        'iso20022',
        'returned_payment',
        4,
        { ...AP, median: 12000 },
        aroundClose(-1, 3),
        supplier(0.4),
      ),
      entry(
        'iso20022',
        'unmatched_receipt',
        4,
        { ...AP, median: 6000 },
        aroundClose(-1, 3),
        customer(0),
      ),
      entry('sap-s4', 'po_price_mismatch', 5, AP, aroundClose(-3, 10), supplier(0.4)),
      entry('sap-s4', 'payment_block', 4, AP, aroundClose(-3, 10), supplier(0.4)),
      entry('sap-s4', 'tax_code_conflict', 3, AP, aroundClose(-2, 10), supplier(0.4)),
      entry('netsuite', 'approval_past_due', 3, AP, fromNow(-6, -1), supplier(0.4)),
    ],
  },
  {
    name: 'close-week-mixed-surge',
    description:
      'three business days before a month-end close, written after the other three as a check on them: a wide AP and treasury load (vendor master blocks, missing receipts, rejected payments in PLN and HUF, returned payments, unmatched receipts), internal IT incidents beside customer incidents, a Stripe dispute wave, Zendesk and Salesforce tickets of strategic and small accounts, NetSuite bills on hold',
    seed: 83,
    events: 220,
    closeInDays: 3,
    mix: [
      entry('sap-s4', 'po_price_mismatch', 8, AP, aroundClose(-4, 12), supplier(0.35)),
      entry('sap-s4', 'missing_receipt', 6, AP, aroundClose(-3, 10), supplier(0.35)),
      entry('sap-s4', 'vendor_master_block', 5, AP, aroundClose(-2, 8), supplier(0.5)),
      entry('sap-s4', 'duplicate_warning', 4, AP, aroundClose(-2, 12), supplier(0.35)),
      entry('sap-s4', 'tax_code_conflict', 3, AP, aroundClose(-2, 12), supplier(0.35)),
      entry('sap-s4', 'payment_block', 4, AP, aroundClose(-3, 10), supplier(0.35)),
      entry('netsuite', 'bill_on_hold', 5, AP, aroundClose(-2, 10), supplier(0.35)),
      entry('netsuite', 'approval_past_due', 3, AP, fromNow(-5, -1), supplier(0.35)),
      entry(
        'iso20022',
        'payment_rejected',
        9,
        { ...AP, median: 18000, currencies: { EUR: 45, USD: 25, PLN: 15, HUF: 15 } },
        aroundClose(-1, 2),
        supplier(0.35),
      ),
      entry(
        'iso20022',
        'returned_payment',
        5,
        { ...AP, median: 11000 },
        aroundClose(-1, 3),
        supplier(0.35),
      ),
      entry(
        'iso20022',
        'unmatched_receipt',
        5,
        { ...AP, median: 8000 },
        aroundClose(-1, 3),
        customer(0),
      ),
      entry('servicenow', 'internal_incident', 8, CASE, fromNow(0, 1), customer(0)),
      entry('servicenow', 'escalation', 5, CASE, fromNow(0, 2), customer(0.45)),
      entry('servicenow', 'sla_breach_risk', 5, CASE, fromNow(0, 1), customer(0.45)),
      entry('stripe', 'dispute', 9, { ...CARD, median: 900 }, fromNow(4, 21), customer(0.35)),
      entry('stripe', 'charge_failed', 7, CARD, fromNow(0, 3), customer(0.25)),
      entry('stripe', 'invoice_payment_failed', 7, RENEWAL, fromNow(0, 7), customer(0.45)),
      entry('zendesk', 'sla_breach_risk', 9, CASE, fromNow(0, 1), customer(0.4)),
      entry('zendesk', 'billing_dispute', 5, CASE, fromNow(1, 10), customer(0.45)),
      entry('zendesk', 'renewal_escalation', 3, CASE, fromNow(0, 3), customer(0.55)),
      entry('salesforce', 'renewal_at_risk', 4, CASE, fromNow(1, 6), customer(0.45)),
      entry('salesforce', 'billing_escalation', 3, CASE, fromNow(1, 10), customer(0.45)),
      entry('salesforce', 'milestone_violated', 4, CASE, fromNow(-1, 0), customer(0.35)),
    ],
  },
  {
    name: 'month-end-support-surge',
    description:
      'two days before a month-end close with a support surge at its peak, written before the third pass as its check: Zendesk and ServiceNow tickets outnumber the finance items, internal IT incidents on the close and on office tools, a renewal wave (failed subscription invoices, renewal escalations and renewals at risk), card failures in USD, GBP and SEK, supplier payments rejected in EUR, PLN and DKK, returned payments and unmatched receipts, SAP blocks and NetSuite approvals past due',
    seed: 131,
    events: 230,
    closeInDays: 2,
    mix: [
      entry('zendesk', 'sla_breach_risk', 14, CASE, fromNow(0, 1), customer(0.45)),
      entry('zendesk', 'billing_dispute', 7, CASE, fromNow(1, 8), customer(0.5)),
      entry('zendesk', 'renewal_escalation', 5, CASE, fromNow(0, 3), customer(0.6)),
      entry('servicenow', 'sla_breach_risk', 8, CASE, fromNow(0, 1), customer(0.4)),
      entry('servicenow', 'escalation', 6, CASE, fromNow(0, 2), customer(0.5)),
      entry('servicenow', 'internal_incident', 10, CASE, fromNow(0, 1), customer(0)),
      entry('salesforce', 'renewal_at_risk', 6, CASE, fromNow(1, 4), customer(0.5)),
      entry('salesforce', 'billing_escalation', 4, CASE, fromNow(1, 8), customer(0.5)),
      entry('salesforce', 'milestone_violated', 5, CASE, fromNow(-1, 0), customer(0.4)),
      entry(
        'stripe',
        'charge_failed',
        8,
        { ...CARD, currencies: { USD: 55, GBP: 25, SEK: 20 } },
        fromNow(0, 2),
        customer(0.3),
      ),
      entry('stripe', 'invoice_payment_failed', 9, RENEWAL, fromNow(0, 5), customer(0.55)),
      entry('stripe', 'dispute', 4, { ...CARD, median: 700 }, fromNow(6, 18), customer(0.4)),
      entry(
        'iso20022',
        'payment_rejected',
        6,
        { ...AP, median: 16000, currencies: { EUR: 50, PLN: 25, DKK: 25 } },
        aroundClose(-1, 2),
        supplier(0.4),
      ),
      entry(
        'iso20022',
        'returned_payment',
        3,
        { ...AP, median: 10000 },
        aroundClose(-1, 3),
        supplier(0.4),
      ),
      entry(
        'iso20022',
        'unmatched_receipt',
        4,
        { ...AP, median: 7000 },
        aroundClose(-1, 2),
        customer(0),
      ),
      entry('sap-s4', 'payment_block', 4, AP, aroundClose(-2, 9), supplier(0.4)),
      entry('sap-s4', 'missing_receipt', 4, AP, aroundClose(-3, 10), supplier(0.4)),
      entry('sap-s4', 'vendor_master_block', 3, AP, aroundClose(-2, 8), supplier(0.45)),
      entry('sap-s4', 'duplicate_warning', 3, AP, aroundClose(-1, 10), supplier(0.4)),
      entry('sap-s4', 'tax_code_conflict', 2, AP, aroundClose(-1, 10), supplier(0.4)),
      entry('netsuite', 'approval_past_due', 4, AP, fromNow(-4, -1), supplier(0.4)),
      entry('netsuite', 'bill_on_hold', 3, AP, aroundClose(-2, 9), supplier(0.4)),
    ],
  },
];
