/**
 * One customer as the support systems know it. A scenario draws its customers from the billing
 * side (customer-tiers.csv lists the Stripe customer ids with their tier, the tail is unlisted);
 * each support system keeps the same customer under its own key: a Salesforce Account (001…), a
 * Zendesk organization (an integer) and a ServiceNow core_company (a 32-hex sys_id). The keys are
 * derived from the customer id, so every driver, every run and every seed agree on them, and the
 * tier is the one the lookup table gives (or, for the unlisted tail, a stable one the CRM holds).
 *
 * The Salesforce account carries the Zendesk organization id in `Zendesk_Organization_Id__c`:
 * with `enrichment: {account: salesforce}` and `accountExternalIdField: Zendesk_Organization_Id__c`
 * the hub finds a Zendesk ticket's account (tier, ARR, renewal) in Salesforce. The salesforce
 * driver adds every account to the Salesforce simulator when it connects.
 */
import { createHash } from 'node:crypto';
import type { Rng } from './prng';
import type { ReferenceData, SimParty } from './types';
import { MS_PER_DAY } from '@exhub/core';

/** The policy's customer tiers (policies/priority.yaml `customer.tiers`) and Salesforce's label. */
export const TIER_LABELS: Readonly<Record<string, string>> = {
  strategic: 'Strategic',
  enterprise: 'Enterprise',
  gold: 'Gold',
  mid_market: 'Mid-Market',
  smb: 'SMB',
};
/** Tiers the CRM gives customers the lookup table does not list. */
const TAIL_TIERS = ['gold', 'mid_market', 'mid_market', 'smb', 'smb'];
/** ARR range (thousands) per tier. */
const ARR_RANGE: Readonly<Record<string, [number, number]>> = {
  strategic: [1200, 3600],
  enterprise: [400, 1200],
  gold: [150, 400],
  mid_market: [50, 150],
  smb: [8, 50],
};
const OWNERS = ['Dana Whitfield', 'Marco Ruiz', 'Priya Natarajan', 'Jonas Berg', 'Aiko Sato'];

export interface SupportAccount {
  /** The billing customer (Stripe id) the account is drawn as. */
  customerId: string;
  name: string;
  /** Policy tier name (strategic, enterprise, gold, mid_market, smb). */
  tier: string;
  /** Whether the tier comes from customer-tiers.csv (else the CRM alone holds it). */
  listed: boolean;
  salesforceId: string;
  zendeskOrgId: string;
  servicenowCompany: string;
  /** Annual recurring revenue, decimal string with two decimals. */
  arr: string;
  /** Days from today to the next renewal (strategic and enterprise accounts renew soon more often). */
  renewalInDays: number;
  owner: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The support systems' view of a drawn customer; stable for a given customer id. */
export function supportAccount(party: SimParty): SupportAccount {
  const h = digest(`exhub-sim-account:${party.id}`);
  const listed = party.tier !== undefined && TIER_LABELS[party.tier] !== undefined;
  const tier = listed ? (party.tier as string) : TAIL_TIERS[h[0] % TAIL_TIERS.length];
  const [low, high] = ARR_RANGE[tier];
  const arrThousands = low + (h.readUInt16BE(1) % (high - low + 1));
  const sfSuffix = [...h.subarray(3, 13)].map((b) => BASE62[b % BASE62.length]).join('');
  const soon = tier === 'strategic' || tier === 'enterprise';
  return {
    customerId: party.id,
    name: party.name,
    tier,
    listed,
    // 001 + 12 characters + a 3-character suffix: an 18-character Account Id.
    salesforceId: `001Sm${sfSuffix}AAA`,
    zendeskOrgId: String(37_000_000 + (h.readUInt32BE(13) % 1_000_000)),
    servicenowCompany: createHash('md5').update(`exhub-sim-company:${party.id}`).digest('hex'),
    arr: `${arrThousands * 1000}.00`,
    renewalInDays: soon ? 10 + (h[17] % 80) : 30 + (h[17] % 300),
    owner: OWNERS[h[18] % OWNERS.length],
  };
}

/** Every customer of the reference data, as support accounts (what the CRM holds). */
export function supportAccounts(refs: ReferenceData): SupportAccount[] {
  return [...refs.listedCustomers, ...refs.tailCustomers].map(supportAccount);
}

/** `YYYY-MM-DD` of the account's next renewal, counted from `now`'s day. */
export function renewalDate(account: SupportAccount, now: Date): string {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(day + account.renewalInDays * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The Account record as the Salesforce simulator stores it (`POST /__sim/accounts`). */
export function salesforceAccountRecord(
  account: SupportAccount,
  now: Date,
): Record<string, unknown> {
  return {
    Id: account.salesforceId,
    Name: account.name,
    Type: 'Customer - Direct',
    Tier__c: TIER_LABELS[account.tier],
    ARR__c: Number(account.arr),
    Renewal_Date__c: renewalDate(account, now),
    Zendesk_Organization_Id__c: account.zendeskOrgId,
    // The keys the other sources know the account by (the connector's accountKeys).
    Stripe_Customer_Id__c: account.customerId,
    ServiceNow_Company__c: account.servicenowCompany,
    Owner: { Name: account.owner },
  };
}

const FIRST = ['Anna', 'Ben', 'Chloé', 'David', 'Eva', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jamal'];
const LAST = ['Müller', 'Okafor', 'Rossi', 'Svensson', 'Tanaka', 'Novak', 'Dubois', 'Kowalski'];

/** A contact at the customer: a requester or caller, drawn with the event's generator. */
export function contactName(rng: Rng): string {
  return `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
}

/** Four digits from the run id: keeps numeric ids of different seeds apart. */
export function runDigits(runId: string): string {
  let n = 0;
  for (const ch of runId) n = (n * 33 + ch.charCodeAt(0)) % 10_000;
  return String(n).padStart(4, '0');
}

/** `1,234.50`-style amount text for ticket and case descriptions. */
export function amountText(value: string, currency: string): string {
  const [whole, cents] = value.split('.');
  return `${currency} ${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents ?? '00'}`;
}
