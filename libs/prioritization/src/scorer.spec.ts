import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ScoringInput } from './input';
import type { PriorityModel } from './model';
import { PolicyError, loadPolicyFile, parsePolicy, type PriorityPolicy } from './policy';
import { PolicyScorer, pointTotals, type PriorityResult, type ScorerOptions } from './scorer';

const POLICY_FILE = join(__dirname, '../../../policies/priority.yaml');
const policy = loadPolicyFile(POLICY_FILE);
const scorer = new PolicyScorer(policy);
// Friday 20 November 2026, noon UTC: not in the month-end close window.
const now = new Date('2026-11-20T12:00:00Z');
const inHours = (h: number) =>
  new Date(now.getTime() + h * 3_600_000).toISOString().replace('.000', '');
const inDays = (d: number) => inHours(24 * d).slice(0, 10);
const usd = (value: string) => ({ value, currency: 'USD' });

/** The shared assertion: every score's factor points add up exactly to it (in hundredths). */
function expectPointsAddUp(r: PriorityResult): PriorityResult {
  const t = pointTotals(r);
  expect(t.factors).toBe(t.score);
  expect(r.score).toBeGreaterThanOrEqual(0);
  expect(r.score).toBeLessThanOrEqual(100);
  expect(r.factors.length).toBeLessThanOrEqual(20);
  for (const f of r.factors) expect(f.detail.length).toBeGreaterThan(0);
  return r;
}
const scored = (input: ScoringInput, s: PolicyScorer = scorer) =>
  expectPointsAddUp(s.score(input, now));

/** A scorer over the shipped policy with some of it changed. */
function scorerWith(
  change: (p: PriorityPolicy) => void,
  options?: ScorerOptions,
  model?: PriorityModel,
) {
  const data = parse(readFileSync(POLICY_FILE, 'utf8')) as PriorityPolicy;
  change(data);
  return new PolicyScorer(
    parsePolicy(stringify(data), POLICY_FILE, () => model as PriorityModel),
    options,
  );
}

describe('PolicyScorer', () => {
  const cases: [string, ScoringInput][] = [
    [
      'small dispute far from due',
      {
        domain: 'finance',
        type: 'chargeback_dispute',
        amount: { value: '22.00', currency: 'USD' },
        dueAt: '2026-12-20T00:00:00Z',
      },
    ],
    [
      'large overdue failure',
      {
        domain: 'finance',
        type: 'payment_failure',
        amount: { value: '250000.00', currency: 'EUR' },
        dueAt: '2026-11-01T00:00:00Z',
      },
    ],
    ['no amount', { domain: 'support', type: 'sla_breach_risk', dueAt: '2026-11-20T14:00:00Z' }],
    [
      'unknown currency',
      { domain: 'finance', type: 'payment_failure', amount: { value: '999.99', currency: 'SEK' } },
    ],
  ];

  it.each(cases)('factor points add up exactly to the score: %s', (_name, input) => {
    scored(input);
  });

  it('ranks a large overdue exception above a small one that is not due yet', () => {
    const [small, large] = [cases[0][1], cases[1][1]].map((c) => scored(c));
    expect(large.score).toBeGreaterThan(small.score);
    expect(large.tier).toBe('p1');
    expect(large.dimensions.slaRisk).toBe(1);
    expect(small.tier).not.toBe('p1');
  });

  it('requires review and floors the tier at five times materiality, naming the rule', () => {
    const r = scored({ domain: 'finance', type: 'payment_failure', amount: usd('60000.00') });
    expect(r.rulesFired).toEqual(['high-value-needs-review', 'review:amount']);
    expect(r.review).toEqual({
      required: true,
      reason: expect.stringContaining('five times materiality'),
    });
    expect(r.review.reason).toContain(
      'USD 60000.00 is at or above the review threshold of USD 50000.00',
    );
    expect(['p1', 'p2']).toContain(r.tier);
  });

  it('floors fraudulent disputes at p2 even when the amount is small, once the evidence is due within a week', () => {
    const fraud = { ...cases[0][1], signals: { reasonCode: 'fraudulent' } };
    const r = scored({ ...fraud, dueAt: '2026-11-25T12:00:00Z' }); // evidence due in 5 days
    expect(r.tier).toBe('p2');
    expect(r.rulesFired).toEqual(['fraud-dispute-floor']);
    expect(r.route).toBe('finance.disputes');
    expect(r.factors.find((f) => f.code === 'tier:fraud-dispute-floor')?.detail).toMatch(
      /^Disputes the card network classes as fraudulent are never below p2 once their evidence is due within a week/,
    );
    // Evidence due in a month: it waits its turn like any USD 22 dispute.
    const later = scored(fraud);
    expect(later.rulesFired).toEqual([]);
    expect(later.tier).not.toBe('p2');
  });

  it('marks the score degraded and says why when no materiality is known for the currency', () => {
    const r = scored(cases[3][1]);
    expect(r.degraded).toBe(true);
    expect(r.factors.find((f) => f.code === 'financial_exposure')?.detail).toMatch(
      /no FX rate or materiality threshold for SEK, so the exposure is taken as neutral/,
    );
  });

  it('marks a support score degraded when the account tier the policy requires is unknown', () => {
    const ticket: ScoringInput = { domain: 'support', type: 'sla_breach_risk', dueAt: inHours(6) };
    // With the fix: a customer's account, or (an internal incident) its business process.
    expect(scorer.explain(ticket, now).degradedReasons).toEqual([
      expect.stringMatching(
        /^context.accountTier is not known: a customer's ticket: .*an internal incident: list its business service, CI, group or category in lookups\/business-processes.csv, by sys_id or by name/,
      ),
    ]);
    expect(scored(ticket).degraded).toBe(true);
    const withParty = { ...ticket, parties: [{ role: 'account', id: 'A1', tier: 'gold' }] };
    expect(scored(withParty).degraded).toBe(false);
  });

  it('ranks an IT incident that blocks a close-critical process in the close by that process, a printer jam not', () => {
    // Monday 30 November 2026: the last business day of November, inside the close window.
    const closeDay = new Date('2026-11-30T09:00:00Z');
    const incident = (signals: Record<string, unknown>): ScoringInput => ({
      domain: 'support',
      type: 'escalation',
      signals: { priorityLabel: '1 - Critical', reasonCode: 'high', ...signals },
    });
    const paymentRun = incident({
      businessProcess: 'payment_run',
      businessProcessKey: 'service:SAP S/4HANA Payment Run',
      closeCritical: true,
    });
    const printerJam = incident({ category: 'hardware' });
    const blocked = expectPointsAddUp(scorer.score(paymentRun, closeDay));
    const jam = expectPointsAddUp(scorer.score(printerJam, closeDay));
    expect(blocked.score).toBeGreaterThan(jam.score + 20);
    expect([blocked.tier, jam.tier]).toEqual(['p2', 'p3']);
    expect(blocked.rulesFired).toEqual(['close-critical-process-blocked']);
    expect(blocked.factors.find((f) => f.code === 'customer_impact')?.detail).toBe(
      'The source rates it 1 - Critical (severity 0.8). It blocks payment run (service:SAP S/4HANA Payment Run), a close-critical process, and today is the last business day of November, inside the close window: business impact 0.9.',
    );
    expect(blocked.factors.find((f) => f.code === 'due_date_risk')?.detail).toMatch(
      /inside the month-end close window\.$/,
    );
    // The process stands for the customer an internal incident does not have: not degraded.
    expect(blocked.degraded).toBe(false);
    expect(jam.degraded).toBe(true);
    // Mid-month the same incident is a payment run problem, not a close problem.
    const later = expectPointsAddUp(scorer.score(paymentRun, now));
    expect(later.score).toBeLessThan(blocked.score);
    expect(later.factors.find((f) => f.code === 'customer_impact')?.detail).toMatch(
      /It blocks payment run \(service:SAP S\/4HANA Payment Run\), a close-critical process, outside the close window: business impact 0.9\.$/,
    );
  });

  it("ranks what the source's own people flagged critical above the same account's normal ticket, though customer impact is full", () => {
    // An enterprise account renewing in 30 days: customer impact is full whatever the label.
    const ticket = (priorityLabel: string): ScoringInput => ({
      domain: 'support',
      type: 'sla_breach_risk',
      dueAt: inHours(6),
      signals: { priorityLabel },
      context: { accountTier: 'enterprise', renewalDate: inDays(30) },
    });
    const critical = scored(ticket('1 - Critical'));
    const normal = scored(ticket('normal'));
    const low = scored(ticket('low'));
    expect(critical.dimensions.customerImpact).toBe(1);
    expect(normal.dimensions.customerImpact).toBe(1);
    expect(critical.score - normal.score).toBe(10);
    expect(normal.score - low.score).toBe(5);
    expect(critical.factors.find((f) => f.code === 'source_severity')).toEqual({
      code: 'source_severity',
      points: 10,
      detail:
        "The source's own people rate it 1 - Critical: more urgent than its normal work, 10 points more.",
    });
    expect(low.factors.find((f) => f.code === 'source_severity')?.detail).toBe(
      "The source's own people rate it low: less urgent than its normal work, 5 points less.",
    );
    expect(normal.factors.some((f) => f.code === 'source_severity')).toBe(false);
    // A low label never takes the score below 0: the factor says it was capped.
    const lowest = scorerWith((p) => {
      p.sourceSeverity = { points: { low: -50 } };
    });
    const capped = scored({ ...ticket('low'), context: undefined }, lowest);
    expect(capped.score).toBe(0);
    expect(capped.factors.find((f) => f.code === 'source_severity')?.detail).toMatch(
      /50 points less\. \(capped at -\d+\.\d\d to stay within 0-100\)$/,
    );
  });

  it('ranks a case its source marks escalated one step above its priority (source_severity)', () => {
    const escalation = (priorityLabel: string, escalated: boolean): ScoringInput => ({
      domain: 'support',
      type: 'escalation',
      dueAt: inDays(5),
      signals: { priorityLabel, escalated },
      context: { accountTier: 'strategic' },
    });
    const medium = scored(escalation('Medium', true));
    const notEscalated = scored(escalation('Medium', false));
    expect(medium.score - notEscalated.score).toBe(5);
    expect(medium.factors.find((f) => f.code === 'source_severity')).toEqual({
      code: 'source_severity',
      points: 5,
      detail:
        'Its source marks it escalated: its own people raised it above its priority Medium, 5 points more.',
    });
    expect(notEscalated.factors.some((f) => f.code === 'source_severity')).toBe(false);
    // A High escalated case counts as an urgent one: both in the one factor, both said.
    const high = scored(escalation('High', true));
    expect(high.factors.find((f) => f.code === 'source_severity')).toEqual({
      code: 'source_severity',
      points: 10,
      detail:
        "The source's own people rate it High: more urgent than its normal work, 5 points more. Its source marks it escalated: its own people raised it above its priority High, 5 points more.",
    });
    // Customer impact is full for a strategic account either way: the same score as urgent.
    expect(high.score).toBe(scored(escalation('urgent', false)).score);
  });

  it('ranks what is overdue, or its SLA breached, above what is still due within its expected time (overdue)', () => {
    // Both have due-date risk 1: a payment failure takes about a day, and one is due in 20 h.
    const failure = (dueAt: string): ScoringInput => ({
      domain: 'finance',
      type: 'payment_failure',
      amount: usd('5000.00'),
      dueAt,
    });
    const late = scored(failure(inHours(-6)));
    const dueSoon = scored(failure(inHours(20)));
    expect(late.dimensions.slaRisk).toBe(1);
    expect(dueSoon.dimensions.slaRisk).toBe(1);
    expect(late.score - dueSoon.score).toBe(3);
    expect(late.factors.find((f) => f.code === 'overdue')).toEqual({
      code: 'overdue',
      points: 3,
      detail: `Overdue since ${inHours(-6)}, 6 h ago: already late, unlike what is still due within its expected resolution time. 3 points more.`,
    });
    expect(dueSoon.factors.some((f) => f.code === 'overdue')).toBe(false);
    // A source that reports its SLA breached (risk 1) is overdue whatever due date it carries; one
    // that reports it at risk is not.
    const ticket = (reasonCode: string): ScoringInput => ({
      domain: 'support',
      type: 'sla_breach_risk',
      signals: { reasonCode },
      context: { accountTier: 'gold' },
    });
    const breached = scored(ticket('sla_breached'));
    expect(breached.factors.find((f) => f.code === 'overdue')?.detail).toBe(
      'The source reports sla_breached: its SLA is already breached, unlike what is still due within its expected resolution time. 3 points more.',
    );
    expect(scored(ticket('sla_at_risk')).factors.some((f) => f.code === 'overdue')).toBe(false);
    // Without overduePoints nothing is added.
    const without = scorerWith((p) => {
      delete p.resolution.overduePoints;
    });
    expect(scored(failure(inHours(-6)), without).score).toBe(dueSoon.score);
  });

  it('counts the close on top of a full due-date risk: the part of the boost it leaves out is its own factor (close_window)', () => {
    const closeDay = new Date('2026-11-27T12:00:00Z'); // business day 2 from the end of November
    const invoice = (dueAt: string): ScoringInput => ({
      domain: 'finance',
      type: 'invoice_mismatch',
      amount: usd('5000.00'),
      dueAt,
    });
    // Due within its expected time (a day): due-date risk 1 already, and the close waits for it.
    const dueSoon = expectPointsAddUp(scorer.score(invoice('2026-11-28T06:00:00Z'), closeDay));
    const outside = expectPointsAddUp(scorer.score(invoice(inHours(18)), now));
    expect(dueSoon.dimensions.slaRisk).toBe(1);
    expect(dueSoon.score - outside.score).toBe(6.25);
    expect(dueSoon.factors.find((f) => f.code === 'close_window')).toEqual({
      code: 'close_window',
      points: 6.25,
      detail:
        'The close waits for it, and its due-date risk is full already: the close boost it leaves out (0.25) counts on its own, 6.25 points.',
    });
    // Due in two days: risk 0.5, the boost fits inside the dimension and nothing is left out.
    const later = expectPointsAddUp(scorer.score(invoice('2026-11-29T12:00:00Z'), closeDay));
    expect(later.dimensions.slaRisk).toBe(0.75);
    expect(later.factors.some((f) => f.code === 'close_window')).toBe(false);
    // Without boostBeyondFullRisk the boost is lost on what is due soonest.
    const lost = scorerWith((p) => {
      p.closeCalendar!.boostBeyondFullRisk = false;
    });
    expect(lost.score(invoice('2026-11-28T06:00:00Z'), closeDay).score).toBe(outside.score);
  });

  it('gives a chargeback due in five days a quarter of the due-date risk: its evidence takes about two days (P2D)', () => {
    const dispute: ScoringInput = {
      domain: 'finance',
      type: 'chargeback_dispute',
      amount: usd('800.00'),
      dueAt: inHours(120),
    };
    const r = scored(dispute);
    expect(r.dimensions.slaRisk).toBe(0.25);
    expect(r.factors.find((f) => f.code === 'due_date_risk')).toEqual({
      code: 'due_date_risk',
      dimension: 'slaRisk',
      points: 6.25,
      detail: `Due ${inHours(120)}, in 120 h; a chargeback dispute takes about 48 h to resolve.`,
    });
    // With P3D (a horizon of nine days) the same dispute had two thirds of it.
    const three = scorerWith((p) => {
      p.resolution.expected.byType!.chargeback_dispute = 'P3D';
    });
    expect(three.score(dispute, now).dimensions.slaRisk).toBe(0.667);
  });

  it('counts the close from three business days before the period-end day (lastBusinessDays 4)', () => {
    // Wednesday 25 November 2026: the period-end day (Monday 30) and three business days before it.
    const wednesday = new Date('2026-11-25T12:00:00Z');
    const invoice: ScoringInput = {
      domain: 'finance',
      type: 'invoice_mismatch',
      amount: usd('5000.00'),
      dueAt: '2026-11-26T06:00:00Z',
    };
    const r = expectPointsAddUp(scorer.score(invoice, wednesday));
    expect(r.factors.find((f) => f.code === 'close_window')).toEqual({
      code: 'close_window',
      points: 6.25,
      detail:
        'The close waits for it, and its due-date risk is full already: the close boost it leaves out (0.25) counts on its own, 6.25 points.',
    });
    expect(r.factors.find((f) => f.code === 'due_date_risk')?.detail).toContain(
      'business day 4 from the end of November',
    );
    // With the window of three business days, the Wednesday is outside it.
    const three = scorerWith((p) => {
      p.closeCalendar!.lastBusinessDays = 3;
    });
    const outside = three.score(invoice, wednesday);
    expect(outside.factors.some((f) => f.code === 'close_window')).toBe(false);
    expect(r.score - outside.score).toBe(6.25);
  });

  it("counts as a dependency only what shares a reference, not the same account's other open work", () => {
    const ticket = (via: 'party' | 'reference'): ScoringInput => ({
      domain: 'support',
      type: 'sla_breach_risk',
      dueAt: inHours(6),
      context: {
        accountTier: 'enterprise',
        linkedOpenExceptions: [
          { id: 'a', domain: 'finance', type: 'billing_dispute', via },
          { id: 'b', domain: 'finance', type: 'payment_failure', via: 'party' },
        ],
      },
    });
    const shared = scored(ticket('reference'));
    const partyOnly = scored(ticket('party'));
    expect(shared.factors.find((f) => f.code === 'dependency_risk')).toEqual({
      code: 'dependency_risk',
      dimension: 'dependencyRisk',
      points: 3.33,
      detail:
        "Depends on 1 linked open exception (billing dispute). 1 open exception of another domain shares only a party, no reference: the same account's or supplier's other work, not a dependency, and does not count.",
    });
    expect(partyOnly.factors.some((f) => f.code === 'dependency_risk')).toBe(false);
    expect(shared.score - partyOnly.score).toBeCloseTo(3.33, 9);
  });

  it('gives a returned supplier payment a due date and its supplier criticality', () => {
    const returned: ScoringInput = {
      domain: 'finance',
      type: 'reconciliation_break',
      occurredAt: inHours(-150),
      amount: { value: '15000.00', currency: 'EUR' },
      amountBase: { value: '16200.00', currency: 'USD' },
      signals: { breakKind: 'returned', reasonCode: 'AC04' },
      parties: [{ role: 'supplier', id: 'DE67500105101448635168', tier: 'critical' }],
    };
    const r = scored(returned);
    const due = r.factors.find((f) => f.code === 'due_date_risk');
    expect(due?.detail).toBe(
      `Due ${inHours(18)}, in 18 h; a reconciliation break takes about 24 h to resolve. The source gives no due date: a returned supplier payment must be re-sent by the next weekly payment run, 7 days after the return (occurredAt ${inHours(-150)} + P7D).`,
    );
    expect(r.factors.find((f) => f.code === 'customer_impact')?.detail).toBe(
      'The supplier is rated critical (criticality 0.9).',
    );
    // Within 48 h of its due date and a critical supplier: the policy's rule for those applies.
    expect(r.rulesFired).toContain('strategic-supplier-due-soon');
    // When the invoice's due date is known, that is the due date.
    const invoiceDue = scorer.explain(
      { ...returned, signals: { ...returned.signals, invoiceDueDate: inDays(1) } },
      now,
    );
    expect(invoiceDue.priority.factors.find((f) => f.code === 'due_date_risk')?.detail).toMatch(
      /a returned supplier payment is due when the invoice it paid is due \(signals.invoiceDueDate/,
    );
    // A returned direct debit of a customer is no supplier payment: no due date is implied.
    const debit = scored({ ...returned, parties: [{ role: 'customer', id: 'C1', tier: 'gold' }] });
    expect(debit.factors.find((f) => f.code === 'due_date_risk')).toBeUndefined();
  });

  it('gives an unmatched customer receipt the period end as its due date (applied before the books close)', () => {
    const receipt: ScoringInput = {
      domain: 'finance',
      type: 'reconciliation_break',
      occurredAt: inHours(-1),
      amount: usd('6000.00'),
      signals: { breakKind: 'unmatched' },
    };
    // Without periodEnds: the month-end (2026-11-30), due by the end of that day.
    const r = scorer.explain(receipt, new Date('2026-11-29T12:00:00Z')).priority;
    expect(r.factors.find((f) => f.code === 'due_date_risk')?.detail).toMatch(
      /^Due 2026-12-01T00:00:00Z, in 36 h; .* The source gives no due date: a customer receipt the bank could not match is applied before the books close, by the end of the period \(periodEnd 2026-12-01T00:00:00Z \+ PT0S\)\. Today is Sunday 2026-11-29, .* inside the month-end close window\.$/,
    );
    // A 4-4-5 period end two days away: due then.
    const data = parse(readFileSync(POLICY_FILE, 'utf8')) as PriorityPolicy;
    data.closeCalendar!.periodEnds = [{ date: '2026-11-14' }, { date: '2026-11-22' }];
    const fourFourFive = new PolicyScorer(parsePolicy(stringify(data), POLICY_FILE));
    const soon = fourFourFive.explain(receipt, now).priority;
    expect(soon.factors.find((f) => f.code === 'due_date_risk')?.detail).toMatch(
      /^Due 2026-11-23T00:00:00Z, in 60 h;/,
    );
  });

  it('gives a declined card payment, which names no date, a follow-up within a day', () => {
    const declined: ScoringInput = {
      domain: 'finance',
      type: 'payment_failure',
      occurredAt: inHours(-2),
      amount: usd('3600.00'),
      signals: { reasonCode: 'card_declined' },
      parties: [{ role: 'customer', id: 'cus_Q1', tier: 'enterprise' }],
    };
    const r = scored(declined);
    expect(r.factors.find((f) => f.code === 'due_date_risk')?.detail).toBe(
      `Due ${inHours(22)}, in 22 h; a payment failure takes about 24 h to resolve. The source gives no due date: a declined customer payment (a card charge names no date) is followed up within a day, retried or the customer asked for another card before the order or subscription lapses (occurredAt ${inHours(-2)} + P1D).`,
    );
    // A date the source gives wins (a subscription invoice's next retry).
    const invoice = scored({ ...declined, dueAt: inDays(6) });
    expect(invoice.factors.find((f) => f.code === 'due_date_risk')).toBeUndefined();
    // A rejected supplier payment is no customer payment: nothing is implied for it.
    const supplier = scored({ ...declined, parties: [{ role: 'supplier', id: '100045' }] });
    expect(supplier.factors.find((f) => f.code === 'due_date_risk')).toBeUndefined();
  });

  it('marks missing master data of a named party degraded, naming the party and the fix', () => {
    const returned: ScoringInput = {
      domain: 'finance',
      type: 'reconciliation_break',
      amount: { value: '15000.00', currency: 'EUR' },
      parties: [{ role: 'supplier', id: 'DE89370400440532013000' }],
    };
    expect(scorer.explain(returned, now).degradedReasons).toEqual([
      'context.supplierCriticality is not known for supplier DE89370400440532013000: add the supplier under its ERP supplier id to lookups/supplier-criticality.csv, or set enrichment.supplier',
    ]);
    const known = { ...returned, parties: [{ role: 'supplier', id: '100045', tier: 'critical' }] };
    expect(scored(known).degraded).toBe(false);
    // No supplier named, nothing to look up: not degraded for it.
    expect(scored({ ...returned, parties: [] }).degraded).toBe(false);
    const dispute: ScoringInput = {
      domain: 'finance',
      type: 'chargeback_dispute',
      parties: [{ role: 'customer', id: 'cus_Unlisted' }],
    };
    expect(scorer.explain(dispute, now).degradedReasons).toEqual([
      expect.stringMatching(
        /^context.accountTier is not known for customer cus_Unlisted: add the customer under the source's customer id/,
      ),
    ]);
  });

  it('marks a chargeback that names no customer degraded: every dispute has one, the event did not say whose', () => {
    // Stripe's charge.dispute.created names the charge only.
    const dispute: ScoringInput = {
      domain: 'finance',
      type: 'chargeback_dispute',
      amount: { value: '800.00', currency: 'USD' },
      references: { payment: 'ch_3Q1' },
    };
    const r = scored(dispute);
    expect(r.degraded).toBe(true);
    expect(scorer.explain(dispute, now).degradedReasons).toEqual([
      expect.stringMatching(
        /^context.accountTier is not known: the dispute names no customer \(a Stripe dispute event carries only its charge id\)/,
      ),
    ]);
    // A customer the lookup tables know: nothing missing.
    const known = { ...dispute, parties: [{ role: 'customer', id: 'cus_K', tier: 'enterprise' }] };
    expect(scored(known).degraded).toBe(false);
    // A payment failure without a customer is not held to it (a payout has none).
    expect(scored({ ...dispute, type: 'payment_failure' }).degraded).toBe(false);
  });

  it('moves a score a rule floored into its tier, so the worklist ranks it there (RR04 to p1)', () => {
    const rejected: ScoringInput = {
      domain: 'finance',
      type: 'payment_failure',
      amount: { value: '900.00', currency: 'USD' },
      signals: { reasonCode: 'RR04' },
    };
    const r = scored(rejected);
    expect(r.tier).toBe('p1');
    expect(r.score).toBe(65);
    expect(r.rulesFired).toContain('sanctions-hit');
    const moved = r.factors.find((f) => f.code === 'tier:sanctions-hit');
    expect(moved?.detail).toBe(
      'A sanctions-type or regulatory reason code (ISO 20022 RR01-RR04) always needs review by compliance. The score moves up to 65.00, inside p1, so the worklist ranks it there.',
    );
    expect(pointTotals(r).factors).toBe(pointTotals(r).score);
    expect(r.route).toBe('finance.compliance');
  });

  it('records the policy hash as the model version', () => {
    expect(scorer.score(cases[0][1], now).model).toEqual({ name: 'policy', version: policy.hash });
    expect(policy.hash).toMatch(/^[0-9a-f]{12}$/);
  });

  it('routes by domain, type and tier, and names the team and SLA target of the tier', () => {
    const e = scorer.explain(cases[1][1], now);
    expect(e.priority.route).toBe('finance.ops-urgent');
    expect(e.team).toBe('AP/AR leads');
    expect(e.slaTarget).toBe('PT4H');
  });

  it('adds rule points as a factor, capped so the score stays within 0-100', () => {
    const s = scorerWith((p) => {
      p.rules = [
        {
          id: 'plus-forty',
          description: 'Forty points for payment failures.',
          when: [{ field: 'type', equals: 'payment_failure' }],
          then: { addPoints: 40 },
        },
      ];
    });
    const r = scored(cases[1][1], s);
    expect(r.score).toBe(100);
    const rule = r.factors.find((f) => f.code === 'rule:plus-forty');
    expect(rule?.detail).toMatch(/capped at \d+\.\d\d to stay within 0-100/);
    expect(r.rulesFired).toEqual(['plus-forty']);
  });

  it('applies ceilings and lists only the rules that changed the outcome', () => {
    const s = scorerWith((p) => {
      p.rules = [
        {
          id: 'cap-p3',
          description: 'Payment failures are at most p3.',
          when: [{ field: 'type', equals: 'payment_failure' }],
          then: { ceilingTier: 'p3' },
        },
        {
          id: 'floor-p4',
          description: 'Never below p4 (changes nothing).',
          when: [{ field: 'domain', equals: 'finance' }],
          then: { floorTier: 'p4' },
        },
      ];
    });
    const r = scored(cases[1][1], s);
    expect(r.tier).toBe('p3');
    expect(r.rulesFired).toEqual(['cap-p3']);
  });

  it('reloads a valid policy and keeps the old one when the new file is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'priority.yaml');
    const text = readFileSync(POLICY_FILE, 'utf8').replace(/^model:[\s\S]*?(?=^# Hard rules)/m, '');
    writeFileSync(file, text);
    const s = new PolicyScorer(loadPolicyFile(file));
    const before = s.version;
    writeFileSync(file, text.replace('p1: { minScore: 65', 'p1: { minScore: 10'));
    expect(() => s.reload()).toThrow(
      new PolicyError(`${file} /tiers: minScore must fall from p1 to p3 (got p1 10, p2 45, p3 20)`),
    );
    expect(s.version).toBe(before);
    writeFileSync(file, text.replace('p1: { minScore: 65', 'p1: { minScore: 60'));
    s.reload();
    expect(s.version).not.toBe(before);
    expect(s.policy.policy.tiers.p1.minScore).toBe(60);
  });

  it('refuses unknown fields and malformed conditions with their pointer', () => {
    expect(() => parsePolicy('version: 1\nbogus: 1\n', 'p.yaml')).toThrow(
      /p\.yaml \/: must NOT have additional properties/,
    );
    const data = parse(readFileSync(POLICY_FILE, 'utf8')) as PriorityPolicy;
    (data.rules as unknown[])[0] = {
      id: 'x',
      description: 'x',
      when: [{ field: 'type', equals: 'a', gte: 1 }],
      then: { floorTier: 'p2' },
    };
    expect(() => parsePolicy(stringify(data), 'p.yaml')).toThrow(
      /p\.yaml \/rules\/0\/when\/0: must NOT have more than 2 properties/,
    );
  });

  it('names the model file and the fix when the policy points at a model that is not there', () => {
    const data = parse(readFileSync(POLICY_FILE, 'utf8')) as PriorityPolicy;
    data.model = { mode: 'shadow', file: 'no-such-model.json' };
    expect(() => parsePolicy(stringify(data), POLICY_FILE)).toThrow(
      /\/model\/file: cannot load .*no-such-model\.json .*exhub model train/,
    );
  });
});

describe('acceptance scenarios', () => {
  it('(1) a strategic infrastructure supplier invoice due in 48 h with a recurring tax mismatch ranks above a low-value office-supplies discrepancy', () => {
    const infrastructure: ScoringInput = {
      domain: 'finance',
      type: 'invoice_mismatch',
      amount: { value: '38400.00', currency: 'EUR' },
      amountBase: usd('41700.00'),
      dueAt: inHours(40),
      parties: [
        { role: 'supplier', id: 'V-100200', name: 'Northwind Data Centres', tier: 'strategic' },
      ],
      signals: { reasonCode: 'TAX_MISMATCH' },
      context: { supplierCriticality: 'strategic', recurrenceCount: 3 },
    };
    const officeSupplies: ScoringInput = {
      domain: 'finance',
      type: 'invoice_mismatch',
      amount: { value: '86.40', currency: 'EUR' },
      amountBase: usd('93.80'),
      dueAt: inHours(24 * 21),
      parties: [{ role: 'supplier', id: 'V-300911', name: 'Paper & Pens Ltd', tier: 'tail' }],
      signals: { reasonCode: 'QTY_VARIANCE' },
      context: { supplierCriticality: 'tail' },
    };
    const a = scored(infrastructure);
    const b = scored(officeSupplies);
    expect(a.score).toBeGreaterThan(b.score + 30);
    expect(a.tier).toBe('p1');
    expect(b.tier).toBe('p4');
    expect(a.rulesFired).toContain('strategic-supplier-due-soon');
    const codes = a.factors.map((f) => f.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'financial_exposure',
        'due_date_risk',
        'customer_impact',
        'compliance_sensitivity',
        'dependency_risk',
        'rule:strategic-supplier-due-soon',
      ]),
    );
    expect(a.factors.find((f) => f.code === 'dependency_risk')?.detail).toBe(
      'Depends on the same root cause seen 3 times before.',
    );
    expect(a.factors.find((f) => f.code === 'compliance_sensitivity')?.detail).toBe(
      'Reason code TAX_MISMATCH is compliance-sensitive (0.8).',
    );
    expect(a.degraded).toBe(false);
  });

  it('(2) a moderate ticket from a strategic account renewing soon with an unresolved billing exception is raised above routine tickets', () => {
    const ticket = (context: ScoringInput['context']): ScoringInput => ({
      domain: 'support',
      type: 'sla_breach_risk',
      dueAt: inHours(5),
      signals: { priorityLabel: 'normal', sentiment: -0.2 },
      context,
    });
    const strategic = scored(
      ticket({
        accountTier: 'strategic',
        renewalDate: inDays(30),
        linkedOpenExceptions: [{ domain: 'finance', type: 'billing_dispute', tier: 'p3' }],
      }),
    );
    const routine = [
      ticket({ accountTier: 'smb' }),
      ticket({ accountTier: 'mid_market' }),
      ticket({ accountTier: 'enterprise', renewalDate: inDays(200) }),
    ].map((t) => scored(t));
    for (const r of routine) {
      expect(strategic.score).toBeGreaterThan(r.score);
      expect(['p3', 'p4']).toContain(r.tier);
    }
    expect(['p1', 'p2']).toContain(strategic.tier);
    expect(strategic.rulesFired).toContain('renewal-with-open-billing-issue');
    expect(strategic.factors.find((f) => f.code === 'customer_impact')?.detail).toContain(
      'renewing in 30 days',
    );
    // The link to the finance exception is part of the explanation, not only of the score.
    expect(strategic.factors.find((f) => f.code === 'dependency_risk')?.detail).toContain(
      '1 linked open exception (billing dispute)',
    );
  });

  it('(3) a duplicate-payment risk above the threshold requires review; one below it does not', () => {
    const dup = (value: string): ScoringInput => ({
      domain: 'finance',
      type: 'duplicate_payment_risk',
      amountBase: usd(value),
      references: { payment: 'PAY-1', invoice: 'INV-9' },
      dueAt: inHours(72),
    });
    const above = scored(dup('14250.00'));
    expect(above.review).toEqual({
      required: true,
      reason: expect.stringContaining('duplicate-payment risk at or above materiality'),
    });
    expect(above.rulesFired).toContain('duplicate-payment-review');
    expect(above.route).toBe('finance.payment-controls');
    expect(['p1', 'p2']).toContain(above.tier);
    const below = scored(dup('900.00'));
    expect(below.review).toEqual({ required: false });
    expect(below.rulesFired).not.toContain('duplicate-payment-review');
  });
});

describe('learned model in the scorer', () => {
  // A hand-set model: risk from the amex card brand only.
  const model: PriorityModel = {
    kind: 'logistic-regression',
    name: 'test-lr',
    version: '2026.11.0',
    createdAt: '2026-11-01T00:00:00Z',
    label: 'test',
    features: ['policy_score', 'signal:cardBrand=amex'],
    standardization: { mean: [0, 0], std: [1, 1] },
    intercept: -2,
    coefficients: [0, 4],
    trainingWindow: {
      from: '2026-01-01T00:00:00Z',
      to: '2026-10-01T00:00:00Z',
      records: 1,
      positives: 1,
    },
    policyHash: 'x',
    training: { library: 'x', seed: 1, steps: 1, learningRate: 1, testShare: 0.3 },
    metrics: {
      heldOut: {
        records: 1,
        positives: 1,
        model: { auc: 1, brier: 0 },
        policy: { auc: 1, brier: 0 },
      },
    },
  };
  const dispute: ScoringInput = {
    domain: 'finance',
    type: 'chargeback_dispute',
    amountBase: usd('8200.00'),
    dueAt: inHours(24 * 6),
    signals: { cardBrand: 'amex', reasonCode: 'general' },
  };
  const off = scored(dispute);

  it('in shadow mode records the prediction beside the score and changes nothing', () => {
    const notes: unknown[] = [];
    const s = scorerWith(
      (p) => (p.model = { mode: 'shadow', file: 'm.json', blend: 0.3 }),
      { onShadow: (n) => notes.push(n) },
      model,
    );
    const r = scored(dispute, s);
    expect({ ...r, model: off.model }).toEqual(off);
    expect(r.factors.some((f) => f.code === 'model')).toBe(false);
    expect(notes).toEqual([
      {
        model: 'test-lr',
        version: '2026.11.0',
        probability: 0.881,
        wouldAddPoints: expect.any(Number),
        wouldBeTier: expect.stringMatching(/^p[1-4]$/),
        policyTier: off.tier,
      },
    ]);
  });

  it('in shadow mode gives the tier the model would give under the same floors as the real tier', () => {
    const notes: { policyTier: string; wouldBeTier: string }[] = [];
    // A fraudulent dispute is floored at p2 by a rule; the model's extra points may lift it to p1
    // but can never leave it below the floor.
    const s = scorerWith(
      (p) => (p.model = { mode: 'shadow', file: 'm.json', blend: 0.3 }),
      { onShadow: (n) => notes.push(n) },
      model,
    );
    const small = { ...dispute, amountBase: usd('50.00') };
    scored({ ...small, signals: { cardBrand: 'visa', reasonCode: 'fraudulent' } }, s);
    expect(notes[0].policyTier).toBe('p2');
    expect(notes[0].wouldBeTier).toBe('p2');
  });

  it('tells every observer about every score, with the model version, until it unsubscribes', () => {
    const s = scorerWith(
      (p) => (p.model = { mode: 'shadow', file: 'm.json', blend: 0.3 }),
      {},
      model,
    );
    const seen: { policyScore: number; model?: { version: string; mode: string } }[] = [];
    const stop = s.observe((e) => seen.push(e));
    const r = scored(dispute, s);
    stop();
    scored(dispute, s);
    expect(seen).toHaveLength(1);
    expect(seen[0].policyScore).toBe(r.score);
    expect(seen[0].model).toEqual({ name: 'test-lr', version: '2026.11.0', mode: 'shadow' });
  });

  it('when active adds its contribution as a factor, the points still adding up exactly', () => {
    const s = scorerWith(
      (p) => (p.model = { mode: 'active', file: 'm.json', blend: 0.3 }),
      {},
      model,
    );
    const r = scored(dispute, s);
    const f = r.factors.find((x) => x.code === 'model');
    const expected = Math.round(0.3 * (100 * (1 / (1 + Math.exp(-2))) - off.score) * 100) / 100;
    expect(f?.points).toBeCloseTo(expected, 2);
    expect(r.score).toBeCloseTo(off.score + expected, 2);
    expect(f?.detail).toMatch(
      /^The learned model test-lr 2026\.11\.0 puts the risk .* at 88% .* Strongest signals: signal:cardBrand=amex \(raises it\)\./,
    );
    expect(r.model).toEqual({ name: 'policy+test-lr', version: `${s.version}+2026.11.0` });
  });

  it('sends the exception to review when rules and model disagree beyond the threshold', () => {
    const s = scorerWith(
      (p) => (p.model = { mode: 'active', file: 'm.json', blend: 0.3 }),
      {},
      model,
    );
    const r = scored({ ...dispute, amountBase: usd('150.00') }, s);
    expect(r.review.required).toBe(true);
    expect(r.review.reason).toMatch(
      /The learned model \(88% risk\) and the rules \(score [\d.]+\) disagree by \d+ points\./,
    );
    expect(r.rulesFired).toContain('review:model-disagreement');
  });
});
