/**
 * Mapping throughput: payloads per second on one core for every shipped mapping, beside a
 * hand-written TypeScript mapping of the same payload (the reference), printed as a ratio.
 *
 *   npm run bench:mapping                # builds bench/ to dist/ and runs it
 *   BENCH_SECONDS=3 npm run bench:mapping
 *   BENCH_MAPPINGS=netsuite.vendor-bill,iso20022.* node dist/bench/mapping.bench.js
 *       only the mappings named (comma-separated ids; `iso20022.*` for every id starting so)
 *   BENCH_DECLARATIVE_ONLY=1 ...   measure only the declarative path (no JSONata-only and
 *       hand-written columns): what an A/B comparison of the fast path needs, in a third the time
 *
 * Never a timed assertion: numbers depend on the machine. Each payload is the real fixture the
 * mapping's first golden case uses; the reference's output is checked equal to the mapping's, so
 * the two do the same work.
 */
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import {
  evaluateMapping,
  findCasesFiles,
  loadCasesFile,
  MappingRegistry,
  type CompiledMapping,
  type LookupTables,
} from '@exhub/mapping';
import { prune } from '@exhub/mapping';
import { epochToIso, money, type Money } from '@exhub/mapping';
import { MS_PER_SECOND } from '@exhub/core';

const ROOT = resolve(__dirname, '../..');
const MAPPINGS_DIR = join(ROOT, 'mappings');
const DEFAULT_SECONDS = 1;
const WARMUP_ITERATIONS = 500;
/**
 * And at least this long: V8 keeps optimising a mapping's code for a few hundred milliseconds
 * after its first 500 calls (tier-up to Maglev, then TurboFan), and a 1 s window measured before
 * that lands anywhere between the interpreted and the optimised rate (run to run, camt.054's
 * break mapping gave 13.5k and 18.8k/s). The hub runs a mapping for hours: its steady state is
 * the figure that matters. BENCH_WARMUP_MS=0 gives the old, count-only warm-up.
 */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500);
/** Windows the measured time is cut into (the rate is the median window's). */
const WINDOWS = 5;
/**
 * Throughput is measured without the per-payload time limits: a garbage-collection pause inside
 * one evaluation would otherwise abort the run (the limits guard against runaway expressions,
 * which the golden cases and unit tests cover).
 */
const BENCH_LIMITS = { expressionTimeoutMs: 60_000, mappingTimeoutMs: 60_000 };

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Reference = (event: Payload, lookups: LookupTables) => Record<string, unknown> | undefined;

const words = (s: string | undefined) => (s ? s.replace(/_/g, ' ') : undefined);
const dashboard = (live: boolean, path: string) =>
  `https://dashboard.stripe.com/${live ? '' : 'test/'}${path}`;
const customerParty = (
  lookups: LookupTables,
  customer: Payload | string | undefined,
  name?: string,
) => {
  const id = typeof customer === 'object' && customer ? customer.id : customer;
  if (!id) return undefined;
  const displayName = name ?? (typeof customer === 'object' ? customer?.name : undefined);
  return [
    { role: 'customer', id, name: displayName, tier: lookups.lookup('customer-tiers', id, 'tier') },
  ];
};
const declineReason = (lookups: LookupTables, code: string | undefined) => {
  const why = lookups.lookup('stripe-decline-codes', code);
  return why
    ? ` Decline reason: ${why}; next step: ${lookups.lookup('stripe-decline-codes', code, 'next_step') ?? ''}.`
    : '';
};
const moneyText = (m: Money) => `${m.currency} ${m.value}`;

/** Hand-written equivalents of mappings/stripe/*.mapping.yaml. */
const REFERENCES: Record<string, Reference> = {
  'stripe.charge-dispute': (e, lookups) => {
    if (e.type !== 'charge.dispute.created') return undefined;
    const d = e.data.object;
    const m = money(d.amount, d.currency)!;
    const card = d.payment_method_details?.card ?? {};
    const charge = typeof d.charge === 'object' && d.charge ? d.charge.id : d.charge;
    const reason = words(d.reason);
    const reasonText = lookups.lookup('stripe-dispute-reasons', d.reason);
    return {
      domain: 'finance',
      process: 'order_to_cash',
      type: 'chargeback_dispute',
      title: `${card.case_type === 'inquiry' ? 'Dispute inquiry: ' : 'Chargeback dispute: '}${reason ?? 'no reason given'}, ${moneyText(m)}`,
      summary:
        `The cardholder's bank opened a ${card.case_type ?? 'dispute'} for ${moneyText(m)}` +
        (charge ? ` on charge ${charge}` : '') +
        (card.brand
          ? ` (${card.brand}${card.network_reason_code ? `, network reason code ${card.network_reason_code}` : ''})`
          : '') +
        `, reason: ${reason ?? 'none given'}${reasonText ? ` (${reasonText})` : ''}. ` +
        `Stripe status: ${d.status}` +
        (d.evidence_details?.due_by
          ? `; evidence is due by ${epochToIso(d.evidence_details.due_by)}`
          : '') +
        '.',
      source: {
        objectType: d.object,
        objectId: d.id,
        url: dashboard(d.livemode, `disputes/${d.id}`),
        eventId: e.id,
      },
      occurredAt: epochToIso(d.created),
      dueAt: epochToIso(d.evidence_details?.due_by),
      amount: m,
      amountBase: lookups.toBase(m),
      parties: customerParty(
        lookups,
        typeof d.charge === 'object' ? d.charge?.customer : undefined,
        typeof d.charge?.customer === 'object' ? d.charge.customer.name : d.evidence?.customer_name,
      ),
      references: { payment: charge },
      signals: {
        reasonCode: d.reason,
        status: d.status,
        networkReasonCode: card.network_reason_code,
        caseType: card.case_type,
        cardBrand: card.brand,
        hasEvidence: d.evidence_details?.has_evidence,
        pastDue: d.evidence_details?.past_due,
        chargeRefundable: d.is_charge_refundable,
        livemode: e.livemode,
      },
    };
  },
  'stripe.charge-failed': (e, lookups) => {
    if (e.type !== 'charge.failed') return undefined;
    const c = e.data.object;
    const m = money(c.amount, c.currency)!;
    const outcome = c.outcome ?? {};
    const reason = outcome.reason || c.failure_code;
    const brand = c.payment_method_details?.card?.brand;
    const pi = c.payment_intent;
    return {
      domain: 'finance',
      process: 'order_to_cash',
      type: 'payment_failure',
      title: `Payment failed: ${words(reason) ?? 'no reason given'}, ${moneyText(m)}`,
      summary:
        `Charge ${c.id} for ${moneyText(m)}${brand ? ` on a ${brand} card` : ''} failed: ` +
        (c.failure_message || 'no message from Stripe.') +
        (outcome.seller_message ? ` ${outcome.seller_message}` : '') +
        (outcome.advice_code ? ` Advice: ${words(outcome.advice_code)}.` : '') +
        declineReason(lookups, reason),
      source: {
        objectType: c.object,
        objectId: c.id,
        url: dashboard(c.livemode, `payments/${(typeof pi === 'object' ? pi?.id : pi) || c.id}`),
        eventId: e.id,
      },
      occurredAt: epochToIso(c.created),
      amount: m,
      amountBase: lookups.toBase(m),
      parties: customerParty(
        lookups,
        c.customer,
        (typeof c.customer === 'object' ? c.customer?.name : undefined) || c.billing_details?.name,
      ),
      references: {
        payment: c.id,
        invoice: typeof c.invoice === 'object' ? c.invoice?.id : c.invoice,
      },
      signals: {
        reasonCode: c.failure_code,
        declineCode: reason,
        reasonText: c.failure_message,
        networkStatus: outcome.network_status,
        networkDeclineCode: outcome.network_decline_code,
        adviceCode: outcome.advice_code,
        outcomeType: outcome.type,
        riskLevel: outcome.risk_level,
        fraudScore: outcome.risk_score,
        cardBrand: brand,
        livemode: e.livemode,
      },
    };
  },
  'stripe.invoice-payment-failed': (e, lookups) => {
    if (e.type !== 'invoice.payment_failed') return undefined;
    const i = e.data.object;
    const m = money(i.amount_due, i.currency)!;
    const number = i.number || i.id;
    const line = (i.lines?.data ?? []).filter((l: Payload) => l.type === 'subscription')[0];
    const sub =
      (typeof i.subscription === 'object' ? i.subscription?.id : i.subscription) ||
      i.parent?.subscription_details?.subscription ||
      line?.subscription ||
      (typeof line?.id === 'string' && line.id.startsWith('sub_') ? line.id : undefined);
    return {
      domain: 'finance',
      process: 'billing',
      type: 'payment_failure',
      title: `Invoice payment failed: ${number}, ${moneyText(m)}`,
      summary:
        `Payment of invoice ${number} for ${moneyText(m)}` +
        (i.customer_name ? ` by ${i.customer_name}` : '') +
        ` failed${i.attempt_count ? ` after ${i.attempt_count} attempt(s)` : ''}. ` +
        (i.next_payment_attempt
          ? `Stripe retries at ${epochToIso(i.next_payment_attempt)}.`
          : 'Stripe will not retry automatically.'),
      source: {
        objectType: i.object,
        objectId: i.id,
        url: dashboard(i.livemode, `invoices/${i.id}`),
        eventId: e.id,
      },
      occurredAt: epochToIso(e.created),
      dueAt: epochToIso(i.due_date ? i.due_date : i.next_payment_attempt),
      amount: m,
      amountBase: lookups.toBase(m),
      parties: customerParty(
        lookups,
        i.customer,
        i.customer_name || (typeof i.customer === 'object' ? i.customer?.name : undefined),
      ),
      references: { invoice: i.id, subscription: sub },
      signals: {
        attemptCount: i.attempt_count,
        attempted: i.attempted,
        billingReason: i.billing_reason,
        collectionMethod: i.collection_method,
        invoiceStatus: i.status,
        livemode: e.livemode,
      },
    };
  },
  'stripe.payment-intent-failed': (e, lookups) => {
    if (e.type !== 'payment_intent.payment_failed') return undefined;
    const p = e.data.object;
    const err = p.last_payment_error ?? {};
    const m = money(p.amount, p.currency)!;
    const reason = err.decline_code || err.code || err.type;
    return {
      domain: 'finance',
      process: 'order_to_cash',
      type: 'payment_failure',
      title: `Payment failed: ${words(reason) ?? 'no reason given'}, ${moneyText(m)}`,
      summary:
        `Payment intent ${p.id} for ${moneyText(m)} failed` +
        (err.message ? `: ${err.message}` : err.type ? ` (${words(err.type)}).` : '.') +
        (p.status === 'requires_payment_method'
          ? ' It needs a new payment method before it can be retried.'
          : '') +
        declineReason(lookups, err.decline_code),
      source: {
        objectType: p.object,
        objectId: p.id,
        url: dashboard(p.livemode, `payments/${p.id}`),
        eventId: e.id,
      },
      occurredAt: epochToIso(e.created),
      amount: m,
      amountBase: lookups.toBase(m),
      parties: customerParty(
        lookups,
        p.customer,
        (typeof p.customer === 'object' ? p.customer?.name : undefined) ||
          err.payment_method?.billing_details?.name,
      ),
      references: {
        payment: p.id,
        invoice: typeof p.invoice === 'object' ? p.invoice?.id : p.invoice,
      },
      signals: {
        reasonCode: err.code,
        declineCode: err.decline_code,
        reasonText: err.message,
        errorType: err.type,
        adviceCode: err.advice_code,
        networkDeclineCode: err.network_decline_code,
        paymentMethodType: err.payment_method?.type,
        cardBrand: err.payment_method?.card?.brand,
        status: p.status,
        livemode: e.livemode,
      },
    };
  },
};

/**
 * Runs `fn` repeatedly for `seconds` (after a warm-up); returns calls per second (the median of
 * WINDOWS windows), and the process's CPU time per call in microseconds over all of them.
 */
async function measure(
  fn: () => unknown,
  seconds: number,
): Promise<{ rate: number; cpuUs: number }> {
  const warmStarted = performance.now();
  for (let i = 0; i < WARMUP_ITERATIONS || performance.now() - warmStarted < WARMUP_MS; i += 1) {
    await fn();
  }
  // The budget in WINDOWS equal windows; the rate is the median window's, so one stall of the
  // shared host (a neighbour's burst, a major GC) moves one window, not the figure.
  const windowMs = (seconds * MS_PER_SECOND) / WINDOWS;
  const rates: number[] = [];
  let calls = 0;
  const cpuStarted = process.cpuUsage();
  for (let w = 0; w < WINDOWS; w += 1) {
    let inWindow = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < windowMs) {
      for (let i = 0; i < 10; i += 1) await fn();
      inWindow += 10;
      elapsed = performance.now() - started;
    }
    calls += inWindow;
    rates.push((inWindow * MS_PER_SECOND) / elapsed);
  }
  const cpu = process.cpuUsage(cpuStarted);
  rates.sort((a, b) => a - b);
  return { rate: rates[Math.floor(WINDOWS / 2)], cpuUs: (cpu.user + cpu.system) / calls };
}

/** Calls per second of `fn` (see measure). */
async function rate(fn: () => unknown, seconds: number): Promise<number> {
  return (await measure(fn, seconds)).rate;
}

/** The first golden case with an input file, per mapping: a real payload. */
function benchPayloads(): Map<string, Payload> {
  const payloads = new Map<string, Payload>();
  for (const file of findCasesFiles(MAPPINGS_DIR)) {
    const cases = loadCasesFile(file);
    const real = cases.cases.find((c) => c.input.file) ?? cases.cases[0];
    const payload = real.input.file
      ? JSON.parse(readFileSync(resolve(cases.baseDir, real.input.file), 'utf8'))
      : real.input.payload;
    payloads.set(cases.mapping, payload as Payload);
  }
  return payloads;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS) || DEFAULT_SECONDS;
  const registry = await MappingRegistry.loadDir(MAPPINGS_DIR, { limits: BENCH_LIMITS });
  // The same mappings with every expression in JSONata: what the compiled fast path gains.
  const interpreted = await MappingRegistry.loadDir(MAPPINGS_DIR, {
    limits: BENCH_LIMITS,
    fastPath: false,
  });
  const payloads = benchPayloads();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `mapping throughput, one core (${cpu}, Node ${process.versions.node}), ${seconds} s per measurement\n\n`,
  );
  const header = [
    'mapping',
    'compiled exprs',
    'JSONata only/s',
    'declarative/s',
    'hand-written/s',
    'ratio',
    'same output',
    'exceptions per payload',
    // Last, so bench/run-all.ts reads the columns before it where it always did.
    'declarative CPU µs/payload',
  ];
  const rows: string[][] = [];
  const only = (process.env.BENCH_MAPPINGS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const declarativeOnly = process.env.BENCH_DECLARATIVE_ONLY === '1';
  for (const summary of registry.list()) {
    const selected = (name: string) =>
      name.endsWith('*') ? summary.id.startsWith(name.slice(0, -1)) : summary.id === name;
    if (only.length > 0 && !only.some(selected)) continue;
    const mapping = registry.get(summary.id) as CompiledMapping;
    const payload = payloads.get(summary.id);
    const reference = REFERENCES[summary.id];
    if (!payload) {
      rows.push([summary.id, '', '', 'no golden case payload', '', '', '', '', '']);
      continue;
    }
    const slowMapping = interpreted.get(summary.id) as CompiledMapping;
    const jsonataOnly = declarativeOnly
      ? Number.NaN
      : await rate(() => evaluateMapping(slowMapping, payload), seconds);
    const { rate: declarative, cpuUs } = await measure(
      () => evaluateMapping(mapping, payload),
      seconds,
    );
    const outputs = await evaluateMapping(mapping, payload);
    const [mapped] = outputs;
    let handWritten = Number.NaN;
    let same = declarativeOnly ? '-' : 'no reference';
    if (reference && !declarativeOnly) {
      handWritten = await rate(() => prune(reference(payload, registry.lookups)), seconds);
      same = isDeepStrictEqual(prune(reference(payload, registry.lookups)), mapped?.fields)
        ? 'yes'
        : 'NO';
    }
    rows.push([
      summary.id,
      compiledShare(mapping),
      Number.isNaN(jsonataOnly) ? '-' : Math.round(jsonataOnly).toLocaleString('en-US'),
      Math.round(declarative).toLocaleString('en-US'),
      Number.isNaN(handWritten) ? '-' : Math.round(handWritten).toLocaleString('en-US'),
      Number.isNaN(handWritten) ? '-' : `1 : ${(handWritten / declarative).toFixed(1)}`,
      same,
      String(outputs.length),
      cpuUs.toFixed(1),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  process.stdout.write(
    '\nJSONata only = every expression interpreted by JSONata; declarative = as the hub runs it, with\n' +
      'the compiled fast path where an expression allows it (fast-path.ts); declarative CPU µs/payload =\n' +
      "the process's CPU time per payload while measuring it (steadier on a shared machine).\n" +
      'ratio = declarative : hand-written (how many times faster the hand-written reference is).\n' +
      'exceptions per payload = what the payload maps to (a statement or status report: one per entry).\n',
  );
}

/** How many of the mapping's expressions (match, each, fields) the fast path compiled. */
function compiledShare(mapping: CompiledMapping): string {
  const expressions = [mapping.match, mapping.each, ...mapping.fields.map((f) => f.expression)];
  const present = expressions.filter((e) => e !== undefined);
  return `${present.filter((e) => e.fast).length}/${present.length}`;
}

void main();
