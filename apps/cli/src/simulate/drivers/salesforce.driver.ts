/**
 * Salesforce: support Cases as the connector's SOQL query returns them (the record with
 * `attributes`, the Account relationship with tier, ARR, renewal date and owner, the open
 * CaseMilestones), added to a running Salesforce simulator
 * (connectors/salesforce/testing/simulator.ts, `POST /__sim/cases`); the hub's salesforce connector
 * finds them on its next poll. On connect the driver adds every customer of the scenario as an
 * Account (`POST /__sim/accounts`, with the Zendesk organization id in Zendesk_Organization_Id__c),
 * so the hub's account lookups find the Zendesk tickets' and the cases' accounts. Where the
 * simulator listens: SALESFORCE_SIM_URL [http://127.0.0.1:4050].
 */
import { DEFAULT_SALESFORCE_SIM_URL } from '../constants';
import {
  TIER_LABELS,
  amountText,
  renewalDate,
  runDigits,
  salesforceAccountRecord,
  supportAccount,
  supportAccounts,
} from '../support-accounts';
import { SimulateError, type EventKind, type GenContext, type SimDriver } from '../types';
import { simulatorAdmin } from './sim-admin';
import { MS_PER_HOUR, MS_PER_MINUTE } from '@exhub/core';

export const SALESFORCE_SIM_URL_ENV = 'SALESFORCE_SIM_URL';
const API = '/services/data/v62.0/sobjects';
const AGENT_QUEUES = ['Support Queue', 'Tier 2 Support', 'Billing Operations'];

/** Salesforce's datetime, whole seconds as SystemModstamp has: `2026-11-20T09:00:00.000+0000`. */
const sfDateTime = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('Z', '+0000');

interface CaseShape {
  subject: string;
  description: string;
  status: string;
  priority: string;
  escalated: boolean;
  type: string;
  reason: string;
  milestone: { name: string; target: Date; violated: boolean };
}

function caseRecord(ctx: GenContext, c: CaseShape): string {
  const { rng } = ctx;
  const account = supportAccount(ctx.party);
  const digits = runDigits(ctx.runId);
  const seq = String(ctx.seq).padStart(6, '0');
  // Ids grow with the event number, so cases saved in the same second keep the keyset order.
  const id = `500Sm${digits}${seq}AAA`;
  const milestoneId = `5MsSm${digits}${seq}AAA`;
  // Milestones come from an entitlement process: a case with one has an entitlement (the
  // connector's default caseFilter selects cases under an entitlement by EntitlementId).
  const entitlementId = `550Sm${digits}${seq}AAA`;
  const stamp = ctx.now.getTime();
  return JSON.stringify({
    attributes: { type: 'Case', url: `${API}/Case/${id}` },
    Id: id,
    CaseNumber: `${digits}${String(ctx.seq % 10_000).padStart(4, '0')}`,
    Subject: c.subject,
    Description: c.description,
    Status: c.status,
    Priority: c.priority,
    Origin: rng.pick(['Email', 'Phone', 'Web']),
    Type: c.type,
    Reason: c.reason,
    IsEscalated: c.escalated,
    IsClosed: false,
    EntitlementId: entitlementId,
    CreatedDate: sfDateTime(stamp - rng.int(1, 72) * MS_PER_HOUR),
    ClosedDate: null,
    SystemModstamp: sfDateTime(stamp),
    AccountId: account.salesforceId,
    Account: {
      attributes: { type: 'Account', url: `${API}/Account/${account.salesforceId}` },
      Name: account.name,
      Tier__c: TIER_LABELS[account.tier],
      ARR__c: Number(account.arr),
      Renewal_Date__c: renewalDate(account, ctx.now),
      Owner: { attributes: { type: 'User' }, Name: account.owner },
    },
    Owner: { attributes: { type: 'Name' }, Name: rng.pick(AGENT_QUEUES) },
    CaseMilestones: {
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: 'CaseMilestone', url: `${API}/CaseMilestone/${milestoneId}` },
          Id: milestoneId,
          MilestoneType: { attributes: { type: 'MilestoneType' }, Name: c.milestone.name },
          TargetDate: sfDateTime(c.milestone.target.getTime()),
          IsViolated: c.milestone.violated,
          IsCompleted: false,
        },
      ],
    },
  });
}

const kind = (
  description: string,
  produces: EventKind['produces'],
  shape: (ctx: GenContext) => CaseShape,
): EventKind => ({
  description,
  produces,
  withoutAmount: true,
  generate: (ctx) => ({ objectType: 'Case', body: caseRecord(ctx, shape(ctx)) }),
});

export const salesforceDriver: SimDriver = {
  id: 'salesforce',
  system: 'salesforce',
  contentType: 'application/json',
  describe: `support cases (and the scenario's accounts) added to the Salesforce simulator at ${SALESFORCE_SIM_URL_ENV} [${DEFAULT_SALESFORCE_SIM_URL}], polled by the hub`,
  kinds: {
    renewal_at_risk: kind(
      'a high-priority case from an account renewing soon; its Resolution Time milestone is running',
      ['sla_breach_risk'],
      (ctx) => ({
        subject: ctx.rng.pick([
          'Renewal review: outstanding performance issues',
          'Renewal blocked by unresolved integration defects',
          'Customer asks for service credits before renewing',
        ]),
        description: `Renewal of ${amountText(ctx.amount.value, ctx.amount.currency)} depends on this case.`,
        status: 'Working',
        priority: 'High',
        escalated: false,
        type: 'Problem',
        reason: 'Performance',
        milestone: { name: 'Resolution Time', target: ctx.dueAt, violated: false },
      }),
    ),
    billing_escalation: kind(
      'an escalated case about a disputed invoice or renewal charge',
      ['escalation'],
      (ctx) => {
        const inv = `INV-${ctx.rng.digits(6)}`;
        return {
          subject: `Billing dispute: ${inv} (${amountText(ctx.amount.value, ctx.amount.currency)})`,
          description: ctx.rng.pick([
            'Customer disputes the renewal uplift and withholds payment.',
            'Invoice billed seats that were cancelled; finance escalated to the account team.',
            'Charged twice after the plan change; customer threatens to churn.',
          ]),
          status: 'Escalated',
          priority: ctx.rng.pick(['High', 'Medium']),
          escalated: true,
          type: 'Billing',
          reason: 'Billing Dispute',
          milestone: { name: 'Resolution Time', target: ctx.dueAt, violated: false },
        };
      },
    ),
    milestone_violated: kind(
      'a case whose First Response milestone is violated',
      ['sla_breach_risk'],
      (ctx) => ({
        subject: ctx.rng.pick([
          'No reply to outage report',
          'Order stuck in provisioning',
          'Data export incomplete',
        ]),
        description: 'The first response milestone ran out before anyone replied.',
        status: 'New',
        priority: 'Medium',
        escalated: false,
        type: 'Problem',
        reason: 'Performance',
        milestone: {
          name: 'First Response',
          target: new Date(
            Math.min(ctx.dueAt.getTime(), ctx.now.getTime()) - ctx.rng.int(5, 240) * MS_PER_MINUTE,
          ),
          violated: true,
        },
      }),
    ),
  },
  async connect({ env, timeoutMs, refs }) {
    const admin = simulatorAdmin({
      label: 'Salesforce',
      driver: this.id,
      urlEnv: SALESFORCE_SIM_URL_ENV,
      defaultUrl: DEFAULT_SALESFORCE_SIM_URL,
      start: 'npm run simulator -- salesforce',
      env,
      timeoutMs,
    });
    await admin.probe('/__sim/cases');
    if (refs) {
      const now = new Date();
      const accounts = supportAccounts(refs).map((a) => salesforceAccountRecord(a, now));
      const added = await admin.add('/__sim/accounts', JSON.stringify(accounts));
      if (added.outcome !== 'accepted') {
        throw new SimulateError(
          `the Salesforce simulator at ${admin.base} refused the scenario's accounts (POST /__sim/accounts: ${added.status ?? ''} ${added.detail ?? ''})`,
        );
      }
    }
    return {
      target: `${admin.base}/__sim/cases`,
      deliver: (p) => admin.add('/__sim/cases', p.body),
    };
  },
};
