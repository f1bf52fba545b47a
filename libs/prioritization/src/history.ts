import type { ScoringInput } from './input';
import { seededRandom } from './metrics';
import type { LoadedPolicy } from './policy';
import type { OutcomeRecord } from './train';
import { scoreRecords } from './train';

/**
 * The risk process hidden in the synthetic history, which the policy does not know about:
 * chargebacks on `HIDDEN_BRAND` cards escalate more often, and far more often when the amount
 * is just under materiality (HIDDEN_BAND of it) — as if a card network's dispute desk pushed
 * hardest on amounts it knows merchants leave to the queue.
 */
export const HIDDEN_BRAND = 'amex';
export const HIDDEN_BAND: [number, number] = [0.5, 1];
const HIDDEN_BRAND_LOGIT = 1.8;
const HIDDEN_BAND_LOGIT = 3;
/** Outcome logit = BASE + SLOPE * policyScore / 100 (+ the hidden process): the policy is right on average. */
const BASE_LOGIT = -3.6;
const POLICY_SLOPE = 5;

const WINDOW_FROM = Date.parse('2026-05-01T00:00:00Z');
const WINDOW_DAYS = 180;
const DAY_MS = 86_400_000;

type Rnd = () => number;
const pick = <T>(rnd: Rnd, items: readonly (readonly [T, number])[]): T => {
  let u = rnd() * items.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of items) if ((u -= w) < 0) return v;
  return items[items.length - 1][0];
};
const logUniform = (rnd: Rnd, lo: number, hi: number) =>
  Math.exp(Math.log(lo) + rnd() * Math.log(hi / lo));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

const TYPES = [
  ['chargeback_dispute', 40],
  ['invoice_mismatch', 15],
  ['tax_validation_failure', 8],
  ['duplicate_payment_risk', 5],
  ['payment_failure', 10],
  ['billing_dispute', 5],
  ['sla_breach_risk', 12],
  ['escalation', 5],
] as const;
const SUPPORT = new Set<string>(['sla_breach_risk', 'escalation']);

function exceptionFor(rnd: Rnd): ScoringInput & { detectedAt: string } {
  const type = pick(rnd, TYPES);
  const detected = WINDOW_FROM + Math.floor(rnd() * WINDOW_DAYS * DAY_MS);
  const dueAt = new Date(detected + (rnd() * 11 - 1) * DAY_MS)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const e: ScoringInput & { detectedAt: string } = {
    domain: SUPPORT.has(type) ? 'support' : 'finance',
    type,
    detectedAt: new Date(detected).toISOString(),
    dueAt,
    context: {},
  };
  if (e.domain === 'finance') {
    const amount =
      type === 'chargeback_dispute' ? logUniform(rnd, 500, 15_000) : logUniform(rnd, 50, 200_000);
    e.amount = { value: amount.toFixed(2), currency: 'USD' };
    e.amountBase = e.amount;
  }
  if (type === 'chargeback_dispute') {
    e.signals = {
      cardBrand: pick(rnd, [
        ['visa', 45],
        ['mastercard', 30],
        [HIDDEN_BRAND, 20],
        ['discover', 5],
      ]),
      reasonCode: pick(rnd, [
        ['fraudulent', 25],
        ['product_not_received', 35],
        ['duplicate', 15],
        ['general', 25],
      ]),
    };
  } else if (type === 'tax_validation_failure' && rnd() < 0.5) {
    e.signals = { reasonCode: 'TAX_MISMATCH' };
  }
  if (e.domain === 'support' || type === 'billing_dispute' || type === 'payment_failure') {
    e.context!.accountTier = pick(rnd, [
      ['strategic', 10],
      ['enterprise', 25],
      ['mid_market', 35],
      ['smb', 30],
    ]);
    if (rnd() < 0.3)
      e.context!.renewalDate = new Date(detected + rnd() * 200 * DAY_MS).toISOString().slice(0, 10);
  } else {
    e.context!.supplierCriticality = pick(rnd, [
      ['strategic', 10],
      ['critical', 10],
      ['preferred', 30],
      ['standard', 40],
      ['tail', 10],
    ]);
  }
  if (rnd() < 0.15) e.context!.recurrenceCount = 1 + Math.floor(rnd() * 5);
  if (rnd() < 0.1)
    e.context!.linkedOpenExceptions = [{ domain: 'finance', type: 'billing_dispute' }];
  return e;
}

/** Whether an exception belongs to the hidden risk segment (for tests and the README). */
export function inHiddenSegment(e: ScoringInput, materialityMultiple: number): boolean {
  return (
    e.type === 'chargeback_dispute' &&
    e.signals?.cardBrand === HIDDEN_BRAND &&
    materialityMultiple >= HIDDEN_BAND[0] &&
    materialityMultiple < HIDDEN_BAND[1]
  );
}

/**
 * A synthetic outcome history: exceptions drawn at random, each scored by the given policy, and
 * an outcome drawn from a known process — the policy score explains most of the risk, plus the
 * hidden card-brand process above. Deterministic for a seed.
 */
export function generateHistory(n: number, seed: number, policy: LoadedPolicy): OutcomeRecord[] {
  const rnd = seededRandom(seed);
  const exceptions = Array.from({ length: n }, () => exceptionFor(rnd));
  const rows = scoreRecords(
    exceptions.map((exception) => ({ exception, outcome: {} })),
    policy,
  );
  return exceptions.map((exception, i) => {
    const { policyScore, features } = rows[i];
    let z = BASE_LOGIT + (POLICY_SLOPE * policyScore) / 100;
    if (exception.type === 'chargeback_dispute' && exception.signals?.cardBrand === HIDDEN_BRAND)
      z += HIDDEN_BRAND_LOGIT;
    if (inHiddenSegment(exception, features.exposure.multiple)) z += HIDDEN_BAND_LOGIT;
    const bad = rnd() < sigmoid(z);
    const kind = rnd();
    const hours = Math.round(logUniform(rnd, 1, bad ? 400 : 120));
    return {
      exception,
      outcome: {
        escalated: bad && kind < 0.5,
        slaBreached: bad && kind >= 0.5 && kind < 0.8,
        priorityOverridden: bad && kind >= 0.8,
        timeToResolveHours: hours,
      },
    };
  });
}
