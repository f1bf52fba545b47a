import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { evaluateMapping, MappingRegistry } from '@exhub/mapping';

/**
 * servicenow.incident finds the business process an internal incident blocks in
 * lookups/business-processes.csv under the sys_id the Table API sends first, then under the name
 * the connector reads with `fetchReferenceNames` (the reference's `display_value`), and says which key
 * matched. Run against the shipped mapping and tables, plus one deployment row keyed by sys_id.
 */
const MAPPINGS = resolve(__dirname, '../../mappings');
const PAYMENT_RUN = 'b7e1c0a4db5a1010a1f3c3e0ab9619e1';
const DEPLOYMENT_ROW = `service:${PAYMENT_RUN},period_close,true,a deployment's row keyed by sys_id\n`;

function incident(businessService: unknown, cmdbCi: unknown = '') {
  return {
    sys_id: '0d5a6b5f1b3f2010a1b2c3d4e5f60730',
    number: 'INC0012100',
    active: 'true',
    impact: '1',
    urgency: '2',
    escalation: '2',
    made_sla: 'true',
    category: 'software',
    short_description: 'Payment proposal aborts with a dump',
    opened_at: '2026-03-30 07:40:00',
    business_service: businessService,
    cmdb_ci: cmdbCi,
    caller_id: '62826bf03710200044e0bfc8bcbe5df1',
  };
}
const ref = (table: string, value: string, displayValue?: string) => ({
  link: `https://instance.servicenow.com/api/now/table/${table}/${value}`,
  value,
  ...(displayValue === undefined ? {} : { display_value: displayValue }),
});

describe('servicenow.incident: the business process, by sys_id then by name', () => {
  let dir: string;
  let shipped: MappingRegistry;
  let deployment: MappingRegistry;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-bp-'));
    for (const d of ['servicenow', 'lookups']) {
      mkdirSync(join(dir, d));
      cpSync(join(MAPPINGS, d), join(dir, d), { recursive: true });
    }
    appendFileSync(join(dir, 'lookups', 'business-processes.csv'), DEPLOYMENT_ROW);
    shipped = await MappingRegistry.loadDir(MAPPINGS);
    deployment = await MappingRegistry.loadDir(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function signals(registry: MappingRegistry, payload: unknown) {
    const mapping = registry.get('servicenow.incident');
    if (!mapping) throw new Error('servicenow.incident is not loaded');
    const [out] = await evaluateMapping(mapping, payload);
    return (out.fields as { signals: Record<string, unknown> }).signals;
  }

  it('finds a service by its name when the table lists the name only', async () => {
    const s = await signals(
      shipped,
      incident(ref('cmdb_ci_service', PAYMENT_RUN, 'SAP S/4HANA Payment Run')),
    );
    expect(s).toMatchObject({
      businessProcess: 'payment_run',
      businessProcessKey: 'service:SAP S/4HANA Payment Run',
      closeCritical: true,
    });
  });

  it('prefers the row keyed by sys_id to the row keyed by name', async () => {
    const s = await signals(
      deployment,
      incident(ref('cmdb_ci_service', PAYMENT_RUN, 'SAP S/4HANA Payment Run')),
    );
    expect(s).toMatchObject({
      businessProcess: 'period_close',
      businessProcessKey: `service:${PAYMENT_RUN}`,
    });
  });

  it('finds nothing by a sys_id the table does not list when no name was read', async () => {
    const s = await signals(shipped, incident(ref('cmdb_ci_service', PAYMENT_RUN)));
    expect(s.businessProcess).toBeUndefined();
    expect(s.businessProcessKey).toBeUndefined();
    expect(s.closeCritical).toBeUndefined();
  });

  it('looks at the CI before the business service, each by sys_id then name', async () => {
    const s = await signals(
      shipped,
      incident(
        ref('cmdb_ci_service', 'f6ad05e8db5a1010a1f3c3e0ab961a25', 'Order Management'),
        ref('cmdb_ci', 'a9c0c8d2c6112276018f7705562f9cb0', 'sap-s4-prd-fi'),
      ),
    );
    expect(s).toMatchObject({
      businessProcess: 'period_close',
      businessProcessKey: 'ci:sap-s4-prd-fi',
      closeCritical: true,
    });
  });
});
