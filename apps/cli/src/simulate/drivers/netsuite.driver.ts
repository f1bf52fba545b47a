/**
 * NetSuite: vendor bills on payment hold or still pending approval after their due date, as the
 * connector publishes them (the VendorBill record as the `soap` client parses a SuiteTalk
 * searchResult: `attributes.internalId`, RecordRefs as `{attributes: {internalId}, name}`, dates
 * as xsd:dateTime text with the account's UTC offset, amounts as decimal text). Each is added to a
 * running NetSuite simulator (connectors/netsuite/testing/simulator.ts, `POST /__sim/bills`, in
 * the simulator's fixture form); the hub's netsuite connector finds it on its next poll. Where the
 * simulator listens: NETSUITE_SIM_URL [http://127.0.0.1:4040].
 */
import { DEFAULT_NETSUITE_SIM_URL } from '../constants';
import { runDigits } from '../support-accounts';
import type { EventKind, GenContext, SimDriver } from '../types';
import { simulatorAdmin } from './sim-admin';
import { MS_PER_DAY, MS_PER_HOUR } from '@exhub/core';

export const NETSUITE_SIM_URL_ENV = 'NETSUITE_SIM_URL';
/** Pacific standard and daylight time: the demo account's time zone. */
const PST_HOURS = -8;
const PDT_HOURS = -7;

const ref = (internalId: string, name: string) => ({ attributes: { internalId }, name });
/** Currency → its record, NetSuite's currency name, the subsidiary that books it, a rate. */
const BOOKS: Readonly<Record<string, [string, string, string, string, string]>> = {
  USD: ['1', 'USA', '1', 'Exhub Demo Inc.', '1.0'],
  GBP: ['2', 'British pound', '2', 'Exhub Demo Ltd', '1.2710'],
  EUR: ['4', 'Euro', '3', 'Exhub Demo GmbH', '1.0825'],
};
const TERMS: readonly [string, string, number][] = [
  ['1', 'Net 15', 15],
  ['2', 'Net 30', 30],
  ['2', 'Net 30', 30],
  ['4', 'Net 60', 60],
];
const APPROVERS: readonly [string, string][] = [
  ['57', 'Maria Keller'],
  ['61', 'Tom Alvarez'],
  ['74', 'Ingrid Haugen'],
];
const HOLD_REASONS = [
  'Price variance against PO {po}, held until the buyer confirms',
  'Goods receipt for PO {po} not yet posted',
  'Vendor bank details changed: payment hold until verified',
  'Duplicate suspected: same amount and date as an earlier bill',
  'Tax code conflict: vendor VAT number missing on the bill',
];

/** Second Sunday of March and first Sunday of November, 10:00 / 09:00 UTC (2 a.m. local). */
function pacificOffsetHours(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  const sunday = (month: number, nth: number) => {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + (nth - 1) * 7;
  };
  const start = Date.UTC(year, 2, sunday(2, 2), 10);
  const end = Date.UTC(year, 10, sunday(10, 1), 9);
  return ms >= start && ms < end ? PDT_HOURS : PST_HOURS;
}

/** xsd:dateTime in the account's time zone: `2026-11-30T09:15:00.000-08:00`. */
function nsDateTime(ms: number): string {
  const offset = pacificOffsetHours(ms);
  const local = new Date(ms + offset * MS_PER_HOUR).toISOString().slice(0, 23);
  return `${local}-0${-offset}:00`;
}

/** Midnight, account time, of the calendar day `utcDay` (a UTC midnight) names. */
function nsDate(utcDay: number): string {
  const offset = pacificOffsetHours(utcDay);
  return `${new Date(utcDay).toISOString().slice(0, 10)}T00:00:00.000-0${-offset}:00`;
}

const dayOf = (d: Date) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

function bill(ctx: GenContext, pending: boolean): string {
  const { rng, amount, party } = ctx;
  const [currencyId, currencyName, subsidiaryId, subsidiary, rate] =
    BOOKS[amount.currency] ?? BOOKS.USD;
  const [termsId, termsName, days] = rng.pick(TERMS);
  const due = dayOf(ctx.dueAt);
  const tran = Math.min(due - days * MS_PER_DAY, dayOf(ctx.now));
  const created = Math.min(tran + rng.int(1, 20) * MS_PER_HOUR, ctx.now.getTime());
  const internalId = `9${runDigits(ctx.runId)}${String(ctx.seq).padStart(5, '0')}`;
  const po = `PO${rng.digits(6)}`;
  const approver = rng.pick(APPROVERS);
  return JSON.stringify({
    attributes: { 'xsi:type': 'tranPurch:VendorBill', internalId },
    createdDate: nsDateTime(created),
    lastModifiedDate: nsDateTime(ctx.now.getTime()),
    entity: ref(party.id, party.name),
    subsidiary: ref(subsidiaryId, subsidiary),
    approvalStatus: pending ? ref('1', 'Pending Approval') : ref('2', 'Approved'),
    ...(pending && { nextApprover: ref(approver[0], approver[1]) }),
    tranDate: nsDate(tran),
    currencyName,
    exchangeRate: rate,
    terms: ref(termsId, termsName),
    dueDate: nsDate(due),
    tranId: `${party.id.slice(-3)}-INV-${rng.digits(5)}`,
    userTotal: amount.value,
    taxTotal: '0.00',
    paymentHold: !pending,
    memo: pending ? `${po}, awaiting approval` : rng.pick(HOLD_REASONS).replace('{po}', po),
    currency: ref(currencyId, amount.currency),
    status: pending ? 'Pending Approval' : 'Open',
    transactionNumber: `VENDBILL${internalId}`,
  });
}

/** The published record in the simulator's fixture form: `internalId` up, RecordRefs flat. */
export function fixtureForm(published: string): string {
  const { attributes, ...fields } = JSON.parse(published) as Record<string, unknown> & {
    attributes: { internalId: string };
  };
  const flat = Object.entries(fields).map(([k, v]) => {
    const r = v as { attributes?: { internalId?: string }; name?: string } | null;
    return r && typeof r === 'object' && r.attributes?.internalId !== undefined
      ? [k, { internalId: r.attributes.internalId, name: r.name }]
      : [k, v];
  });
  return JSON.stringify({ internalId: attributes.internalId, ...Object.fromEntries(flat) });
}

const kind = (description: string, pending: boolean): EventKind => ({
  description,
  produces: ['payment_hold'],
  generate: (ctx) => ({ objectType: 'VendorBill', body: bill(ctx, pending) }),
});

export const netsuiteDriver: SimDriver = {
  id: 'netsuite',
  system: 'netsuite',
  contentType: 'application/json',
  describe: `vendor bills added to the NetSuite simulator at ${NETSUITE_SIM_URL_ENV} [${DEFAULT_NETSUITE_SIM_URL}], polled by the hub`,
  kinds: {
    bill_on_hold: kind(
      'an approved vendor bill on payment hold (price variance, missing receipt, bank details, duplicate, tax code)',
      false,
    ),
    approval_past_due: kind('a vendor bill still pending approval after its due date', true),
  },
  async connect({ env, timeoutMs }) {
    const admin = simulatorAdmin({
      label: 'NetSuite',
      driver: this.id,
      urlEnv: NETSUITE_SIM_URL_ENV,
      defaultUrl: DEFAULT_NETSUITE_SIM_URL,
      start: 'npm run simulator -- netsuite',
      env,
      timeoutMs,
    });
    await admin.probe('/__sim/bills');
    return {
      target: `${admin.base}/__sim/bills`,
      deliver: (p) => admin.add('/__sim/bills', fixtureForm(p.body)),
    };
  },
};
