/**
 * `exhub simulate` end to end: a short month-end-close run against a real hub (HTTP on a real
 * port, real RabbitMQ, the pipeline, the store) with its four drivers — Stripe and ISO 20022
 * webhooks signed like the real sources, SAP invoices and NetSuite vendor bills added to the
 * simulators the hub polls — then the worklist: every exception the events should raise is there,
 * ranked by score. Then a short support-surge run: Stripe and Zendesk webhooks, Salesforce cases
 * and ServiceNow incidents polled from their simulators, with Salesforce answering the account
 * lookups of the Zendesk tickets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import type { CanonicalException } from '@exhub/canonical';
import { Secret, loadEnvSettings } from '@exhub/config';
import { parseXml } from '@exhub/connector-sdk';
import { MappingRegistry } from '@exhub/mapping';
import { deleteTopology } from '@exhub/messaging';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
} from '../../../connectors/sap-s4/testing';
import { NetSuiteSimulator, SIMULATOR_CREDENTIALS } from '../../../connectors/netsuite/testing';
import {
  SalesforceSimulator,
  SIMULATOR_CLIENT_ID as SF_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET as SF_CLIENT_SECRET,
} from '../../../connectors/salesforce/testing';
import {
  ServiceNowSimulator,
  SIMULATOR_PASSWORD as SN_PASSWORD,
  SIMULATOR_USER as SN_USER,
} from '../../../connectors/servicenow/testing';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { dryRun } from '@exhub/pipeline';
import { runSimulation } from '../../../apps/cli/src/simulate/engine';
import { fetchWorklist } from '../../../apps/cli/src/simulate/hub-client';
import type { PlannedEvent } from '../../../apps/cli/src/simulate/plan';
import { loadReferenceData } from '../../../apps/cli/src/simulate/reference-data';
import { SCENARIOS } from '../../../apps/cli/src/simulate/scenarios';
import { SIM_DRIVERS } from '../../../apps/cli/src/simulate/drivers';
import { supportAccount } from '../../../apps/cli/src/simulate/support-accounts';
import { renderWorklist } from '../../../apps/cli/src/simulate/worklist-view';
import { AMQP_URL } from '../hub/hub-harness';

const STRIPE_SECRET = `whsec_${randomBytes(16).toString('hex')}`;
const ISO_SECRET = randomBytes(24).toString('hex');
const ZENDESK_SECRET = randomBytes(24).toString('hex');
const RATE = 40;
const DURATION_MS = 2_000;
const WORKLIST_LIMIT = 200;

describe('exhub simulate: month-end-close against a running hub', () => {
  let sim: SapS4Simulator;
  let netsuite: NetSuiteSimulator;
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let hubUrl: string;
  let apiKey: string;
  let cursorDir: string;
  let mappings: MappingRegistry;

  beforeAll(async () => {
    sim = await SapS4Simulator.start({ invoices: [] });
    netsuite = await NetSuiteSimulator.start({ bills: [] });
    cursorDir = mkdtempSync(join(tmpdir(), 'exhub-simulate-'));
    process.env.EXHUB_CURSOR_FILE = join(cursorDir, 'cursors.json');
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: 'stripe',
          type: 'stripe',
          enabled: true,
          settings: { secrets: [new Secret(STRIPE_SECRET, 'test')], toleranceSeconds: 300 },
        },
        {
          id: 'iso20022',
          type: 'iso20022',
          enabled: true,
          settings: { secrets: [new Secret(ISO_SECRET, 'test')], toleranceSeconds: 300 },
        },
        {
          id: 'sap-s4',
          type: 'sap-s4',
          enabled: true,
          settings: {
            baseUrl: sim.baseUrl,
            username: SIMULATOR_USER,
            password: SIMULATOR_PASSWORD,
            startFrom: '2026-01-01',
            pollIntervalSeconds: 1,
          },
        },
        {
          id: 'netsuite',
          type: 'netsuite',
          enabled: true,
          settings: {
            endpoint: netsuite.endpoint,
            ...SIMULATOR_CREDENTIALS,
            startFrom: '2026-01-01',
            pollIntervalSeconds: 1,
          },
        },
      ],
    });
    app = await createHubApp(rt);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    hubUrl = `http://127.0.0.1:${port}`;
    apiKey = (await rt.store.createApiKey('viewer', 'e2e-simulate')).key;
    // The hub's mappings with generous time limits: computing the expected ids must not fail on
    // a loaded machine (the hub itself retries a mapping that timed out).
    mappings = await MappingRegistry.loadDir(rt.env.mappingsDir, {
      limits: { expressionTimeoutMs: 5_000, mappingTimeoutMs: 10_000 },
    });
  });

  afterAll(async () => {
    await app?.close();
    const client = await amqp.connect(AMQP_URL);
    const ch = await client.createChannel();
    await deleteTopology(ch, rt.topology);
    await client.close().catch(() => undefined);
    await sim?.close();
    await netsuite?.close();
    delete process.env.EXHUB_CURSOR_FILE;
    rmSync(cursorDir, { recursive: true, force: true });
  });

  /** The ids of the exceptions an event must raise, from the hub's own mappings (dry run). */
  async function expectedIds(e: PlannedEvent): Promise<string[]> {
    const payload = e.contentType.includes('xml') ? parseXml(e.body) : JSON.parse(e.body);
    const result = await dryRun(
      { registry: mappings, scorer: rt.scorer, connectorVersion: 'e2e' },
      { system: e.system, objectType: e.objectType },
      payload,
      { connector: e.driver },
    );
    expect(result.mappingError).toBeUndefined();
    return result.exceptions.map((x) => x.id);
  }

  it('every event is accepted, every exception it raises reaches the worklist, ranked by score', async () => {
    const sent: PlannedEvent[] = [];
    const result = await runSimulation({
      scenario: SCENARIOS['month-end-close'],
      refs: await loadReferenceData(rt.env.mappingsDir),
      seed: 2026,
      rate: RATE,
      durationMs: DURATION_MS,
      hubUrl,
      env: {
        STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
        ISO20022_WEBHOOK_SECRET: ISO_SECRET,
        SAP_S4_SIM_URL: `http://127.0.0.1:${new URL(sim.baseUrl).port}`,
        NETSUITE_SIM_URL: `http://127.0.0.1:${new URL(netsuite.endpoint).port}`,
      },
      onDelivery: (event) => sent.push(event),
    });
    const s = result.stats;
    expect(s.planned).toBe((RATE * DURATION_MS) / 1000);
    expect({ sent: s.sent, accepted: s.accepted, refusals: s.refusals }).toEqual({
      sent: s.planned,
      accepted: s.planned,
      refusals: {},
    });
    // All four sources took part, and the simulators hold exactly the records sent to them.
    expect(Object.keys(s.byDriver).sort()).toEqual(['iso20022', 'netsuite', 'sap-s4', 'stripe']);
    expect(s.byDriver['sap-s4'].accepted).toBeGreaterThan(0);
    expect(sim.invoices).toHaveLength(s.byDriver['sap-s4'].accepted);
    expect(s.byDriver.netsuite.accepted).toBeGreaterThan(0);
    expect(netsuite.bills).toHaveLength(s.byDriver.netsuite.accepted);

    const expected = new Set<string>();
    const kindOf = new Map<string, string>();
    for (const e of sent) {
      for (const id of await expectedIds(e)) {
        expected.add(id);
        kindOf.set(id, `${e.driver}/${e.kind}`);
      }
    }
    expect(expected.size).toBeGreaterThanOrEqual(s.planned);
    expect(expected.size).toBeLessThanOrEqual(WORKLIST_LIMIT / 2);

    let items: CanonicalException[] = [];
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      items = await fetchWorklist({ hubUrl, apiKey, limit: WORKLIST_LIMIT, timeoutMs: 5_000 });
      if ([...expected].every((id) => items.some((x) => x.id === id))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Root-cause parents the hub adds on top (policy `grouping`: five open exceptions of one
    // supplier and reason) are not raised by any one event; they are ranked with the rest.
    const parents = items.filter((x) => x.group?.role === 'parent');
    const missing = [...expected]
      .filter((id) => !items.some((x) => x.id === id))
      .map((id) => `${kindOf.get(id)} ${id}`);
    expect(missing).toEqual([]);
    expect(items.length - parents.length).toBe(expected.size);

    const scores = items.map((x) => x.priority.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // A realistic mix: several types and more than one tier.
    expect(new Set(items.map((x) => x.type)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(items.map((x) => x.priority.tier)).size).toBeGreaterThanOrEqual(2);
    const byKind = new Map(sent.map((e) => [e.kind, SIM_DRIVERS[e.driver].kinds[e.kind]]));
    const producible = new Set([...byKind.values()].flatMap((k) => k.produces));
    for (const x of items.filter((i) => !parents.includes(i))) expect(producible).toContain(x.type);

    // What the terminal shows: the same order, with the top reasons under each row.
    const lines = renderWorklist({
      items: items.slice(0, 5),
      width: 120,
      now: new Date(),
      title: 't',
    });
    const rows = lines.filter((l) => /^\d\s+P\d/.test(l));
    expect(rows.map((l) => l.split(/\s+/)[2])).toEqual(
      items.slice(0, 5).map((x) => x.priority.score.toFixed(1)),
    );
    expect(lines.filter((l) => l.includes('· +')).length).toBeGreaterThanOrEqual(5);
  });

  it('the same seed again sends the same ids with new times: new content, processed, not duplicates', async () => {
    const result = await runSimulation({
      scenario: SCENARIOS['month-end-close'],
      refs: await loadReferenceData(rt.env.mappingsDir),
      seed: 2026,
      rate: RATE,
      durationMs: 1_000,
      hubUrl,
      env: {
        STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
        ISO20022_WEBHOOK_SECRET: ISO_SECRET,
        SAP_S4_SIM_URL: `http://127.0.0.1:${new URL(sim.baseUrl).port}`,
        NETSUITE_SIM_URL: `http://127.0.0.1:${new URL(netsuite.endpoint).port}`,
      },
    });
    const { stripe, iso20022 } = result.stats.byDriver;
    expect(stripe.sent + iso20022.sent).toBeGreaterThan(0);
    // An event is a duplicate only when its content is the same (issue 15): the simulator stamps
    // each Stripe event (`created`) and bank file with the time it sends it, so the same ids
    // again are new events, processed (their exceptions keep their ids downstream), not answered
    // as duplicates. A redelivery of the same bytes is (test/e2e/hub/stripe-flow.e2e-spec.ts).
    expect(stripe.duplicate).toBe(0);
    expect(stripe.accepted).toBe(stripe.sent);
    expect(iso20022.duplicate).toBe(0);
    expect(iso20022.accepted).toBe(iso20022.sent);
  });

  it('a wrong secret stops the run early with the hub’s reason', async () => {
    const result = await runSimulation({
      scenario: SCENARIOS['month-end-close'],
      refs: await loadReferenceData(rt.env.mappingsDir),
      seed: 1,
      rate: 100,
      durationMs: 5_000,
      hubUrl,
      connectors: ['stripe'],
      env: { STRIPE_WEBHOOK_SECRET: 'whsec_wrong' },
    });
    expect(result.stats.sent).toBeLessThan(100);
    expect(result.stopped).toMatch(/all refused \(stripe 401: /);
  });

  it('an unreachable hub is one error naming the URL', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const closedPort = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    await expect(
      runSimulation({
        scenario: SCENARIOS['month-end-close'],
        refs: await loadReferenceData(rt.env.mappingsDir),
        seed: 1,
        rate: 1,
        durationMs: 1_000,
        hubUrl: `http://127.0.0.1:${closedPort}`,
        env: {},
      }),
    ).rejects.toThrow(`cannot reach the hub at http://127.0.0.1:${closedPort} (ECONNREFUSED)`);
  });
});

describe('exhub simulate: support-surge against a running hub (webhooks and polled sources)', () => {
  let salesforce: SalesforceSimulator;
  let servicenow: ServiceNowSimulator;
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let hubUrl: string;
  let apiKey: string;
  let cursorDir: string;
  let mappings: MappingRegistry;

  beforeAll(async () => {
    // Empty sources: the seeded records would raise exceptions no event of the run raised.
    salesforce = await SalesforceSimulator.start({ seededFrom: '2020-01-01T00:00:00.000Z' });
    servicenow = await ServiceNowSimulator.start({ incidents: [], taskSlas: [] });
    cursorDir = mkdtempSync(join(tmpdir(), 'exhub-simulate-support-'));
    process.env.EXHUB_CURSOR_FILE = join(cursorDir, 'cursors.json');
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: 'stripe',
          type: 'stripe',
          enabled: true,
          settings: { secrets: [new Secret(STRIPE_SECRET, 'test')], toleranceSeconds: 300 },
        },
        {
          id: 'zendesk',
          type: 'zendesk',
          enabled: true,
          settings: { secrets: [new Secret(ZENDESK_SECRET, 'test')], toleranceSeconds: 300 },
        },
        {
          id: 'salesforce',
          type: 'salesforce',
          enabled: true,
          settings: {
            loginUrl: salesforce.url,
            clientId: SF_CLIENT_ID,
            clientSecret: SF_CLIENT_SECRET,
            accountExternalIdField: 'Zendesk_Organization_Id__c',
            startFrom: '2026-01-01',
            pollIntervalSeconds: 1,
          },
        },
        {
          id: 'servicenow',
          type: 'servicenow',
          enabled: true,
          settings: {
            instanceUrl: servicenow.instanceUrl,
            auth: 'basic',
            username: SN_USER,
            password: SN_PASSWORD,
            fetchTaskSla: true,
            startFrom: '2026-01-01',
            pollIntervalSeconds: 1,
          },
        },
      ],
    });
    // Support exceptions get their account context from Salesforce (a Zendesk ticket by its
    // organization id, a case by its Account Id).
    rt.config.enrichment = { ...rt.config.enrichment, account: 'salesforce' };
    app = await createHubApp(rt);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    hubUrl = `http://127.0.0.1:${port}`;
    apiKey = (await rt.store.createApiKey('viewer', 'e2e-simulate-support')).key;
    mappings = await MappingRegistry.loadDir(rt.env.mappingsDir, {
      limits: { expressionTimeoutMs: 5_000, mappingTimeoutMs: 10_000 },
    });
  });

  afterAll(async () => {
    await app?.close();
    const client = await amqp.connect(AMQP_URL);
    const ch = await client.createChannel();
    await deleteTopology(ch, rt.topology);
    await client.close().catch(() => undefined);
    await salesforce?.close();
    await servicenow?.close();
    delete process.env.EXHUB_CURSOR_FILE;
    rmSync(cursorDir, { recursive: true, force: true });
  });

  it('webhook and polled events are all accepted and every exception they raise reaches the worklist', async () => {
    const sent: PlannedEvent[] = [];
    const result = await runSimulation({
      scenario: SCENARIOS['support-surge'],
      refs: await loadReferenceData(rt.env.mappingsDir),
      seed: 7,
      rate: RATE,
      durationMs: DURATION_MS,
      hubUrl,
      env: {
        STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
        ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
        SALESFORCE_SIM_URL: salesforce.url,
        SERVICENOW_SIM_URL: servicenow.instanceUrl,
      },
      onDelivery: (event) => sent.push(event),
    });
    const s = result.stats;
    expect({ sent: s.sent, accepted: s.accepted, refusals: s.refusals }).toEqual({
      sent: s.planned,
      accepted: s.planned,
      refusals: {},
    });
    expect(Object.keys(s.byDriver).sort()).toEqual([
      'salesforce',
      'servicenow',
      'stripe',
      'zendesk',
    ]);
    for (const d of ['salesforce', 'servicenow', 'zendesk']) {
      expect(s.byDriver[d].accepted).toBeGreaterThan(0);
    }
    // The polled simulators hold what was sent to them (beside the Salesforce seed).
    const ids = (driver: string, key: string) =>
      sent
        .filter((e) => e.driver === driver)
        .map((e) => (JSON.parse(e.body) as Record<string, string>)[key]);
    const sfCases = ids('salesforce', 'Id');
    expect(sfCases.every((id) => salesforce.cases.has(id))).toBe(true);
    expect(servicenow.tables.incident.map((r) => r.sys_id).sort()).toEqual(
      ids('servicenow', 'sys_id').sort(),
    );

    const expected = new Map<string, string>();
    for (const e of sent) {
      const payload = JSON.parse(e.body) as unknown;
      const dry = await dryRun(
        { registry: mappings, scorer: rt.scorer, connectorVersion: 'e2e' },
        { system: e.system, objectType: e.objectType },
        payload,
        { connector: e.driver },
      );
      expect(dry.mappingError).toBeUndefined();
      for (const x of dry.exceptions) expected.set(x.id, `${e.driver}/${e.kind}`);
    }
    expect(expected.size).toBeGreaterThanOrEqual(s.planned);
    expect(expected.size).toBeLessThanOrEqual(WORKLIST_LIMIT);

    let items: CanonicalException[] = [];
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      items = await fetchWorklist({ hubUrl, apiKey, limit: WORKLIST_LIMIT, timeoutMs: 5_000 });
      if ([...expected.keys()].every((id) => items.some((x) => x.id === id))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const missing = [...expected]
      .filter(([id]) => !items.some((x) => x.id === id))
      .map(([id, kind]) => `${kind} ${id}`);
    expect(missing).toEqual([]);
    const own = items.filter((x) => x.group?.role !== 'parent');
    expect(own.map((x) => x.id).sort()).toEqual([...expected.keys()].sort());
    const scores = items.map((x) => x.priority.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(own.map((x) => x.source.system))).toEqual(
      new Set(['stripe', 'zendesk', 'salesforce', 'servicenow']),
    );
    // A surge with strategic accounts, renewals and billing disputes.
    const types = new Set(own.map((x) => x.type));
    for (const t of ['billing_dispute', 'sla_breach_risk', 'escalation', 'chargeback_dispute']) {
      expect(types).toContain(t);
    }
    // The Zendesk tickets' organizations are accounts Salesforce holds: the account lookups (made
    // for support exceptions; a billing dispute is a finance one) found every one of them.
    const zendeskOrgs = new Set(
      sent
        .filter((e) => e.driver === 'zendesk' && e.kind !== 'billing_dispute')
        .map((e) => supportAccount(e.party).zendeskOrgId),
    );
    expect(zendeskOrgs.size).toBeGreaterThan(0);
    let found = 0;
    for (const org of zendeskOrgs) {
      // Facts are keyed by the asking source too: ids of different sources may look alike.
      if (await rt.store.getContextFact(`account:salesforce:zendesk:${org}`)) found++;
    }
    expect(found).toBe(zendeskOrgs.size);
  });

  it('the same seed again: Zendesk answers duplicate, the simulators take the records as changed', async () => {
    const casesBefore = salesforce.cases.size;
    const result = await runSimulation({
      scenario: SCENARIOS['support-surge'],
      refs: await loadReferenceData(rt.env.mappingsDir),
      seed: 7,
      rate: RATE,
      durationMs: 1_000,
      hubUrl,
      env: {
        STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
        ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
        SALESFORCE_SIM_URL: salesforce.url,
        SERVICENOW_SIM_URL: servicenow.instanceUrl,
      },
    });
    const { zendesk, salesforce: sf, servicenow: sn } = result.stats.byDriver;
    expect(zendesk.sent).toBeGreaterThan(0);
    expect(zendesk.duplicate).toBe(zendesk.sent);
    expect(sf.accepted + sn.accepted).toBe(sf.sent + sn.sent);
    expect(salesforce.cases.size).toBe(casesBefore);
  });
});
