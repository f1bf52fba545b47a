import { join } from 'node:path';
import { closeWindow } from './calendar';
import { holds } from './conditions';
import { durationMs } from './duration';
import {
  businessProcessImpact,
  complianceSensitivity,
  computeFeatures,
  customerImpact,
  dependencyRisk,
  dueRisk,
  effectiveContext,
  financialExposure,
  sourceSeverity,
  supplierCriticality,
} from './features';
import { loadPolicyFile } from './policy';
import canonicalSchema from '../../../schemas/canonical-exception.v1.schema.json';

const { policy } = loadPolicyFile(join(__dirname, '../../../policies/priority.yaml'));
// A Wednesday in the middle of November: outside the month-end close.
const midMonth = new Date('2026-11-18T12:00:00Z');
const usd = (value: string) => ({ value, currency: 'USD' });

describe('financial exposure', () => {
  it('grows with the logarithm of the amount against materiality and is full at 10x', () => {
    const at = (v: string) =>
      financialExposure({ domain: 'finance', type: 'x', amountBase: usd(v) }, policy);
    expect(at('1000.00').value).toBeCloseTo(Math.log1p(0.1) / Math.log1p(10), 6);
    expect(at('10000.00').value).toBeCloseTo(Math.log1p(1) / Math.log1p(10), 6);
    expect(at('100000.00').value).toBe(1);
    expect(at('9000.00').multiple).toBeCloseTo(0.9, 9);
    expect(at('5000.00').detail).toBe(
      'USD 5000.00 at stake is 50% of the USD 10000.00 materiality threshold.',
    );
  });

  it('uses the per-currency threshold without a base amount, and is degraded without one', () => {
    const gbp = financialExposure(
      { domain: 'finance', type: 'x', amount: { value: '8000.00', currency: 'GBP' } },
      policy,
    );
    expect(gbp.multiple).toBe(1);
    const sek = financialExposure(
      { domain: 'finance', type: 'x', amount: { value: '1.00', currency: 'SEK' } },
      policy,
    );
    expect(sek.degraded).toBe(true);
  });

  it('never compares an amount with no FX rate raw: neutral exposure, degraded, and says why', () => {
    const huf = financialExposure(
      {
        domain: 'finance',
        type: 'payment_failure',
        amount: { value: '2650000.00', currency: 'HUF' },
      },
      policy,
    );
    expect(huf.degraded).toBe(true);
    expect(huf.multiple).toBe(1);
    expect(huf.value).toBeCloseTo(Math.log1p(1) / Math.log1p(10), 9);
    expect(huf.detail).toBe(
      'HUF 2650000.00 at stake; there is no FX rate or materiality threshold for HUF, so the exposure is taken as neutral (1 times materiality) instead of comparing the amount with USD 10000.00.',
    );
    // With the FX rate (amountBase) the real amount counts.
    const based = financialExposure(
      {
        domain: 'finance',
        type: 'payment_failure',
        amount: { value: '2650000.00', currency: 'HUF' },
        amountBase: usd('7685.00'),
      },
      policy,
    );
    expect(based.degraded).toBe(false);
    expect(based.multiple).toBeCloseTo(0.7685, 9);
  });
});

describe('due-date risk', () => {
  const input = (dueAt?: string) => ({ domain: 'support', type: 'escalation', dueAt }); // expected PT4H
  // The shape alone, without the shipped policy's minimum horizon.
  const shape = { ...policy, resolution: { ...policy.resolution, minimumHorizon: undefined } };
  it('is 1 when the time left is no more than the expected resolution time, 0 from three times it', () => {
    expect(dueRisk(input('2026-11-18T10:00:00Z'), shape, midMonth).value).toBe(1); // overdue
    expect(dueRisk(input('2026-11-18T16:00:00Z'), shape, midMonth).value).toBe(1); // 4 h = expected
    expect(dueRisk(input('2026-11-18T20:00:00Z'), shape, midMonth).value).toBeCloseTo(0.5, 9); // 2x
    expect(dueRisk(input('2026-11-19T00:00:00Z'), shape, midMonth).value).toBe(0); // 3x
    expect(dueRisk(input(), shape, midMonth)).toMatchObject({
      value: 0,
      detail: 'No due date or SLA deadline is known.',
    });
  });

  it('keeps some urgency for what is due within three days, however quick its type (minimumHorizon)', () => {
    // Policy: an escalation due tomorrow is more urgent than one due next week. With PT4H × 3
    // alone, both would have no due-date risk at all.
    expect(policy.resolution.minimumHorizon).toBe('P3D');
    const tomorrow = dueRisk(input('2026-11-19T12:00:00Z'), policy, midMonth); // in 24 h
    const inTwoDays = dueRisk(input('2026-11-20T12:00:00Z'), policy, midMonth); // in 48 h
    const nextWeek = dueRisk(input('2026-11-25T12:00:00Z'), policy, midMonth);
    expect(tomorrow.value).toBeCloseTo((72 - 24) / (72 - 4), 9);
    expect(inTwoDays.value).toBeCloseTo((72 - 48) / (72 - 4), 9);
    expect(nextWeek.value).toBe(0);
    expect(tomorrow.detail).toBe(
      'Due 2026-11-19T12:00:00Z, in 24 h; an escalation takes about 4 h to resolve.',
    );
    expect(dueRisk(input('2026-11-19T12:00:00Z'), shape, midMonth).value).toBe(0);
    // A type slower than that keeps its own horizon (a chargeback: P2D × 3, six days).
    const dispute = {
      domain: 'finance',
      type: 'chargeback_dispute',
      dueAt: '2026-11-22T12:00:00Z',
    };
    expect(dueRisk(dispute, policy, midMonth).value).toBeCloseTo((6 - 4) / (6 - 2), 9);
  });

  it('rises in the month-end close window for finance only', () => {
    const closeDay = new Date('2026-11-27T12:00:00Z'); // Friday, 2nd-last business day of November
    const finance = dueRisk({ domain: 'finance', type: 'invoice_mismatch' }, policy, closeDay);
    expect(finance).toMatchObject({ value: 0.25, inCloseWindow: true });
    expect(finance.detail).toContain(
      'business day 2 from the end of November, inside the month-end close window',
    );
    expect(dueRisk({ domain: 'support', type: 'escalation' }, policy, closeDay).value).toBe(0);
  });
});

describe('close calendar', () => {
  const inWindow = (iso: string, holidays: string[] = []) =>
    closeWindow(new Date(iso), 3, 2, holidays).inWindow;
  it('covers the last three and first two business days of a month', () => {
    expect(inWindow('2026-11-25T12:00:00Z')).toBe(false); // Wed: 4th-last business day
    expect(inWindow('2026-11-26T12:00:00Z')).toBe(true); // Thu
    expect(inWindow('2026-11-22T12:00:00Z')).toBe(false); // Sunday before the window
    expect(closeWindow(new Date('2026-11-30T09:00:00Z'), 3, 2).label).toBe(
      'the last business day of November',
    );
    expect(inWindow('2026-12-01T12:00:00Z')).toBe(true);
    expect(inWindow('2026-12-02T12:00:00Z')).toBe(true);
    expect(inWindow('2026-12-03T12:00:00Z')).toBe(false);
  });
  it('keeps the weekend between two close days inside the window, with the sentence why', () => {
    // Saturday 28 November 2026 lies between Friday 27 (business day 2 from the end) and Monday
    // 30 (the last business day): the close goes on over that weekend.
    const saturday = closeWindow(new Date('2026-11-28T12:00:00Z'), 3, 2);
    expect(saturday).toEqual({
      inWindow: true,
      label:
        'Saturday 2026-11-28, a day off between business day 2 from the end of November and the last business day of November',
      periodEnd: '2026-11-30',
    });
    // The weekend after the first two business days of December is not.
    expect(inWindow('2026-12-05T12:00:00Z')).toBe(false);
  });
  it('raises only what the close waits for: due by the period-end day, no due date, or a close-critical incident', () => {
    const closeDay = new Date('2026-11-27T12:00:00Z'); // business day 2 from the end of November
    const invoice = (dueAt?: string) => ({ domain: 'finance', type: 'invoice_mismatch', dueAt });
    // Due on the last day of the period: part of the close.
    expect(dueRisk(invoice('2026-11-30T18:00:00Z'), policy, closeDay).inCloseWindow).toBe(true);
    expect(dueRisk(invoice(), policy, closeDay).inCloseWindow).toBe(true);
    // Due two weeks after it: the close does not wait for it, and the sentence says so.
    const later = dueRisk(invoice('2026-12-11T00:00:00Z'), policy, closeDay);
    expect(later.inCloseWindow).toBe(false);
    expect(later.value).toBe(0);
    expect(later.detail).toBe(
      'Due 2026-12-11T00:00:00Z, in 324 h; an invoice mismatch takes about 24 h to resolve. Today is business day 2 from the end of November, inside the month-end close window, but it is due after the period end 2026-11-30: the close does not wait for it.',
    );
    // An incident that stops a close-critical process holds up the close whatever its own SLA.
    const incident = {
      domain: 'support',
      type: 'sla_breach_risk',
      dueAt: '2026-12-11T00:00:00Z',
      signals: { closeCritical: true },
    };
    expect(dueRisk(incident, policy, closeDay).inCloseWindow).toBe(true);
  });
  it('skips holidays when counting business days', () => {
    // 2027-01-01 is a Friday holiday: the first business days are Jan 4 and 5.
    expect(inWindow('2027-01-05T12:00:00Z', ['2027-01-01'])).toBe(true);
    expect(inWindow('2027-01-05T12:00:00Z')).toBe(false);
  });
});

describe('customer impact and supplier criticality', () => {
  it('combines tier, ARR, a renewal inside the window, negative sentiment and escalations', () => {
    const input = { domain: 'support', type: 'sla_breach_risk', signals: { sentiment: -0.5 } };
    const ctx = { accountTier: 'mid_market', renewalDate: '2026-12-18', openEscalations: 1 };
    const c = customerImpact(input, ctx, policy, midMonth);
    expect(c.value).toBeCloseTo(0.4 + 0.3 + 0.2 * 0.5 + 0.1, 9);
    expect(c.renewalWithinWindow).toBe(true);
    expect(c.daysToRenewal).toBe(30);
    expect(c.detail).toBe(
      'Customer: a mid_market account, renewing in 30 days, negative sentiment (-0.5), 1 open escalation.',
    );
  });
  it('lets a large ARR outrank a modest tier', () => {
    const c = customerImpact(
      { domain: 'support', type: 'x' },
      { accountTier: 'smb', arr: '1000000.00' },
      policy,
      midMonth,
    );
    expect(c.value).toBe(1);
  });
  it('reads tiers from the parties when no context was supplied', () => {
    const ctx = effectiveContext({
      domain: 'finance',
      type: 'invoice_mismatch',
      parties: [
        { role: 'supplier', id: 'V1', tier: 'strategic' },
        { role: 'customer', id: 'C1', tier: 'gold' },
      ],
    });
    expect(ctx).toMatchObject({ supplierCriticality: 'strategic', accountTier: 'gold' });
    expect(supplierCriticality(ctx, policy).value).toBe(1);
    expect(supplierCriticality({}, policy)).toEqual({
      value: 0,
      detail: 'No supplier criticality is known.',
    });
  });
});

describe('compliance and dependency', () => {
  it('raises compliance for tax, duplicate and sanction reason codes, case-insensitively', () => {
    expect(
      complianceSensitivity({ domain: 'finance', type: 'invoice_mismatch' }, policy).value,
    ).toBe(0.2);
    const tax = complianceSensitivity(
      { domain: 'finance', type: 'invoice_mismatch', signals: { reasonCode: 'tax_mismatch' } },
      policy,
    );
    expect(tax).toEqual({
      value: 0.8,
      detail: 'Reason code tax_mismatch is compliance-sensitive (0.8).',
    });
    expect(
      complianceSensitivity(
        { domain: 'finance', type: 'payment_hold', signals: { reasonCode: 'OFAC_MATCH' } },
        policy,
      ).value,
    ).toBe(1);
  });
  it('combines linked open exceptions, blocked items and recurrence', () => {
    const input = { domain: 'finance', type: 'payment_hold' };
    expect(dependencyRisk(input, {}, policy).value).toBe(0);
    const d = dependencyRisk(
      input,
      {
        linkedOpenExceptions: [{ domain: 'support', type: 'escalation' }],
        blockedItems: 5,
        recurrenceCount: 5,
      },
      policy,
    );
    expect(d.value).toBe(1); // recurrence alone is full
    const partial = dependencyRisk(
      input,
      { linkedOpenExceptions: [{ domain: 'support', type: 'escalation' }] },
      policy,
    );
    expect(partial.value).toBeCloseTo(1 / 3, 9);
    expect(partial.linkedOpenSupport).toBe(1);
    expect(partial.detail).toBe('Depends on 1 linked open exception (escalation).');
  });

  it('does not count a crowd of one domain as a dependency: it is a root-cause group', () => {
    const crowd = Array.from({ length: 4 }, () => ({ domain: 'support', type: 'sla_breach_risk' }));
    const ticket = { domain: 'support', type: 'sla_breach_risk' };
    const d = dependencyRisk(ticket, { linkedOpenExceptions: crowd }, policy);
    expect(d.value).toBe(0);
    expect(d.linkedOpenSupport).toBe(4); // still there for rules that read it
    expect(d.detail).toBe(
      'No linked open exceptions of another domain, blocked items or recurrences are known. 4 open exceptions of the same domain and party are a root-cause group, not a dependency, and do not count.',
    );
    // The same object open in finance is one: a billing dispute the ticket waits on.
    const both = dependencyRisk(
      ticket,
      { linkedOpenExceptions: [...crowd, { domain: 'finance', type: 'billing_dispute' }] },
      policy,
    );
    expect(both.value).toBeCloseTo(1 / 3, 9);
    expect(both.detail).toMatch(/^Depends on 1 linked open exception \(billing dispute\)\. 4 open/);
    // A deployment may count same-domain links again.
    const all = dependencyRisk(
      ticket,
      { linkedOpenExceptions: crowd },
      {
        ...policy,
        dependency: { ...policy.dependency, crossDomainOnly: false },
      },
    );
    expect(all.value).toBe(1);
  });

  it('with referenceOnly counts only links that share a reference, not the same account alone', () => {
    const ticket = { domain: 'support', type: 'sla_breach_risk' };
    const links = {
      linkedOpenExceptions: [
        { domain: 'finance', type: 'payment_failure', via: 'party' as const },
        { domain: 'finance', type: 'payment_failure', via: 'party' as const },
        { domain: 'finance', type: 'billing_dispute', via: 'reference' as const },
      ],
    };
    const strict = { ...policy, dependency: { ...policy.dependency, referenceOnly: true } };
    const d = dependencyRisk(ticket, links, strict);
    expect(d.value).toBeCloseTo(1 / 3, 9);
    expect(d.linkedOpenFinance).toBe(3); // rules still see the account's open finance work
    expect(d.detail).toBe(
      "Depends on 1 linked open exception (billing dispute). 2 open exceptions of another domain share only a party, no reference: the same account's or supplier's other work, not a dependency, and do not count.",
    );
    // The shipped policy has it on; a deployment may count every link of another domain again.
    expect(dependencyRisk(ticket, links, policy).value).toBeCloseTo(1 / 3, 9);
    const loose = { ...policy, dependency: { ...policy.dependency, referenceOnly: false } };
    expect(dependencyRisk(ticket, links, loose).value).toBe(1);
  });
});

describe('policy building blocks', () => {
  it('parses ISO 8601 durations', () => {
    expect(durationMs('PT4H')).toBe(4 * 3_600_000);
    expect(durationMs('P1DT30M')).toBe(86_400_000 + 1_800_000);
    expect(() => durationMs('4h')).toThrow(/not an ISO 8601 duration/);
  });
  it('evaluates conditions on dotted paths, never matching an absent field', () => {
    const s = { signals: { reasonCode: 'X' }, features: { hoursToDue: 10 } };
    expect(holds({ field: 'signals.reasonCode', equals: 'X' }, s)).toBe(true);
    expect(holds({ field: 'signals.reasonCode', in: ['Y', 'X'] }, s)).toBe(true);
    expect(holds({ field: 'features.hoursToDue', lte: 48 }, s)).toBe(true);
    expect(holds({ field: 'features.hoursToDue', gte: 48 }, s)).toBe(false);
    expect(holds({ field: 'features.missing', lte: 48 }, s)).toBe(false);
    expect(holds({ field: 'context.arr', exists: false }, s)).toBe(true);
  });
});

describe('source severity and SLA signals', () => {
  it("reads the source's own priority: ServiceNow, Zendesk and Salesforce labels, case-insensitively", () => {
    const sev = (priorityLabel: string) =>
      sourceSeverity({ domain: 'support', type: 'escalation', signals: { priorityLabel } }, policy);
    expect(sev('1 - Critical')).toEqual({
      value: 0.8,
      detail: 'The source rates it 1 - Critical (severity 0.8).',
      points: 10,
      pointsDetail:
        "The source's own people rate it 1 - Critical: more urgent than its normal work, 10 points more.",
    });
    expect(sev('urgent').value).toBe(0.8);
    expect(sev('High').value).toBe(0.55);
    expect(sev('4 - Low').value).toBe(0.15);
    expect(sev('whatever')).toEqual({
      value: 0,
      detail: 'The source gives no severity the policy rates.',
      points: 0,
      pointsDetail: '',
    });
    expect(sev('LOW').points).toBe(-5);
    expect(sev('normal').points).toBe(0);
  });

  it("lets the known account decide customer impact, not the type's default for when nothing is known", () => {
    const declined = (context?: Record<string, unknown>) =>
      computeFeatures({ domain: 'finance', type: 'payment_failure', context }, policy, midMonth);
    // Nothing known of the customer: the policy's default for a payment failure.
    const unknown = declined();
    expect(unknown.dimensions.customerImpact).toBe(0.5);
    expect(unknown.details.customerImpact).toBe(
      'The policy rates the customer impact of a payment failure at 0.5; no account tier, ARR or renewal is known for the customer.',
    );
    // A small account: its own tier, below the default; a strategic one above it.
    const smb = declined({ accountTier: 'smb' });
    expect(smb.dimensions.customerImpact).toBe(0.2);
    expect(smb.details.customerImpact).toBe('Customer: a smb account.');
    expect(declined({ accountTier: 'strategic' }).dimensions.customerImpact).toBe(1);
  });

  it('raises customer impact of a critical incident above a low one, with the sentence', () => {
    const incident = (priorityLabel: string) =>
      computeFeatures(
        { domain: 'support', type: 'escalation', signals: { priorityLabel } },
        policy,
        midMonth,
      );
    const critical = incident('1 - Critical');
    const low = incident('4 - Low');
    // 1 - (1 - 0.5 escalation profile) × (1 - severity).
    expect(critical.dimensions.customerImpact).toBeCloseTo(0.9, 9);
    expect(low.dimensions.customerImpact).toBeCloseTo(0.575, 9);
    expect(critical.details.customerImpact).toBe(
      'The source rates it 1 - Critical (severity 0.8). The policy rates the customer impact of an escalation at 0.5; no account tier, ARR or renewal is known for the customer.',
    );
    // The account still counts under an urgent ticket: a gold account above an unknown one.
    const gold = computeFeatures(
      {
        domain: 'support',
        type: 'escalation',
        signals: { priorityLabel: '1 - Critical' },
        context: { accountTier: 'gold' },
      },
      policy,
      midMonth,
    );
    expect(gold.dimensions.customerImpact).toBeGreaterThan(critical.dimensions.customerImpact);
  });

  it('takes a Zendesk sla_breached / sla_at_risk tag as due-date risk even without a due date', () => {
    const ticket = (reasonCode: string) =>
      dueRisk(
        { domain: 'support', type: 'sla_breach_risk', signals: { reasonCode } },
        policy,
        midMonth,
      );
    const breached = ticket('sla_breached');
    expect(breached.value).toBe(1);
    expect(breached.detail).toBe(
      'No due date or SLA deadline is known. The source reports sla_breached: due-date risk at least 1.',
    );
    expect(ticket('SLA_AT_RISK').value).toBe(0.75);
    expect(ticket('billing').value).toBe(0);
    // ServiceNow's task_sla stage.
    expect(
      dueRisk(
        { domain: 'support', type: 'sla_breach_risk', signals: { slaStage: 'breached' } },
        policy,
        midMonth,
      ).value,
    ).toBe(1);
  });
});

describe('every taxonomy type has a profile and an expected resolution time', () => {
  const taxonomy = canonicalSchema.$defs.exceptionType.enum;
  it.each(taxonomy)('%s', (type) => {
    expect(policy.typeProfile?.[type]).toBeDefined();
    expect(policy.resolution.expected.byType?.[type]).toMatch(/^P/);
  });
  it('reads the taxonomy (not an empty list)', () => {
    expect(taxonomy).toContain('reconciliation_break');
  });
});

describe('regulatory reason codes', () => {
  it.each(['RR01', 'RR02', 'RR03', 'RR04', 'rr04'])('%s is compliance-sensitive', (reasonCode) => {
    const c = complianceSensitivity(
      { domain: 'finance', type: 'payment_failure', signals: { reasonCode } },
      policy,
    );
    expect(c.value).toBe(1);
    expect(c.detail).toBe(`Reason code ${reasonCode} is compliance-sensitive (1).`);
  });
});

describe('revenue at risk', () => {
  const renewing = { accountTier: 'enterprise', arr: '800000.00', renewalDate: '2026-12-20' };
  it('makes the ARR of an account renewing soon the exposure of its billing dispute, with the sentence', () => {
    const f = computeFeatures(
      { domain: 'finance', type: 'billing_dispute', context: renewing, amount: usd('120.00') },
      policy,
      midMonth,
    );
    // 5% of USD 800,000 is 4 times materiality.
    expect(f.dimensions.financialExposure).toBeCloseTo(Math.log1p(4) / Math.log1p(10), 9);
    expect(f.details.financialExposure).toBe(
      'Revenue at risk: ARR USD 800000.00 renewing in 32 days with a dispute about what the customer was billed; 5% of it is 4.00 times the USD 10000.00 materiality threshold.',
    );
  });

  it('counts the renewal on the billing issue only, and never without a renewal near', () => {
    // An escalation of the same account, even with a billing issue open in finance: the renewal
    // reaches it through customer impact, not as revenue at risk a second time; its money is the
    // account's revenue share every ticket of the account has (customer.revenueAtRisk.ticketShare).
    const escalation = computeFeatures(
      {
        domain: 'support',
        type: 'escalation',
        context: {
          ...renewing,
          linkedOpenExceptions: [{ domain: 'finance', type: 'billing_dispute' }],
        },
      },
      policy,
      midMonth,
    );
    expect(escalation.dimensions.financialExposure).toBeCloseTo(Math.log1p(4) / Math.log1p(10), 9);
    expect(escalation.details.financialExposure).toBe(
      "The account's revenue is at stake: ARR USD 800000.00; 5% of it is 4.00 times the USD 10000.00 materiality threshold.",
    );
    const later = computeFeatures(
      {
        domain: 'finance',
        type: 'billing_dispute',
        context: { ...renewing, renewalDate: '2027-09-01' },
      },
      policy,
      midMonth,
    );
    expect(later.dimensions.financialExposure).toBe(0);
  });

  it('gives a support ticket without an account revenue nothing, and a finance item no ticket share', () => {
    const unknown = computeFeatures({ domain: 'support', type: 'escalation' }, policy, midMonth);
    expect(unknown.dimensions.financialExposure).toBe(0);
    const card = computeFeatures(
      {
        domain: 'finance',
        type: 'payment_failure',
        amount: usd('300.00'),
        context: { arr: '800000.00' },
      },
      policy,
      midMonth,
    );
    expect(card.details.financialExposure).toBe(
      'USD 300.00 at stake is 3.00% of the USD 10000.00 materiality threshold.',
    );
  });

  it('counts a chargeback as a billing issue only when its reason is about billing', () => {
    const chargeback = (reasonCode: string) =>
      computeFeatures(
        {
          domain: 'finance',
          type: 'chargeback_dispute',
          amount: usd('1500.00'),
          context: renewing,
          signals: { reasonCode },
        },
        policy,
        midMonth,
      ).details.financialExposure;
    expect(chargeback('subscription_canceled')).toMatch(
      /^Revenue at risk: ARR USD 800000.00 renewing in 32 days with a chargeback about what the customer was billed;/,
    );
    expect(chargeback('fraudulent')).toBe(
      'USD 1500.00 at stake is 15% of the USD 10000.00 materiality threshold.',
    );
  });

  it('counts a failed renewal payment, not a one-off card decline', () => {
    const failed = (billingReason?: string) =>
      computeFeatures(
        {
          domain: 'finance',
          type: 'payment_failure',
          amount: usd('300.00'),
          context: renewing,
          signals: billingReason ? { billingReason } : {},
        },
        policy,
        midMonth,
      );
    expect(failed('subscription_cycle').details.financialExposure).toMatch(
      /with a failed renewal payment \(subscription invoice\);/,
    );
    expect(failed().details.financialExposure).toBe(
      'USD 300.00 at stake is 3.00% of the USD 10000.00 materiality threshold.',
    );
  });
});

describe("the deployment's own period close calendar", () => {
  const withPeriods = {
    ...policy,
    closeCalendar: {
      ...policy.closeCalendar!,
      // A 4-4-5 calendar: the quarter closes on a Saturday, not at month-end.
      periodEnds: [
        { date: '2026-10-31', label: 'P10' },
        { date: '2026-12-26', label: 'Q4 year-end', slaRiskBoost: 0.4 },
      ],
    },
  };
  const invoice = { domain: 'finance', type: 'invoice_mismatch' };
  it('boosts the business days before and after a period end, with its label and boost', () => {
    // Wednesday 23 December 2026: business day 2 up to the period end of Saturday 26 December
    // (24 December is the last one, 25 December a holiday).
    const d = dueRisk(invoice, withPeriods, new Date('2026-12-23T10:00:00Z'));
    expect(d.inCloseWindow).toBe(true);
    expect(d.value).toBe(0.4);
    expect(d.detail).toBe(
      'No due date or SLA deadline is known. Today is business day 2 from the period end Q4 year-end (2026-12-26), inside the close window.',
    );
    const after = dueRisk(invoice, withPeriods, new Date('2026-12-28T10:00:00Z'));
    expect(after.detail).toMatch(/business day 1 after the period end Q4 year-end/);
  });
  it('counts the Sunday before a Monday period end as part of its close', () => {
    const monday = { ...withPeriods.closeCalendar, periodEnds: [{ date: '2026-12-07' }] };
    const sunday = new Date('2026-12-06T10:00:00Z');
    const d = dueRisk(invoice, { ...withPeriods, closeCalendar: monday }, sunday);
    expect(d.inCloseWindow).toBe(true);
    expect(d.detail).toBe(
      'No due date or SLA deadline is known. Today is Sunday 2026-12-06, a day off between business day 2 from the period end 2026-12-07 and the last business day before the period end 2026-12-07, inside the close window.',
    );
    // A weekend a week before the period end is ordinary time.
    const early = { ...withPeriods.closeCalendar, periodEnds: [{ date: '2026-12-14' }] };
    expect(dueRisk(invoice, { ...withPeriods, closeCalendar: early }, sunday).inCloseWindow).toBe(
      false,
    );
  });
  it('replaces the calendar month-end: 30 November is no close day when the periods say so', () => {
    const monthEnd = new Date('2026-11-30T10:00:00Z');
    expect(dueRisk(invoice, policy, monthEnd).inCloseWindow).toBe(true);
    expect(dueRisk(invoice, withPeriods, monthEnd).inCloseWindow).toBe(false);
    // The period end's own boost falls back to the calendar's.
    const p10 = dueRisk(invoice, withPeriods, new Date('2026-10-30T10:00:00Z'));
    expect(p10.value).toBe(policy.closeCalendar!.slaRiskBoost);
    expect(p10.detail).toMatch(/the last business day before the period end P10 \(2026-10-31\)/);
  });
});

describe('business process of an internal incident', () => {
  const closeDay = new Date('2026-11-27T12:00:00Z'); // 2nd-last business day of November
  const incident = (signals: Record<string, unknown>) => ({
    domain: 'support',
    type: 'sla_breach_risk',
    signals,
  });
  it('rates the process it blocks; a listed but unrated process gets the default', () => {
    const b = businessProcessImpact(
      incident({ businessProcess: 'order_to_cash' }),
      policy,
      midMonth,
    );
    expect(b).toEqual({
      value: 0.7,
      detail: 'It blocks order to cash, business impact 0.7.',
      process: 'order_to_cash',
      closeCriticalInClose: false,
    });
    expect(
      businessProcessImpact(incident({ businessProcess: 'treasury' }), policy, midMonth).value,
    ).toBe(policy.businessProcess!.default);
  });
  it('is worth closeCriticalInClose when a close-critical process is blocked in the close', () => {
    const x = incident({
      businessProcess: 'invoice_processing',
      businessProcessKey: 'group:Finance Applications',
      closeCritical: true,
    });
    const inClose = businessProcessImpact(x, policy, closeDay);
    expect(inClose.value).toBe(0.9);
    expect(inClose.closeCriticalInClose).toBe(true);
    expect(inClose.detail).toBe(
      'It blocks invoice processing (group:Finance Applications), a close-critical process, and today is business day 2 from the end of November, inside the close window: business impact 0.9.',
    );
    expect(businessProcessImpact(x, policy, midMonth).value).toBe(0.6);
    // Its due-date risk gets the close boost although it is a support item.
    expect(dueRisk(x, policy, closeDay).inCloseWindow).toBe(true);
    expect(dueRisk(incident({ category: 'hardware' }), policy, closeDay).inCloseWindow).toBe(false);
  });
  it("orders the incidents that hold up the close by the source's own priority, a P1 before a P4", () => {
    const blocking = (priorityLabel: string) =>
      computeFeatures(
        {
          domain: 'support',
          type: 'sla_breach_risk',
          signals: {
            businessProcess: 'payment_run',
            closeCritical: true,
            priorityLabel,
            reasonCode: 'sla_breached',
          },
        },
        policy,
        closeDay,
      ).dimensions.customerImpact;
    expect(blocking('1 - Critical')).toBeCloseTo(1 - 0.1 * 0.2, 9);
    expect(blocking('4 - Low')).toBeCloseTo(1 - 0.1 * 0.85, 9);
    expect(blocking('1 - Critical')).toBeGreaterThan(blocking('4 - Low'));
  });
  it('gives nothing to an incident that blocks no known process (a printer jam)', () => {
    const jam = businessProcessImpact(incident({ category: 'hardware' }), policy, closeDay);
    expect(jam).toEqual({
      value: 0,
      detail: 'No business process is known to be blocked.',
      closeCriticalInClose: false,
    });
    const f = computeFeatures(
      incident({ businessProcess: 'payment_run', closeCritical: true }),
      policy,
      closeDay,
    );
    expect(f.dimensions.customerImpact).toBe(0.9);
    expect(f.flat.closeCriticalInClose).toBe(true);
  });
});
