/**
 * ServiceNow: incidents as the connector publishes them (the Table API record with
 * sysparm_display_value=false — choice values, UTC `YYYY-MM-DD HH:mm:ss`, references as
 * `{link, value}` — and its task_sla rows under `task_sla`), added to a running ServiceNow
 * simulator (connectors/servicenow/testing/simulator.ts, `POST /__sim/incidents`); the hub's
 * servicenow connector finds them on its next poll. On connect the driver adds the internal
 * business services as cmdb_ci records (`POST /__sim/cis`: sys_id, name, class cmdb_ci_service),
 * the assignment groups as sys_user_group records (`POST /__sim/groups`; the connector reads both
 * names with `fetchReferenceNames`) and the scenario's customers as
 * core_company records (`POST /__sim/companies`). Where the simulator listens:
 * SERVICENOW_SIM_URL [http://127.0.0.1:4020].
 */
import { DEFAULT_SERVICENOW_SIM_URL } from '../constants';
import {
  amountText,
  contactName,
  runDigits,
  supportAccount,
  supportAccounts,
} from '../support-accounts';
import { SimulateError, type EventKind, type GenContext, type SimDriver } from '../types';
import { simulatorAdmin } from './sim-admin';
import { MS_PER_HOUR, MS_PER_MINUTE } from '@exhub/core';

export const SERVICENOW_SIM_URL_ENV = 'SERVICENOW_SIM_URL';
/** The host reference links name (the real instance's; the simulator does not rewrite them). */
const INSTANCE = 'https://exhubdemo.service-now.com';
const MIN_TIME_LEFT_MS = 10 * MS_PER_MINUTE;
const PERCENT = 100;
const SLA_DEFINITIONS = {
  'Priority 1 resolution (4 hour)': '431f5ed0c0a8016400b98a06818d57c7',
  'Priority 2 resolution (8 hour)': '43263cc1c0a8016400f3dd2f4d3e1836',
} as const;
const GROUPS = {
  'Service Desk': 'd625dccec0a8016700a222a0f7900d06',
  Network: '287ebd7da9fe198100f92cc8d1d2154e',
  Software: '8a4dde73c6112278017a6a4baf547aa7',
} as const;
const CATEGORIES: readonly [string, string][] = [
  ['network', 'Site-to-site VPN to the customer data centre is down'],
  ['software', 'Integration jobs failing after the last release'],
  ['software', 'Customer portal returns 500 for all users'],
  ['hardware', 'On-site appliance not responding'],
  ['inquiry', 'Customer cannot access invoices in the portal'],
];

/**
 * Internal business services an IT incident can stop (no customer: the caller is an employee).
 * `process` and `closeCritical` are what the business knows about each (the ranking bench's truth
 * reads them); the hub knows them only through lookups/business-processes.csv rows keyed by the
 * sys_id the Table API sends (`service:<sys_id>`, master data a deployment adds) or by the
 * service's name (`service:<name>`, which the connector reads from cmdb_ci with `fetchReferenceNames`).
 */
export const INTERNAL_SERVICES: readonly {
  name: string;
  sysId: string;
  category: string;
  problem: string;
  process?: string;
  closeCritical?: boolean;
}[] = [
  {
    name: 'SAP S/4HANA Payment Run',
    sysId: 'b7e1c0a4db5a1010a1f3c3e0ab9619e1',
    category: 'software',
    problem: 'Payment proposal (F110) aborts with a dump',
    process: 'payment_run',
    closeCritical: true,
  },
  {
    name: 'SAP S/4HANA Financial Close',
    sysId: 'c3a9d2b5db5a1010a1f3c3e0ab9619f2',
    category: 'software',
    problem: 'Closing cockpit task list stuck on foreign currency valuation',
    process: 'period_close',
    closeCritical: true,
  },
  {
    name: 'Bank Connectivity (SWIFT)',
    sysId: 'd48be3c6db5a1010a1f3c3e0ab961a03',
    category: 'network',
    problem: 'pain.001 files not acknowledged by the bank gateway',
    process: 'payment_run',
    closeCritical: true,
  },
  {
    name: 'Invoice Capture',
    sysId: 'e59cf4d7db5a1010a1f3c3e0ab961a14',
    category: 'software',
    problem: 'OCR queue not processing supplier invoices',
    process: 'invoice_processing',
    closeCritical: true,
  },
  {
    name: 'Order Management',
    sysId: 'f6ad05e8db5a1010a1f3c3e0ab961a25',
    category: 'software',
    problem: 'Orders not released to billing',
    process: 'order_to_cash',
    closeCritical: false,
  },
  {
    name: 'Office Printing',
    sysId: '07be16f9db5a1010a1f3c3e0ab961a36',
    category: 'hardware',
    problem: 'Floor 3 printer jammed',
  },
  {
    name: 'Corporate Email',
    sysId: '18cf270adb5a1010a1f3c3e0ab961a47',
    category: 'software',
    problem: 'Shared mailbox not syncing on mobile',
  },
];

/** Glide date-time in UTC: `2026-11-22 14:05:09`. */
const glide = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const ref = (table: string, sysId: string) => ({
  link: `${INSTANCE}/api/now/table/${table}/${sysId}`,
  value: sysId,
});

interface IncidentShape {
  impact: number;
  urgency: number;
  escalation: number;
  sla: { percentage: number; plannedEnd: number; start: number };
  /** An internal incident: the business service it stops, no customer company. */
  service?: (typeof INTERNAL_SERVICES)[number];
}

function incident(ctx: GenContext, s: IncidentShape): string {
  const { rng } = ctx;
  const account = supportAccount(ctx.party);
  const sysId = rng.hex(32);
  const number = `INC${runDigits(ctx.runId).slice(1)}${String(ctx.seq).padStart(4, '0')}`;
  const [category, short] = s.service
    ? [s.service.category, `${s.service.problem} (${s.service.name})`]
    : rng.pick(CATEGORIES);
  const [groupName, group] = rng.pick(Object.entries(GROUPS));
  const [slaName, sla] = rng.pick(Object.entries(SLA_DEFINITIONS));
  const caller = rng.hex(32);
  const now = ctx.now.getTime();
  const breached = s.sla.percentage >= PERCENT;
  const updated = glide(now);
  const record = {
    sys_id: sysId,
    number,
    short_description: s.service ? short : `${short} (${account.name})`,
    description: s.service
      ? `Reported by ${contactName(rng)} (employee). Assigned to ${groupName}.`
      : `Reported by ${contactName(rng)} of ${account.name}; contract value ${amountText(ctx.amount.value, ctx.amount.currency)}. Assigned to ${groupName}.`,
    active: 'true',
    state: '2',
    incident_state: '2',
    impact: String(s.impact),
    urgency: String(s.urgency),
    priority: String(Math.min(5, s.impact + s.urgency - 1)),
    severity: String(s.impact),
    escalation: String(s.escalation),
    made_sla: breached ? 'false' : 'true',
    category,
    contact_type: rng.pick(['phone', 'email', 'self-service']),
    opened_at: glide(s.sla.start),
    sys_created_on: glide(s.sla.start),
    sys_updated_on: updated,
    sys_updated_by: 'itil.agent',
    sys_created_by: 'itil.agent',
    sys_mod_count: String(rng.int(1, 9)),
    reassignment_count: String(rng.int(0, 4)),
    sla_due: glide(s.sla.plannedEnd),
    company: s.service ? '' : ref('core_company', account.servicenowCompany),
    business_service: s.service ? ref('cmdb_ci_service', s.service.sysId) : '',
    caller_id: ref('sys_user', caller),
    opened_by: ref('sys_user', caller),
    assignment_group: ref('sys_user_group', group),
    assigned_to: '',
    sys_domain: { link: `${INSTANCE}/api/now/table/sys_user_group/global`, value: 'global' },
    sys_class_name: 'incident',
    task_sla: [
      {
        sys_id: rng.hex(32),
        task: ref('task', sysId),
        sla: { ...ref('contract_sla', sla), display_name: slaName },
        stage: breached ? 'breached' : 'in_progress',
        has_breached: breached ? 'true' : 'false',
        active: 'true',
        percentage: s.sla.percentage.toFixed(2),
        business_percentage: s.sla.percentage.toFixed(2),
        planned_end_time: glide(s.sla.plannedEnd),
        start_time: glide(s.sla.start),
        end_time: '',
        original_breach_time: glide(s.sla.plannedEnd),
        sys_created_on: glide(s.sla.start),
        sys_updated_on: updated,
      },
    ],
  };
  return JSON.stringify(record);
}

/** An SLA running from `start` to `plannedEnd` that has used `percentage` of its time by now. */
function slaAt(ctx: GenContext, percentage: number): IncidentShape['sla'] {
  const now = ctx.now.getTime();
  let plannedEnd = ctx.dueAt.getTime();
  if (plannedEnd - now < MIN_TIME_LEFT_MS) {
    // Due now or already: the SLA has breached.
    plannedEnd = now - ctx.rng.int(5, 180) * MS_PER_MINUTE;
    const start = plannedEnd - ctx.rng.int(4, 8) * MS_PER_HOUR;
    return { plannedEnd, start, percentage: ((now - start) / (plannedEnd - start)) * PERCENT };
  }
  const start = now - ((plannedEnd - now) * percentage) / (PERCENT - percentage);
  return { plannedEnd, start, percentage };
}

const kind = (
  description: string,
  produces: EventKind['produces'],
  shape: (ctx: GenContext) => IncidentShape,
): EventKind => ({
  description,
  produces,
  withoutAmount: true,
  generate: (ctx) => ({ objectType: 'incident', body: incident(ctx, shape(ctx)) }),
});

export const servicenowDriver: SimDriver = {
  id: 'servicenow',
  system: 'servicenow',
  contentType: 'application/json',
  describe: `incidents with their task_sla rows added to the ServiceNow simulator at ${SERVICENOW_SIM_URL_ENV} [${DEFAULT_SERVICENOW_SIM_URL}], polled by the hub`,
  kinds: {
    escalation: kind(
      'an incident at a customer escalated to High or Overdue (when it is already due, its SLA has breached too)',
      ['escalation', 'sla_breach_risk'],
      (ctx) => ({
        impact: ctx.rng.int(1, 2),
        urgency: ctx.rng.int(1, 2),
        escalation: ctx.rng.chance(0.7) ? 2 : 3,
        sla: slaAt(ctx, ctx.rng.int(10, 70)),
      }),
    ),
    sla_breach_risk: kind(
      'an incident whose resolution SLA is at 75 % or more of its time, or breached',
      ['sla_breach_risk'],
      (ctx) => ({
        impact: ctx.rng.int(1, 3),
        urgency: ctx.rng.int(1, 2),
        escalation: ctx.rng.int(0, 1),
        sla: slaAt(ctx, ctx.rng.int(75, 98)),
      }),
    ),
    internal_incident: kind(
      'an internal IT incident (no customer) on a business service — payment run, close, invoice capture, order management, or printing and email — whose SLA is at risk or breached, sometimes escalated',
      ['sla_breach_risk', 'escalation'],
      (ctx) => ({
        service: ctx.rng.pick(INTERNAL_SERVICES),
        impact: ctx.rng.int(1, 3),
        urgency: ctx.rng.int(1, 3),
        escalation: ctx.rng.chance(0.25) ? 2 : ctx.rng.int(0, 1),
        sla: slaAt(ctx, ctx.rng.int(75, 98)),
      }),
    ),
  },
  async connect({ env, timeoutMs, refs }) {
    const admin = simulatorAdmin({
      label: 'ServiceNow',
      driver: this.id,
      urlEnv: SERVICENOW_SIM_URL_ENV,
      defaultUrl: DEFAULT_SERVICENOW_SIM_URL,
      start: 'npm run simulator -- servicenow',
      env,
      timeoutMs,
    });
    await admin.probe('/__sim/incidents');
    const services = INTERNAL_SERVICES.map((x) => ({
      sys_id: x.sysId,
      name: x.name,
      sys_class_name: 'cmdb_ci_service',
      operational_status: '1',
      sys_updated_on: glide(Date.now()),
    }));
    const groups = Object.entries(GROUPS).map(([name, sysId]) => ({
      sys_id: sysId,
      name,
      active: 'true',
      sys_updated_on: glide(Date.now()),
    }));
    for (const [path, records, what] of [
      ['/__sim/cis', services, 'business services'],
      ['/__sim/groups', groups, 'assignment groups'],
    ] as const) {
      const added = await admin.add(path, JSON.stringify(records));
      if (added.outcome !== 'accepted') {
        throw new SimulateError(
          `the ServiceNow simulator at ${admin.base} refused the ${what} (POST ${path}: ${added.status ?? ''} ${added.detail ?? ''})`,
        );
      }
    }
    if (refs) {
      const companies = supportAccounts(refs).map((a) => ({
        sys_id: a.servicenowCompany,
        name: a.name,
        customer: 'true',
        vendor: 'false',
        u_account_number: a.customerId,
        sys_updated_on: glide(Date.now()),
      }));
      const added = await admin.add('/__sim/companies', JSON.stringify(companies));
      if (added.outcome !== 'accepted') {
        throw new SimulateError(
          `the ServiceNow simulator at ${admin.base} refused the scenario's companies (POST /__sim/companies: ${added.status ?? ''} ${added.detail ?? ''})`,
        );
      }
    }
    return {
      target: `${admin.base}/__sim/incidents`,
      deliver: (p) => admin.add('/__sim/incidents', p.body),
    };
  },
};
