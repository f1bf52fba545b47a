import { join } from 'node:path';
import { loadPolicyFile, parsePolicy, PolicyError } from './policy';
import { PolicyScorer, type ScoringInput } from './scorer';

const policy = loadPolicyFile(join(__dirname, '../../../policies/priority.yaml'));
const scorer = new PolicyScorer(policy);
const now = new Date('2026-11-20T12:00:00Z');
const hundredths = (x: number) => Math.round(x * 100);

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
    const r = scorer.score(input, now);
    const sum = r.factors.reduce((s, f) => s + hundredths(f.points), 0);
    expect(sum).toBe(hundredths(r.score));
    expect(r.score).toBeGreaterThanOrEqual(0);
    expect(r.score).toBeLessThanOrEqual(100);
  });

  it('ranks a large overdue exception above a small one that is not due yet', () => {
    const [small, large] = [cases[0][1], cases[1][1]].map((c) => scorer.score(c, now));
    expect(large.score).toBeGreaterThan(small.score);
    expect(large.tier).toBe('p1');
    expect(large.dimensions.slaRisk).toBe(1);
    expect(small.tier).not.toBe('p1');
  });

  it('requires review and floors the tier at five times materiality, naming the rule', () => {
    const r = scorer.score(
      {
        domain: 'finance',
        type: 'payment_failure',
        amount: { value: '60000.00', currency: 'USD' },
      },
      now,
    );
    expect(r.rulesFired).toContain('high-value-needs-review');
    expect(r.review).toEqual({
      required: true,
      reason: expect.stringContaining('five times materiality'),
    });
    expect(['p1', 'p2']).toContain(r.tier);
  });

  it('floors fraudulent disputes at p2 even when the amount is small', () => {
    const r = scorer.score({ ...cases[0][1], signals: { reasonCode: 'fraudulent' } }, now);
    expect(r.tier).toBe('p2');
    expect(r.rulesFired).toEqual(['fraud-dispute-floor']);
    expect(r.route).toBe('finance.disputes');
  });

  it('marks the score degraded and says why when no materiality is known for the currency', () => {
    const r = scorer.score(cases[3][1], now);
    expect(r.degraded).toBe(true);
    expect(r.factors.find((f) => f.code === 'financial_exposure')?.detail).toMatch(
      /no materiality threshold or FX rate for SEK/,
    );
  });

  it('records the policy hash as the model version', () => {
    expect(scorer.score(cases[0][1], now).model).toEqual({ name: 'policy', version: policy.hash });
    expect(policy.hash).toMatch(/^[0-9a-f]{12}$/);
  });

  it('refuses a policy whose tiers do not fall, naming the field', () => {
    const text =
      'version: 1\nweights: {financialExposure: 1, slaRisk: 1, customerImpact: 1, complianceSensitivity: 1, resolutionEffort: 1, dependencyRisk: 1}\nmateriality: {default: {value: "1.00", currency: USD}}\ndueHorizonHours: {default: 1}\ntiers: {p1: 10, p2: 50, p3: 5}\nroutes: [{route: x}]\n';
    expect(() => parsePolicy(text, 'p.yaml')).toThrow(
      new PolicyError('p.yaml /tiers: cut-offs must fall from p1 to p3 (got p1 10, p2 50, p3 5)'),
    );
  });

  it('refuses unknown fields with their pointer', () => {
    expect(() => parsePolicy('version: 1\nbogus: 1\n', 'p.yaml')).toThrow(
      /p\.yaml \/: must NOT have additional properties/,
    );
  });
});
