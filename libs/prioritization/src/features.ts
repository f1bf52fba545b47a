import { closeWindow, periodCloseWindow, type PeriodCloseWindow } from './calendar';
import { allHold, valueAt } from './conditions';
import { durationMs, hoursOf } from './duration';
import type { ScoringContext, ScoringInput } from './input';
import type { Dimension, PriorityPolicy } from './policy-types';
import { MS_PER_DAY, MS_PER_HOUR } from '@exhub/core';

/** One feature: a value 0-1 and the sentence that explains it to a reviewer. */
export interface Feature {
  value: number;
  detail: string;
}

const DEFAULT_FULL_EXPOSURE_MULTIPLE = 10;
const DEFAULT_HORIZON_MULTIPLE = 3;
const DEFAULT_RENEWAL_DAYS = 90;
const MAX_COUNTED_ESCALATIONS = 3;
const DEFAULT_DEPENDENCY_FULL = { linkedOpenFull: 3, blockedItemsFull: 10, recurrenceFull: 5 };

export const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const round2 = (x: number): number => Math.round(x * 100) / 100;
const money = (value: string, currency: string): string => `${currency} ${value}`;
const words = (type: string): string => type.replace(/_/g, ' ');
/** "a chargeback dispute", "an invoice mismatch". */
const aType = (type: string): string => `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${words(type)}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The value `map` gives `key`, compared case-insensitively, with the key as the map spells it. */
function lookupCi(
  map: Record<string, number> | undefined,
  key: unknown,
): { key: string; value: number } | undefined {
  if (!map || typeof key !== 'string') return undefined;
  const found = Object.keys(map).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : { key: found, value: clamp01(map[found]) };
}

/** Context with the parties' own tiers filled in where the hub supplied none. */
export function effectiveContext(input: ScoringInput): ScoringContext {
  const ctx = { ...input.context };
  const party = (...roles: string[]) =>
    input.parties?.find((p) => roles.includes(p.role) && p.tier);
  ctx.accountTier ??= party('account', 'customer')?.tier;
  ctx.supplierCriticality ??= party('supplier')?.tier;
  if (ctx.renewalDate === undefined && typeof input.signals?.renewalDate === 'string')
    ctx.renewalDate = input.signals.renewalDate;
  if (ctx.blockedItems === undefined && input.signals?.blockedForPayment === true)
    ctx.blockedItems = 1;
  return ctx;
}

export interface Exposure extends Feature {
  /** Amount as a multiple of materiality (0 when there is no amount). */
  multiple: number;
  degraded: boolean;
}

/** Financial exposure: the amount against materiality, log-scaled, full at N times it. */
export function financialExposure(input: ScoringInput, policy: PriorityPolicy): Exposure {
  const { materiality } = policy;
  const full = materiality.fullExposureMultiple ?? DEFAULT_FULL_EXPOSURE_MULTIPLE;
  const amount = input.amountBase ?? input.amount;
  if (!amount) return { value: 0, multiple: 0, detail: 'No amount is at stake.', degraded: false };
  const perCurrency = input.amountBase ? undefined : materiality.byCurrency?.[amount.currency];
  const threshold =
    perCurrency ??
    (amount.currency === materiality.default.currency ? materiality.default.value : undefined);
  if (threshold === undefined) {
    // No threshold and no FX rate: comparing HUF 2,650,000 with USD 10,000 would be nonsense, so
    // the exposure is taken as neutral (a set multiple of materiality) and the score is degraded.
    const neutral = materiality.neutralMultiple ?? 1;
    return {
      value: clamp01(Math.log1p(neutral) / Math.log1p(full)),
      multiple: neutral,
      detail: `${money(amount.value, amount.currency)} at stake; there is no FX rate or materiality threshold for ${amount.currency}, so the exposure is taken as neutral (${neutral} times materiality) instead of comparing the amount with ${money(materiality.default.value, materiality.default.currency)}.`,
      degraded: true,
    };
  }
  const multiple = Math.abs(Number(amount.value)) / Number(threshold);
  const value = clamp01(Math.log1p(multiple) / Math.log1p(full));
  const share =
    multiple >= 1
      ? `${multiple.toFixed(multiple < 10 ? 2 : 0)} times`
      : `${(multiple * 100).toFixed(multiple < 0.1 ? 2 : 0)}% of`;
  const detail = `${money(amount.value, amount.currency)} at stake is ${share} the ${money(threshold, amount.currency)} materiality threshold.`;
  const degraded = false;
  return { value, multiple, detail, degraded };
}

/** The close window of the policy's calendar today, with the boost it gives; undefined without one. */
export function closeWindowNow(
  policy: PriorityPolicy,
  now: Date,
): { inWindow: boolean; label: string; boost: number; periodEnd?: string } | undefined {
  const cal = policy.closeCalendar;
  if (!cal) return undefined;
  const w = cal.periodEnds
    ? periodCloseWindow(
        now,
        cal.periodEnds,
        cal.lastBusinessDays,
        cal.firstBusinessDays,
        cal.holidays,
      )
    : closeWindow(now, cal.lastBusinessDays, cal.firstBusinessDays, cal.holidays);
  const boost: number = (w as PeriodCloseWindow).slaRiskBoost ?? cal.slaRiskBoost;
  return { inWindow: w.inWindow, label: w.label ?? '', boost, periodEnd: w.periodEnd };
}

/** `impliedDue.from` naming the end of the current period rather than a field of the exception. */
export const PERIOD_END = 'periodEnd';

/**
 * The end of the current period, as a date-time (midnight after the period-end day): the first of
 * the close calendar's periodEnds on or after today, or (without them, or after the last) the
 * last day of this month. Undefined without a close calendar.
 */
export function periodEndOf(policy: PriorityPolicy, now: Date): string | undefined {
  const cal = policy.closeCalendar;
  if (!cal) return undefined;
  const today = now.toISOString().slice(0, 10);
  const listed = cal.periodEnds
    ?.map((p) => p.date)
    .sort()
    .find((d) => d >= today);
  const end =
    listed ??
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  return new Date(Date.parse(`${end}T00:00:00Z`) + MS_PER_DAY).toISOString().replace('.000Z', 'Z');
}

/**
 * The due date the policy implies for an exception its source gave none (`resolution.impliedDue`):
 * the first entry whose conditions hold and whose `from` date is present, plus `after`.
 */
export function impliedDue(
  input: ScoringInput,
  policy: PriorityPolicy,
  now: Date = new Date(),
): { dueAt: string; why: string } | undefined {
  for (const rule of policy.resolution.impliedDue ?? []) {
    if (!allHold(rule.when, input)) continue;
    if (rule.role !== undefined && !input.parties?.some((p) => p.role === rule.role)) continue;
    const from = rule.from === PERIOD_END ? periodEndOf(policy, now) : valueAt(input, rule.from);
    const t = typeof from === 'string' ? Date.parse(from) : NaN;
    if (Number.isNaN(t)) continue;
    const dueAt = new Date(t + durationMs(rule.after)).toISOString().replace('.000Z', 'Z');
    return {
      dueAt,
      why: `The source gives no due date: ${rule.description} (${rule.from} ${String(from)} + ${rule.after}).`,
    };
  }
  return undefined;
}

export interface DueRisk extends Feature {
  hoursToDue?: number;
  inCloseWindow: boolean;
  /**
   * Set when its due date has passed, or the source reports its SLA breached (an SLA signal worth
   * 1): the sentence of the overdue factor.
   */
  overdueDetail?: string;
  /** The part of the close boost a full due-date risk left out (0-1; 0 outside the close). */
  closeBeyondFull: number;
}

/**
 * Due-date / SLA risk: the time left against the expected time to resolve this type — 1 when
 * the time left is no more than that, 0 from `horizonMultiple` times it — plus the month-end
 * close boost for the domains the close calendar names.
 */
export function dueRisk(input: ScoringInput, policy: PriorityPolicy, now: Date): DueRisk {
  const { resolution, closeCalendar: cal } = policy;
  const expected = resolution.expected.byType?.[input.type] ?? resolution.expected.default;
  const expectedHours = hoursOf(expected);
  // Risk is 1 up to the expected time and 0 from the horizon: horizonMultiple times the expected
  // time, but no sooner than minimumHorizon.
  const horizonHours = Math.max(
    (resolution.horizonMultiple ?? DEFAULT_HORIZON_MULTIPLE) * expectedHours,
    resolution.minimumHorizon ? hoursOf(resolution.minimumHorizon) : 0,
  );
  let value = 0;
  let hoursToDue: number | undefined;
  let detail = 'No due date or SLA deadline is known.';
  let overdueDetail: string | undefined;
  const implied = input.dueAt ? undefined : impliedDue(input, policy, now);
  const dueAt = input.dueAt ?? implied?.dueAt;
  if (dueAt) {
    hoursToDue = (Date.parse(dueAt) - now.getTime()) / MS_PER_HOUR;
    if (hoursToDue <= 0) {
      value = 1;
      detail = `Overdue since ${dueAt}.`;
      overdueDetail = `Overdue since ${dueAt}, ${(-hoursToDue).toFixed(0)} h ago: already late, unlike what is still due within its expected resolution time.`;
    } else {
      value = clamp01((horizonHours - hoursToDue) / (horizonHours - expectedHours));
      detail = `Due ${dueAt}, in ${hoursToDue.toFixed(0)} h; ${aType(input.type)} takes about ${round2(expectedHours)} h to resolve.`;
    }
    if (implied) detail += ` ${implied.why}`;
  }
  for (const signal of [input.signals?.reasonCode, input.signals?.slaStage]) {
    const sla = lookupCi(resolution.slaSignals, signal);
    if (sla && sla.value > value) {
      value = sla.value;
      detail += ` The source reports ${String(signal)}: due-date risk at least ${sla.value}.`;
    }
    if (sla?.value === 1 && !overdueDetail)
      overdueDetail = `The source reports ${String(signal)}: its SLA is already breached, unlike what is still due within its expected resolution time.`;
  }
  let inCloseWindow = false;
  let closeBeyondFull = 0;
  // An incident that blocks a close-critical business process is part of the close whatever its
  // domain (an IT incident that stops the payment run).
  const closeCritical = input.signals?.closeCritical === true;
  if (cal && ((cal.domains ?? ['finance']).includes(input.domain) || closeCritical)) {
    const w = closeWindowNow(policy, now);
    // The close waits for what is due by the end of the period-end day (or has no due date), and
    // for an incident that stops a process the close needs; an invoice due two weeks later does
    // not hold it up.
    const afterPeriod =
      !closeCritical &&
      dueAt !== undefined &&
      w?.periodEnd !== undefined &&
      Date.parse(dueAt) > Date.parse(`${w.periodEnd}T00:00:00Z`) + MS_PER_DAY;
    const window = cal.periodEnds ? 'the close window' : 'the month-end close window';
    if (w?.inWindow && w.boost > 0 && afterPeriod) {
      detail += ` Today is ${w.label}, inside ${window}, but it is due after the period end ${w.periodEnd}: the close does not wait for it.`;
    } else if (w?.inWindow && w.boost > 0) {
      inCloseWindow = true;
      closeBeyondFull = Math.max(0, value + w.boost - 1);
      value = clamp01(value + w.boost);
      detail += ` Today is ${w.label}, inside ${window}.`;
    }
  }
  return {
    value,
    detail,
    hoursToDue,
    inCloseWindow,
    overdueDetail,
    closeBeyondFull,
  };
}

export interface CustomerImpact extends Feature {
  accountTier?: string;
  daysToRenewal?: number;
  renewalWithinWindow: boolean;
}

/** Customer impact: account tier or ARR, raised by a near renewal, negative sentiment, escalations. */
export function customerImpact(
  input: ScoringInput,
  ctx: ScoringContext,
  policy: PriorityPolicy,
  now: Date,
): CustomerImpact {
  const cfg = policy.customer ?? {};
  const parts: string[] = [];
  let base = 0;
  if (ctx.accountTier !== undefined) {
    base = cfg.tiers?.[ctx.accountTier] ?? 0;
    parts.push(`a ${ctx.accountTier} account`);
  }
  if (ctx.arr !== undefined && cfg.arrReference) {
    const arrScore = clamp01(
      Math.log1p((9 * Number(ctx.arr)) / Number(cfg.arrReference)) / Math.log(10),
    );
    if (arrScore > base) base = arrScore;
    parts.push(`ARR ${ctx.arr}`);
  }
  let value = base;
  let daysToRenewal: number | undefined;
  let renewalWithinWindow = false;
  if (ctx.renewalDate !== undefined) {
    const t = Date.parse(ctx.renewalDate);
    if (!Number.isNaN(t)) {
      daysToRenewal = Math.ceil((t - now.getTime()) / MS_PER_DAY);
      const window = cfg.renewalWithinDays ?? DEFAULT_RENEWAL_DAYS;
      if (daysToRenewal >= 0 && daysToRenewal <= window) {
        renewalWithinWindow = true;
        value += cfg.renewalBoost ?? 0;
        parts.push(`renewing in ${plural(daysToRenewal, 'day')}`);
      }
    }
  }
  const sentiment = input.signals?.sentiment;
  if (typeof sentiment === 'number' && sentiment < 0) {
    value += (cfg.negativeSentimentBoost ?? 0) * -sentiment;
    parts.push(`negative sentiment (${sentiment})`);
  }
  const escalations = Math.min(ctx.openEscalations ?? 0, MAX_COUNTED_ESCALATIONS);
  if (escalations > 0) {
    value += (cfg.openEscalationBoost ?? 0) * escalations;
    parts.push(plural(ctx.openEscalations ?? 0, 'open escalation'));
  }
  value = clamp01(value);
  const detail = parts.length
    ? `Customer: ${parts.join(', ')}.`
    : 'No account tier, ARR or renewal is known for the customer.';
  return { value, detail, accountTier: ctx.accountTier, daysToRenewal, renewalWithinWindow };
}

/** Which billing issue of the policy this exception is, if any (its description). */
export function billingIssueOf(
  x: Pick<ScoringInput, 'domain' | 'type' | 'signals'>,
  policy: PriorityPolicy,
): string | undefined {
  return (policy.customer?.revenueAtRisk?.billingIssues ?? []).find((b) => allHold(b.when, x))
    ?.description;
}

/**
 * Revenue at risk: the ARR of an account renewing within the window, times the policy's share,
 * when this exception is a billing issue (the policy's `billingIssues`). It counts on the billing
 * issue only: the account's other tickets get the renewal through customer impact and the
 * `renewal-with-open-billing-issue` rule, not the ARR again. Undefined when it does not apply.
 */
export function revenueAtRisk(
  input: ScoringInput,
  ctx: ScoringContext,
  customer: CustomerImpact,
  policy: PriorityPolicy,
): Exposure | undefined {
  const cfg = policy.customer?.revenueAtRisk;
  if (!cfg || ctx.arr === undefined) return undefined;
  const { materiality } = policy;
  const full = materiality.fullExposureMultiple ?? DEFAULT_FULL_EXPOSURE_MULTIPLE;
  const billing = customer.renewalWithinWindow ? billingIssueOf(input, policy) : undefined;
  if (!billing) {
    // A ticket has no amount of its own: its money is a share of its account's revenue.
    if (cfg.ticketShare === undefined || input.domain !== 'support') return undefined;
    const stake = Number(ctx.arr) * cfg.ticketShare;
    const m = stake / Number(materiality.default.value);
    return {
      value: clamp01(Math.log1p(m) / Math.log1p(full)),
      multiple: m,
      detail: `The account's revenue is at stake: ARR ${money(ctx.arr, materiality.default.currency)}; ${Math.round(cfg.ticketShare * 100)}% of it is ${m.toFixed(m < 10 ? 2 : 0)} times the ${money(materiality.default.value, materiality.default.currency)} materiality threshold.`,
      degraded: false,
    };
  }
  const atRisk = Number(ctx.arr) * cfg.share;
  const multiple = atRisk / Number(materiality.default.value);
  return {
    value: clamp01(Math.log1p(multiple) / Math.log1p(full)),
    multiple,
    detail: `Revenue at risk: ARR ${money(ctx.arr, materiality.default.currency)} renewing in ${plural(customer.daysToRenewal ?? 0, 'day')} with ${billing}; ${Math.round(cfg.share * 100)}% of it is ${multiple.toFixed(multiple < 10 ? 2 : 0)} times the ${money(materiality.default.value, materiality.default.currency)} materiality threshold.`,
    degraded: false,
  };
}

/** Supplier criticality from the policy's scale (strategic, critical, preferred, …). */
export function supplierCriticality(ctx: ScoringContext, policy: PriorityPolicy): Feature {
  const c = ctx.supplierCriticality;
  if (c === undefined) return { value: 0, detail: 'No supplier criticality is known.' };
  const value = clamp01(policy.supplier?.criticality?.[c] ?? 0);
  return { value, detail: `The supplier is rated ${c} (criticality ${value}).` };
}

export interface BusinessImpact extends Feature {
  process?: string;
  /** A close-critical process blocked inside the close window. */
  closeCriticalInClose: boolean;
}

/**
 * Business impact of an internal incident: the business process it blocks
 * (`signals.businessProcess`, from the deployment's lookup table of services, CIs, assignment
 * groups and categories), rated by the policy; a close-critical process blocked inside the close
 * window is worth at least `closeCriticalInClose`. An incident that blocks no known process (a
 * printer jam) has none.
 */
export function businessProcessImpact(
  input: ScoringInput,
  policy: PriorityPolicy,
  now: Date,
): BusinessImpact {
  const process = input.signals?.businessProcess;
  const cfg = policy.businessProcess;
  if (typeof process !== 'string' || process === '' || !cfg)
    return {
      value: 0,
      detail: 'No business process is known to be blocked.',
      closeCriticalInClose: false,
    };
  const rated = lookupCi(cfg.impact, process);
  let value = rated?.value ?? clamp01(cfg.default ?? 0);
  const via =
    typeof input.signals?.businessProcessKey === 'string'
      ? ` (${input.signals.businessProcessKey})`
      : '';
  let detail = `It blocks ${words(process)}${via}, business impact ${round2(value)}.`;
  let closeCriticalInClose = false;
  if (input.signals?.closeCritical === true) {
    const w = closeWindowNow(policy, now);
    if (w?.inWindow) {
      closeCriticalInClose = true;
      value = Math.max(value, clamp01(cfg.closeCriticalInClose ?? value));
      detail = `It blocks ${words(process)}${via}, a close-critical process, and today is ${w.label}, inside the close window: business impact ${round2(value)}.`;
    } else {
      detail = `It blocks ${words(process)}${via}, a close-critical process, outside the close window: business impact ${round2(value)}.`;
    }
  }
  return { value, detail, process, closeCriticalInClose };
}

export interface Severity extends Feature {
  /** Points the label adds to the score as a factor of its own (`sourceSeverity.points`). */
  points: number;
  /** The sentence of that factor (empty without points). */
  pointsDetail: string;
}

/** The source's own severity (ServiceNow priority, Zendesk priority, Salesforce case priority). */
export function sourceSeverity(input: ScoringInput, policy: PriorityPolicy): Severity {
  const label = input.signals?.priorityLabel;
  const hit = lookupCi(policy.sourceSeverity?.labels, label);
  const labelPoints = pointsOf(policy.sourceSeverity?.points, label);
  // A case its source marks escalated: its own people raised it above its priority.
  const escalatedPoints =
    input.signals?.escalated === true ? (policy.sourceSeverity?.escalatedPoints ?? 0) : 0;
  const points = labelPoints + escalatedPoints;
  let pointsDetail = labelPoints
    ? `The source's own people rate it ${String(label)}: ${labelPoints > 0 ? 'more' : 'less'} urgent than its normal work, ${labelPoints > 0 ? `${labelPoints} points more` : `${-labelPoints} points less`}.`
    : '';
  if (escalatedPoints)
    pointsDetail += `${pointsDetail ? ' ' : ''}Its source marks it escalated: its own people raised it above its priority${typeof label === 'string' ? ` ${label}` : ''}, ${escalatedPoints} points more.`;
  if (!hit)
    return {
      value: 0,
      detail: 'The source gives no severity the policy rates.',
      points,
      pointsDetail,
    };
  return {
    value: hit.value,
    detail: `The source rates it ${String(label)} (severity ${hit.value}).`,
    points,
    pointsDetail,
  };
}

/** The points `map` gives `key` (case-insensitive), 0 when it lists none. */
function pointsOf(map: Record<string, number> | undefined, key: unknown): number {
  if (!map || typeof key !== 'string') return 0;
  const found = Object.keys(map).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? 0 : map[found];
}

/** Compliance sensitivity: the type's own, or higher for tax, duplicate and sanction reason codes. */
export function complianceSensitivity(input: ScoringInput, policy: PriorityPolicy): Feature {
  const typeValue = clamp01(policy.typeProfile?.[input.type]?.complianceSensitivity ?? 0);
  const code = input.signals?.reasonCode;
  let codeValue = 0;
  if (typeof code === 'string') {
    const codes = policy.compliance?.reasonCodes ?? {};
    const key = Object.keys(codes).find((k) => k.toUpperCase() === code.toUpperCase());
    if (key) codeValue = clamp01(codes[key]);
  }
  if (codeValue > typeValue)
    return {
      value: codeValue,
      detail: `Reason code ${String(code)} is compliance-sensitive (${codeValue}).`,
    };
  if (typeValue > 0)
    return {
      value: typeValue,
      detail: `The policy rates the compliance sensitivity of ${aType(input.type)} at ${typeValue}.`,
    };
  return { value: 0, detail: 'Nothing makes this exception compliance-sensitive.' };
}

export interface Dependency extends Feature {
  linkedOpen: number;
  linkedOpenFinance: number;
  linkedOpenSupport: number;
  recurrenceCount: number;
}

/** Dependency risk: linked open exceptions, blocked items and a recurring root cause combined. */
export function dependencyRisk(
  input: ScoringInput,
  ctx: ScoringContext,
  policy: PriorityPolicy,
): Dependency {
  const cfg = { ...DEFAULT_DEPENDENCY_FULL, ...policy.dependency };
  const all = ctx.linkedOpenExceptions ?? [];
  // One item waits on another when the same object (a shared reference) is open in another
  // domain; several items of one domain, or of one party only, are a crowd (a root-cause group or
  // an account's other work, see grouping.ts), not a dependency.
  const linked = all.filter(
    (l) =>
      (cfg.crossDomainOnly === false || l.domain !== input.domain) &&
      (cfg.referenceOnly !== true || l.via !== 'party'),
  );
  const blocked = ctx.blockedItems ?? 0;
  const recurrence = ctx.recurrenceCount ?? 0;
  const parts = [
    clamp01(linked.length / cfg.linkedOpenFull),
    clamp01(blocked / cfg.blockedItemsFull),
    clamp01(recurrence / cfg.recurrenceFull),
    clamp01(policy.typeProfile?.[input.type]?.dependencyRisk ?? 0),
  ];
  const value = clamp01(1 - parts.reduce((p, x) => p * (1 - x), 1));
  const said: string[] = [];
  if (linked.length) {
    const kinds = [...new Set(linked.map((l) => words(l.type)))].join(', ');
    said.push(`${plural(linked.length, 'linked open exception')} (${kinds})`);
  }
  if (blocked) said.push(`${plural(blocked, 'blocked item')}`);
  if (recurrence) said.push(`the same root cause seen ${plural(recurrence, 'time')} before`);
  const crowd = all.length - linked.length;
  // Left out for sharing only a party (its domain would have counted).
  const partyOnly = all.filter(
    (l) => !linked.includes(l) && (cfg.crossDomainOnly === false || l.domain !== input.domain),
  ).length;
  const sameDomain = crowd - partyOnly;
  const notes: string[] = [];
  if (sameDomain)
    notes.push(
      ` ${plural(sameDomain, 'open exception')} of the same domain and party ${sameDomain === 1 ? 'is' : 'are'} a root-cause group, not a dependency, and ${sameDomain === 1 ? 'does' : 'do'} not count.`,
    );
  if (partyOnly)
    notes.push(
      ` ${plural(partyOnly, 'open exception')} of another domain ${partyOnly === 1 ? 'shares' : 'share'} only a party, no reference: the same account's or supplier's other work, not a dependency, and ${partyOnly === 1 ? 'does' : 'do'} not count.`,
    );
  const crowdNote = notes.join('');
  const detail = said.length
    ? `Depends on ${said.join('; ')}.${crowdNote}`
    : `No linked open exceptions of another domain, blocked items or recurrences are known.${crowdNote}`;
  const count = (domain: string) => all.filter((l) => l.domain === domain).length;
  return {
    value,
    detail,
    linkedOpen: all.length,
    linkedOpenFinance: count('finance'),
    linkedOpenSupport: count('support'),
    recurrenceCount: recurrence,
  };
}

/** Everything the scorer, the rules and the model read, computed once per exception. */
export interface FeatureSet {
  context: ScoringContext;
  exposure: Exposure;
  due: DueRisk;
  customer: CustomerImpact;
  supplier: Feature;
  business: BusinessImpact;
  severity: Severity;
  compliance: Feature;
  dependency: Dependency;
  dimensions: Record<Dimension, number>;
  details: Record<Dimension, string>;
  /** The flat view rules address as `features.*`. */
  flat: Record<string, number | boolean | string | undefined>;
}

export function computeFeatures(
  input: ScoringInput,
  policy: PriorityPolicy,
  now: Date,
): FeatureSet {
  const ctx = effectiveContext(input);
  const profile = policy.typeProfile?.[input.type] ?? {};
  const exposure = financialExposure(input, policy);
  const due = dueRisk(input, policy, now);
  const customer = customerImpact(input, ctx, policy, now);
  const supplier = supplierCriticality(ctx, policy);
  const business = businessProcessImpact(input, policy, now);
  const severity = sourceSeverity(input, policy);
  const compliance = complianceSensitivity(input, policy);
  const dependency = dependencyRisk(input, ctx, policy);
  const atRisk = revenueAtRisk(input, ctx, customer, policy);
  const money = atRisk && atRisk.value > exposure.value ? atRisk : exposure;
  // The type profile's customer impact is what the type carries before any context is known: once
  // the account, the supplier or the blocked process is known, that context decides (a declined
  // card of a small account is not worth the default of a payment failure).
  const known =
    ctx.accountTier !== undefined ||
    ctx.arr !== undefined ||
    ctx.supplierCriticality !== undefined ||
    business.process !== undefined;
  const profileImpact = known ? 0 : clamp01(profile.customerImpact ?? 0);
  const base = Math.max(profileImpact, customer.value, supplier.value, business.value);
  let impactDetail: string;
  if (base === 0) impactDetail = customer.detail;
  else if (base === business.value) impactDetail = business.detail;
  else if (base === customer.value) impactDetail = customer.detail;
  else if (base === supplier.value) impactDetail = supplier.detail;
  else
    impactDetail = `The policy rates the customer impact of ${aType(input.type)} at ${profileImpact}; ${customer.detail.charAt(0).toLowerCase()}${customer.detail.slice(1)}`;
  // The source's own severity raises impact without saturating it: who the customer is still
  // counts (a strategic account's urgent ticket above an unknown one's).
  const impact = severity.value > 0 ? 1 - (1 - base) * (1 - severity.value) : base;
  if (severity.value > 0) impactDetail = `${severity.detail} ${impactDetail}`;
  const effort = clamp01(profile.resolutionEffort ?? 0);
  const dimensions: Record<Dimension, number> = {
    financialExposure: money.value,
    slaRisk: due.value,
    customerImpact: impact,
    complianceSensitivity: compliance.value,
    resolutionEffort: effort,
    dependencyRisk: dependency.value,
  };
  const details: Record<Dimension, string> = {
    financialExposure: money.detail,
    slaRisk: due.detail,
    customerImpact: impactDetail,
    complianceSensitivity: compliance.detail,
    resolutionEffort: `The policy rates the effort to resolve ${aType(input.type)} at ${effort}.`,
    dependencyRisk: dependency.detail,
  };
  const flat = {
    materialityMultiple: exposure.multiple,
    hoursToDue: due.hoursToDue,
    inCloseWindow: due.inCloseWindow,
    daysToRenewal: customer.daysToRenewal,
    renewalWithinWindow: customer.renewalWithinWindow,
    linkedOpen: dependency.linkedOpen,
    linkedOpenFinance: dependency.linkedOpenFinance,
    linkedOpenSupport: dependency.linkedOpenSupport,
    recurrenceCount: dependency.recurrenceCount,
    supplierCriticality: supplier.value,
    businessProcessImpact: business.value,
    closeCriticalInClose: business.closeCriticalInClose,
    sourceSeverity: severity.value,
    sourceSeverityPoints: severity.points,
    ...dimensions,
  };
  return {
    context: ctx,
    exposure,
    due,
    customer,
    supplier,
    business,
    severity,
    compliance,
    dependency,
    dimensions,
    details,
    flat,
  };
}
