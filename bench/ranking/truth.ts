/**
 * The graded truth of the ranking benchmark, written from the business policy of finance and
 * support operations and from what each source event says — never from the hub's policy weights
 * or its scores. Grades: 3 act today, 2 act soon, 1 normal queue, 0 can wait.
 *
 * Business policy, as an operations lead would state it:
 * - Money at stake counts in the reporting currency (USD) at the real exchange rate: material
 *   from USD 10k, large from USD 50k; a ticket's money is its account's revenue (ARR).
 * - Time: overdue or an SLA already breached is the most urgent; due within a day next.
 * - Who: a strategic or enterprise customer, a critical supplier (sole source) matters more; an
 *   account renewing within 90 days with a billing problem puts the renewal at risk.
 * - Compliance: a payment the bank stops for a regulatory reason (ISO 20022 RR01–RR04) goes to
 *   compliance today; tax conflicts and duplicate-payment warnings matter before payment runs.
 * - The source's own severity: a ServiceNow priority 1, a Zendesk Urgent ticket, an escalated
 *   case are what the source's own people flagged.
 * - The close: finance items due by the period end block the close.
 * - An internal IT incident has no customer and no money: the business process it stops stands
 *   for them. Stopping a finance process (payment run, period close, invoice capture, order to
 *   cash) makes it a finance item; stopping one the close needs (payment run, period close,
 *   invoice capture) within three days of the period end holds up the close itself. A printer jam
 *   is judged by its own priority and SLA alone.
 *
 * Time is read from what the event says, the way the person working the queue sees it; where the
 * source names no date, the business rule for that kind of item gives one:
 * - a declined card payment (Stripe charge.failed) is followed up within a day: retried, or the
 *   customer asked for another card before the order or subscription lapses;
 * - a supplier payment the bank returns (camt.054) is re-sent with the next weekly payment run;
 * - a customer receipt the bank could not match is applied before the books close (the period end);
 * - a Zendesk ticket carries no due time: `sla_breached` is overdue, `sla_at_risk` due within
 *   hours, and without either tag nobody can say when it is due.
 */
import { supportAccount } from '../../apps/cli/src/simulate/support-accounts';
import type { PlannedEvent } from '../../apps/cli/src/simulate/plan';
import { INTERNAL_SERVICES } from '../../apps/cli/src/simulate/drivers/servicenow.driver';
import { MS_PER_DAY, MS_PER_HOUR } from '@exhub/core';

/** Real rates to USD for the bench's currencies (the truth knows them; the hub may not). */
const USD_PER: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 1.13,
  GBP: 1.32,
  PLN: 0.27,
  SEK: 0.1,
  HUF: 0.0029,
  CZK: 0.045,
  DKK: 0.15,
  NOK: 0.097,
  MXN: 0.052,
  ZAR: 0.056,
};
const REGULATORY = new Set(['RR01', 'RR02', 'RR03', 'RR04']);

export interface Facts {
  usd?: number;
  /** Hours to the due date the event shows or the business rule gives (Infinity: none known). */
  hoursToDue: number;
  /** An internal IT incident: the business process it stops, and whether the close needs it. */
  process?: string;
  closeCritical?: boolean;
  /** Customer tier (CRM) or supplier criticality (master data). */
  partyTier?: string;
  renewalInDays?: number;
  arr?: number;
  regulatory: boolean;
  /** Tax conflict, duplicate warning, fraud dispute. */
  compliance: boolean;
  /** The source's own severity: 2 critical, 1 high, 0 normal, -1 low. */
  severity: number;
  slaBreached: boolean;
  finance: boolean;
}

const json = (e: PlannedEvent): Record<string, unknown> =>
  e.contentType.includes('json') ? (JSON.parse(e.body) as Record<string, unknown>) : {};

const FINANCE_PROCESSES = new Set([
  'payment_run',
  'period_close',
  'invoice_processing',
  'order_to_cash',
]);
const AT_RISK_HOURS = 4;
const FOLLOW_UP_HOURS = 24;
const PAYMENT_RUN_HOURS = 7 * 24;

/** Glide date-time in UTC (`2026-11-22 14:05:09`) as a Date. */
const glide = (s: unknown): Date => new Date(`${String(s).replace(' ', 'T')}Z`);

/** When the event says the item is due, or the business rule for its kind when it says nothing. */
function dueOf(e: PlannedEvent, body: Record<string, unknown>, sentAt: Date, close: Date): Date {
  const after = (hours: number) => new Date(sentAt.getTime() + hours * MS_PER_HOUR);
  if (e.driver === 'servicenow') return glide(body.sla_due);
  if (e.driver === 'stripe' && e.kind === 'charge_failed') return after(FOLLOW_UP_HOURS);
  if (e.kind === 'returned_payment') return after(PAYMENT_RUN_HOURS);
  // Before the books close: by the end of the period-end day (`close` is its midnight start), as
  // the close rule below reads "due by the period end".
  if (e.kind === 'unmatched_receipt') return new Date(close.getTime() + MS_PER_DAY);
  if (e.driver === 'zendesk') {
    const tags = String(body.tags).split(' ');
    if (tags.includes('sla_breached')) return sentAt;
    if (tags.includes('sla_at_risk')) return after(AT_RISK_HOURS);
    return new Date(Number.POSITIVE_INFINITY);
  }
  // SAP, NetSuite, pain.002, Stripe disputes and invoices, Salesforce milestones name their date.
  return e.dueAt;
}

/** What the event says, read the way a person would read the source record. */
export function factsOf(e: PlannedEvent, sentAt: Date, closeDate: Date): Facts {
  const body = json(e);
  const support = ['zendesk', 'salesforce', 'servicenow'].includes(e.driver);
  const internal = e.kind === 'internal_incident';
  const service = internal
    ? INTERNAL_SERVICES.find(
        (x) => x.sysId === (body.business_service as { value?: string } | undefined)?.value,
      )
    : undefined;
  const customer =
    !internal &&
    !['sap-s4', 'netsuite'].includes(e.driver) &&
    e.kind !== 'payment_rejected' &&
    e.kind !== 'returned_payment';
  const account = customer ? supportAccount(e.party) : undefined;
  let severity = 0;
  let slaBreached = false;
  let compliance = false;
  let regulatory = false;
  if (e.driver === 'servicenow') {
    const priority = Number(body.priority);
    severity = priority <= 1 ? 2 : priority === 2 ? 1 : priority >= 4 ? -1 : 0;
    slaBreached = body.made_sla === 'false';
  } else if (e.driver === 'zendesk') {
    const p = String(body.ticket_priority);
    severity = p === 'Urgent' ? 2 : p === 'High' ? 1 : p === 'Low' ? -1 : 0;
    slaBreached = String(body.tags).split(' ').includes('sla_breached');
  } else if (e.driver === 'salesforce') {
    severity = body.Priority === 'High' ? 1 : body.Priority === 'Low' ? -1 : 0;
    if (body.IsEscalated === true) severity += 1;
    const milestones = (body.CaseMilestones as { records: { IsViolated: boolean }[] }).records;
    slaBreached = milestones.some((m) => m.IsViolated);
  } else if (e.driver === 'iso20022') {
    const code = /<Rsn><Cd>(\w+)<\/Cd><\/Rsn>/.exec(e.body)?.[1];
    regulatory = code !== undefined && REGULATORY.has(code);
  } else if (e.driver === 'stripe' && e.kind === 'dispute') {
    const dispute = (body.data as { object: { reason: string } }).object;
    compliance = dispute.reason === 'fraudulent';
  }
  if (e.kind === 'tax_code_conflict' || e.kind === 'duplicate_warning') compliance = true;
  const rate = USD_PER[e.amount.currency];
  const withAmount = !support;
  const due = dueOf(e, body, sentAt, closeDate).getTime();
  return {
    usd: withAmount && rate !== undefined ? Number(e.amount.value) * rate : undefined,
    hoursToDue: Number.isNaN(due)
      ? Number.POSITIVE_INFINITY
      : (due - sentAt.getTime()) / MS_PER_HOUR,
    process: service?.process,
    closeCritical: service?.closeCritical,
    partyTier: internal ? undefined : (account?.tier ?? e.party.tier),
    renewalInDays: account?.renewalInDays,
    arr: account ? Number(account.arr) : undefined,
    regulatory,
    compliance,
    severity,
    slaBreached,
    finance:
      !support ||
      e.driver === 'stripe' ||
      e.driver === 'iso20022' ||
      (service?.process !== undefined && FINANCE_PROCESSES.has(service.process)),
  };
}

const IMPORTANT: Readonly<Record<string, number>> = {
  strategic: 2,
  critical: 2,
  enterprise: 1.5,
  high: 1,
  gold: 0.5,
};

/** The grade a person working the queue would give this exception (0-3). */
export function gradeOf(f: Facts, type: string, closeDate: Date, sentAt: Date): number {
  if (f.regulatory) return 3;
  // Money at stake: the amount, or for a ticket the account's revenue.
  const money = f.usd ?? (f.arr !== undefined ? f.arr / 20 : 0);
  let points = money >= 50_000 ? 3 : money >= 10_000 ? 2 : money >= 1_000 ? 1 : 0;
  // Time left.
  if (f.hoursToDue <= 0 || f.slaBreached) points += 3;
  else if (f.hoursToDue <= 24) points += 2;
  else if (f.hoursToDue <= 72) points += 1;
  points += IMPORTANT[f.partyTier ?? ''] ?? 0;
  const renewalNear = f.renewalInDays !== undefined && f.renewalInDays <= 90;
  if (
    renewalNear &&
    (type === 'billing_dispute' || type === 'payment_failure' || type === 'escalation')
  )
    points += 1;
  if (f.compliance) points += 1.5;
  points += f.severity;
  const hoursToClose = (closeDate.getTime() - sentAt.getTime()) / MS_PER_HOUR;
  // An internal incident: the business process it stops stands for the customer it does not have.
  if (f.process !== undefined)
    points += f.closeCritical && hoursToClose <= 72 ? 2 : FINANCE_PROCESSES.has(f.process) ? 1 : 0;
  // The close: finance items due by the period end block it.
  if (f.finance && hoursToClose <= 72 && f.hoursToDue <= hoursToClose + 24) points += 1;
  if (points >= 7) return 3;
  if (points >= 5) return 2;
  if (points >= 3) return 1;
  return 0;
}

/**
 * The impact × urgency matrix a service desk would use (ServiceNow style): impact from the
 * source's own severity where it has one, else from the amount as given (no FX); urgency from the
 * due date. Priority 1 (highest) to 5.
 */
export function matrixPriority(e: PlannedEvent, f: Facts): number {
  let impact: number;
  const body = json(e);
  if (e.driver === 'servicenow') return Number(body.priority);
  if (f.severity >= 2) impact = 1;
  else if (f.severity === 1) impact = 2;
  else if (['zendesk', 'salesforce'].includes(e.driver)) impact = 3;
  else {
    const amount = Number(e.amount.value);
    impact = amount >= 10_000 ? 1 : amount >= 1_000 ? 2 : 3;
  }
  const urgency = f.hoursToDue <= 24 || f.slaBreached ? 1 : f.hoursToDue <= 72 ? 2 : 3;
  return Math.min(5, impact + urgency - 1);
}
