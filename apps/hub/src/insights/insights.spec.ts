import type { StatusTransition } from '@exhub/store';
import { durations, rootCauseGroups } from './insights';

const T0 = Date.parse('2026-11-02T08:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const move = (
  from: string,
  to: string,
  minutes: number,
  extra: Partial<StatusTransition> = {},
): StatusTransition => ({
  seq: 1,
  at: at(minutes),
  exceptionId: 'e',
  from,
  to,
  domain: 'finance',
  type: 'invoice_mismatch',
  tier: 'p2',
  openedAt: at(0),
  ...extra,
});

describe('durations', () => {
  it('counts triage on leaving open and resolution on closing, with nearest-rank percentiles', () => {
    const { timeToTriage, timeToResolve } = durations([
      move('open', 'in_review', 10),
      move('open', 'in_review', 20),
      move('open', 'in_review', 30),
      move('open', 'in_review', 40),
      move('in_review', 'resolved', 100),
      move('open', 'dismissed', 60, { tier: 'p4' }),
      // Re-opened: neither a triage nor a resolution.
      move('resolved', 'open', 200),
    ]);
    expect(timeToTriage).toEqual([
      {
        type: 'invoice_mismatch',
        tier: 'p2',
        count: 4,
        p50Seconds: 1200,
        p90Seconds: 2400,
        meanSeconds: 1500,
      },
      {
        type: 'invoice_mismatch',
        tier: 'p4',
        count: 1,
        p50Seconds: 3600,
        p90Seconds: 3600,
        meanSeconds: 3600,
      },
    ]);
    expect(timeToResolve.map((d) => [d.tier, d.count, d.p50Seconds])).toEqual([
      ['p2', 1, 6000],
      ['p4', 1, 3600],
    ]);
  });
});

describe('rootCauseGroups', () => {
  it('sums keys over types, marks groups at the threshold and lists the largest first', () => {
    const r = rootCauseGroups(
      [
        { key: 'supplier-master:A|TAX', type: 'invoice_mismatch', open: 3 },
        { key: 'supplier-master:A|TAX', type: 'tax_validation_failure', open: 2 },
        { key: 'sap:x', type: 'invoice_mismatch', open: 1 },
      ],
      (k) => (k.startsWith('supplier-master:') ? 'supplier-master' : 'mapping'),
      (k) => `parent-of-${k}`,
      5,
      1,
    );
    expect(r).toEqual({
      open: 6,
      threshold: 5,
      byRule: [
        { rule: 'supplier-master', open: 5 },
        { rule: 'mapping', open: 1 },
      ],
      top: [
        {
          key: 'supplier-master:A|TAX',
          rule: 'supplier-master',
          open: 5,
          byType: { invoice_mismatch: 3, tax_validation_failure: 2 },
          parentId: 'parent-of-supplier-master:A|TAX',
          hasParent: true,
        },
      ],
    });
  });
});
