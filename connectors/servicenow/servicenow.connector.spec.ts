import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractConfigReference, generateConfigReference } from '@exhub/connector-sdk';
import { drain, runConnectorContract } from '../../libs/connector-sdk/testing';
import {
  SERVICENOW_CONFIG_SCHEMA,
  ServiceNowConnector,
  serviceNowFromSettings,
  type ServiceNowConnectorConfig,
} from './servicenow.connector';
import {
  fixtureIncidents,
  ServiceNowSimulator,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
  type GlideRecord,
} from './testing';

const RETRY_AFTER_SECONDS = 1;
const BREAKER_RESET_MS = 300;

function connectorFor(
  sim: ServiceNowSimulator,
  extra: Partial<ServiceNowConnectorConfig> = {},
): ServiceNowConnector {
  return new ServiceNowConnector({
    id: 'servicenow-test',
    instanceUrl: sim.instanceUrl,
    auth: { kind: 'basic', username: SIMULATOR_USER, password: SIMULATOR_PASSWORD },
    startFrom: '2015-01-01',
    pageSize: 2,
    timeoutMs: 2_000,
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 },
    breaker: { resetTimeoutMs: BREAKER_RESET_MS, volumeThreshold: 2, errorThresholdPercentage: 50 },
    ...extra,
  });
}

let serial = 100;
/** A new incident, updated after every fixture. */
function newIncident(): GlideRecord {
  serial++;
  const [template] = fixtureIncidents();
  return {
    ...template,
    sys_id: `${'b'.repeat(29)}${serial}`,
    number: `INC0090${serial}`,
    sys_updated_on: `2026-04-01 10:00:${String(serial % 60).padStart(2, '0')}`,
  };
}

const numbers = (events: { payload: unknown }[]) =>
  events.map((e) => (e.payload as { number: string }).number);

runConnectorContract('servicenow', async () => {
  const sim = await ServiceNowSimulator.start({ retryAfterSeconds: RETRY_AFTER_SECONDS });
  const connector = connectorFor(sim);
  return {
    connector,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    breakerResetMs: BREAKER_RESET_MS,
    simulator: {
      fail: (kind, count) => sim.fail(kind, count),
      heal: () => sim.heal(),
      get requests() {
        return sim.requests;
      },
      addNewItems: (n) => sim.addIncidents(...Array.from({ length: n }, newIncident)),
      // A record imported by hand with a placeholder instead of a sys_id.
      addPoisonItem: () => sim.addIncidents({ ...newIncident(), sys_id: 'PLACEHOLDER' }),
    },
    close: async () => {
      await connector.close();
      await sim.close();
    },
  };
});

describe('ServiceNow connector', () => {
  let sim: ServiceNowSimulator;
  let connector: ServiceNowConnector;
  beforeEach(async () => {
    sim = await ServiceNowSimulator.start();
    connector = connectorFor(sim);
  });
  afterEach(async () => {
    await connector.close();
    await sim.close();
  });

  it('reads every fixture incident once, in sys_updated_on order, with the documented query', async () => {
    const { events, cursor } = await drain(connector, undefined);
    expect(numbers(events)).toEqual(['INC0000046', 'INC0000050', 'INC0010002']);
    expect(events[0]).toMatchObject({
      objectType: 'incident',
      sourceEventId: 'incident/a9e30c7dc61122760116894de7bcc7bd@2015-11-01 22:37:27',
      changedAt: '2015-11-01T22:37:27.000Z',
    });
    // The payload is the record as the Table API returned it: references stay {link, value}.
    expect((events[2].payload as Record<string, unknown>).opened_by).toEqual({
      link: 'https://instance.servicenow.com/api/now/table/sys_user/6816f79cc0a8016401c5a33be04be441',
      value: '6816f79cc0a8016401c5a33be04be441',
    });
    expect(sim.log[0]).toBe(
      '/api/now/table/incident?sysparm_query=sys_updated_on>=2015-01-01 00:00:00^ORDERBYsys_updated_on^ORDERBYsys_id&sysparm_limit=2&sysparm_display_value=false&sysparm_exclude_reference_link=false',
    );
    expect(sim.log[1]).toContain(
      'sys_updated_on>=2016-01-22 14:12:37^sys_updated_on>2016-01-22 14:12:37^ORsys_idNOT INef43c6d40a0a0b5700c77f9bf387afe3^ORDERBY',
    );
    expect(cursor).toEqual({
      v: 1,
      watermark: '2016-01-22 14:28:24',
      seenAtWatermark: ['c537bae64f411200adf9f8e18110c76e'],
    });
  });

  it('reads an incident updated in the same second as the watermark, and ones edited later, once', async () => {
    const first = await drain(connector, undefined);
    const sameSecond = {
      ...newIncident(),
      sys_updated_on: '2016-01-22 14:28:24',
      number: 'INC0099998',
    };
    sim.addIncidents(sameSecond);
    sim.updateIncident(
      'a9e30c7dc61122760116894de7bcc7bd',
      { escalation: '2' },
      '2026-05-01 08:00:00',
    );
    // The last one read (the one the cursor names as seen at the watermark), edited later.
    sim.updateIncident(
      'c537bae64f411200adf9f8e18110c76e',
      { escalation: '3' },
      '2026-05-01 08:00:01',
    );
    const next = await drain(connector, first.cursor);
    expect(numbers(next.events)).toEqual(['INC0099998', 'INC0000046', 'INC0010002']);
    expect((await drain(connector, next.cursor)).events).toEqual([]);
  });

  it('attaches the task_sla rows of each incident (one request per page) when fetchTaskSla is on', async () => {
    await connector.close();
    connector = connectorFor(sim, { fetchTaskSla: true, pageSize: 10 });
    const { events } = await drain(connector, undefined);
    const slas = events.map((e) => (e.payload as { task_sla: { stage: string }[] }).task_sla);
    expect(slas.map((s) => s.map((r) => r.stage))).toEqual([['breached'], ['in_progress'], []]);
    expect(sim.log.filter((l) => l.startsWith('/api/now/table/task_sla'))).toEqual([
      expect.stringContaining(
        'sysparm_query=taskINa9e30c7dc61122760116894de7bcc7bd,ef43c6d40a0a0b5700c77f9bf387afe3,c537bae64f411200adf9f8e18110c76e^ORDERBYplanned_end_time',
      ),
    ]);
  });

  it('with fetchReferenceNames, writes the name of each referenced CI, business service and group as its display_value (one request per page and table)', async () => {
    await sim.close();
    const [get, post, patch] = fixtureIncidents();
    const service = 'f6ad05e8db5a1010a1f3c3e0ab961a25';
    const link = (table: string, id: string) =>
      `https://instance.servicenow.com/api/now/table/${table}/${id}`;
    sim = await ServiceNowSimulator.start({
      incidents: [
        {
          ...post,
          business_service: { link: link('cmdb_ci_service', service), value: service },
        },
        get,
        patch,
      ],
      // incident-get's CI is listed, incident-patch's CI is not (deleted, or hidden by an ACL).
      cis: [
        { sys_id: service, name: 'Order Management', sys_class_name: 'cmdb_ci_service' },
        {
          sys_id: 'a9c0c8d2c6112276018f7705562f9cb0',
          name: 'EXCH-SD-05',
          sys_class_name: 'cmdb_ci_computer',
        },
      ],
      groups: [{ sys_id: '8a4dde73c6112278017a6a4baf547aa7', name: 'Software' }],
    });
    await connector.close();
    connector = connectorFor(sim, { fetchReferenceNames: true, pageSize: 10 });
    const { events } = await drain(connector, undefined);
    const byNumber = new Map(
      events.map((e) => [
        (e.payload as { number: string }).number,
        e.payload as Record<string, unknown>,
      ]),
    );
    expect(byNumber.get(post.number as string)?.business_service).toEqual({
      link: link('cmdb_ci_service', service),
      value: service,
      display_value: 'Order Management',
    });
    expect(byNumber.get(get.number as string)?.cmdb_ci).toEqual({
      ...(get.cmdb_ci as object),
      display_value: 'EXCH-SD-05',
    });
    // Unknown to cmdb_ci: the reference stays as the Table API sent it.
    expect(byNumber.get(patch.number as string)?.cmdb_ci).toEqual(patch.cmdb_ci);
    expect(byNumber.get(get.number as string)?.business_service).toBe('');
    expect(byNumber.get(get.number as string)?.assignment_group).toEqual({
      ...(get.assignment_group as object),
      display_value: 'Software',
    });
    expect(byNumber.get(post.number as string)?.assignment_group).toEqual(post.assignment_group);
    const groupRequests = sim.log.filter((l) => l.startsWith('/api/now/table/sys_user_group'));
    expect(groupRequests).toHaveLength(1);
    for (const g of [get, post, patch]) {
      expect(groupRequests[0]).toContain((g.assignment_group as { value: string }).value);
    }
    const ciRequests = sim.log.filter((l) => l.startsWith('/api/now/table/cmdb_ci'));
    expect(ciRequests).toHaveLength(1);
    expect(ciRequests[0]).toContain('sysparm_fields=sys_id,name');
    for (const id of [
      service,
      'a9c0c8d2c6112276018f7705562f9cb0',
      '281190e3c0a8000b003f593aa3f20ca6',
    ]) {
      expect(ciRequests[0]).toContain(id);
    }
  });

  it('reads no reference names unless fetchReferenceNames is on', async () => {
    await drain(connector, undefined);
    expect(sim.log.filter((l) => /^\/api\/now\/table\/(cmdb_ci|sys_user_group)/.test(l))).toEqual(
      [],
    );
  });

  it('publishes exactly the payloads in fixtures/published (the golden case inputs)', async () => {
    const read = (f: string) =>
      JSON.parse(readFileSync(join(__dirname, 'fixtures/published', f), 'utf8')) as unknown;
    const names = ['incident-get', 'incident-patch', 'incident-post'];
    const plain = await drain(connector, undefined);
    expect(plain.events.map((e) => e.payload)).toEqual(names.map((n) => read(`${n}.json`)));
    await connector.close();
    connector = connectorFor(sim, { fetchTaskSla: true });
    const withSla = await drain(connector, undefined);
    expect(withSla.events.map((e) => e.payload)).toEqual(
      names.map((n) => read(`${n}.task-sla.json`)),
    );
  });

  it('authenticates with an OAuth2 client-credentials token when auth is oauth', async () => {
    await connector.close();
    connector = serviceNowFromSettings('servicenow-oauth', {
      instanceUrl: sim.instanceUrl,
      auth: 'oauth',
      clientId: SIMULATOR_CLIENT_ID,
      clientSecret: SIMULATOR_CLIENT_SECRET,
      startFrom: '2015-01-01',
    });
    const { events } = await drain(connector, undefined);
    expect(events).toHaveLength(3);
    expect(sim.tokens.size).toBe(1);
  });

  it('reports wrong OAuth client credentials as AUTH, without the secret', async () => {
    await connector.close();
    connector = connectorFor(sim, {
      auth: { kind: 'oauth', clientId: SIMULATOR_CLIENT_ID, clientSecret: 'wrong-secret' },
    });
    const check = await connector.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^OAuth2 token endpoint http:\/\/127\.0\.0\.1:\d+: HTTP 401/);
    expect(check.detail).not.toContain('wrong-secret');
  });

  it('refuses settings that lack the credentials of the chosen auth', () => {
    expect(() =>
      serviceNowFromSettings('sn', { instanceUrl: sim.instanceUrl, auth: 'oauth', clientId: 'x' }),
    ).toThrow('connector \'sn\': settings.clientSecret is required when auth is "oauth"');
    expect(() =>
      serviceNowFromSettings('sn', { instanceUrl: sim.instanceUrl, auth: 'token' }),
    ).toThrow(/settings.auth must be "basic" or "oauth"/);
  });

  it('sets aside a record without a sys_updated_on date-time, with a JSON pointer, and reads the rest', async () => {
    // As it would come with sysparm_display_value=true in a user's date format.
    const bad = { ...newIncident(), sys_updated_on: '2026-22-01 02:28:24 PM' };
    sim.addIncidents(bad);
    const first = await connector.poll(undefined);
    const second = await connector.poll(first.nextCursor);
    expect(numbers(second.events)).toEqual(['INC0010002']);
    expect(second.rejected).toEqual([
      {
        objectType: 'incident',
        record: bad,
        pointer: '/result/1',
        issues: [expect.objectContaining({ pointer: '/sys_updated_on', rule: 'format' })],
      },
    ]);
  });

  it('sets aside a record with a placeholder sys_id and moves past it', async () => {
    const { cursor } = await drain(connector, undefined);
    const poison = { ...newIncident(), sys_id: 'PLACEHOLDER' };
    sim.addIncidents(newIncident(), poison, newIncident());
    const next = await drain(connector, cursor);
    expect(next.events).toHaveLength(2);
    expect(next.rejected.map((r) => [r.record, r.issues[0].pointer])).toEqual([
      [poison, '/sys_id'],
    ]);
    expect(await drain(connector, next.cursor)).toMatchObject({ events: [], rejected: [] });
  });

  it('looks up a company by sys_id, and says NOT_FOUND for an unknown one', async () => {
    await expect(
      connector.lookup({ type: 'company', id: '31bea3d53790200044e0bfc8bcbe5dec' }),
    ).resolves.toMatchObject({ name: 'ACME North America' });
    await expect(
      connector.lookup({ type: 'core_company', id: '0'.repeat(32) }),
    ).rejects.toMatchObject({ errorClass: 'NOT_FOUND' });
  });

  it('has a README whose config table is generated from servicenow.config.schema.json', () => {
    const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
    expect(extractConfigReference(readme)).toBe(generateConfigReference(SERVICENOW_CONFIG_SCHEMA));
  });
});
