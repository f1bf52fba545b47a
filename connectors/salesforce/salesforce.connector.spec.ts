import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { extractConfigReference, generateConfigReference } from '@exhub/connector-sdk';
import { drain, runConnectorContract } from '../../libs/connector-sdk/testing';
import { HubError } from '@exhub/core';
import {
  SALESFORCE_CONFIG_SCHEMA,
  SalesforceConnector,
  type SalesforceConnectorConfig,
  type SalesforceCursor,
} from './salesforce.connector';
import {
  SalesforceSimulator,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
  SIMULATOR_USERNAME,
  sfDateTime,
} from './testing';

const RETRY_AFTER_SECONDS = 1;
const BREAKER_RESET_MS = 300;
/** Server-side page size of the test simulator: the fixtures span several pages. */
const PAGE = 2;

function connectorFor(
  sim: SalesforceSimulator,
  extra: Partial<SalesforceConnectorConfig> = {},
): SalesforceConnector {
  return new SalesforceConnector({
    id: 'salesforce-test',
    loginUrl: sim.url,
    clientId: SIMULATOR_CLIENT_ID,
    clientSecret: SIMULATOR_CLIENT_SECRET,
    startFrom: '2026-01-01',
    timeoutMs: 2_000,
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 },
    breaker: { resetTimeoutMs: BREAKER_RESET_MS, volumeThreshold: 2, errorThresholdPercentage: 50 },
    ...extra,
  });
}

async function failure(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  }
  throw new Error('expected a failure, and it succeeded');
}

const caseNumbers = (events: { payload: unknown }[]) =>
  events.map((e) => (e.payload as { CaseNumber: string }).CaseNumber);

runConnectorContract('salesforce', async () => {
  const sim = await SalesforceSimulator.start({
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    pageSize: PAGE,
  });
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
      addNewItems: (n) => {
        const account = sim.accountByName('Lakeside Cycle Co').Id;
        for (let i = 0; i < n; i++)
          sim.addCase({
            Subject: `New high priority case ${i}`,
            Priority: 'High',
            AccountId: account,
          });
      },
      // An account name where its Id belongs, as a hand-made data load leaves it.
      addPoisonItem: () => {
        sim.addCase({ Subject: 'Imported case', Priority: 'High', AccountId: 'Lakeside Cycle Co' });
      },
    },
    close: async () => {
      await connector.close();
      await sim.close();
    },
  };
});

describe('Salesforce connector', () => {
  let sim: SalesforceSimulator;
  let connector: SalesforceConnector;
  beforeEach(async () => {
    sim = await SalesforceSimulator.start({ pageSize: PAGE, retryAfterSeconds: 1 });
    connector = connectorFor(sim);
  });
  afterEach(async () => {
    await connector.close();
    await sim.close();
  });

  it('reads the exception cases once, in SystemModstamp order, one nextRecordsUrl page per poll', async () => {
    const first = await connector.poll(undefined);
    expect(caseNumbers(first.events)).toEqual(['00001029', '00001030']);
    expect(first.hasMore).toBe(true);
    expect(first.nextCursor.next).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-2$/); // host-free path
    const second = await connector.poll(first.nextCursor);
    // 00001032 (Low, not escalated, no milestone) is not an exception: the SOQL filter leaves it out.
    expect(caseNumbers(second.events)).toEqual(['00001031', '00001033']);
    expect(second.hasMore).toBe(false);
    expect(second.nextCursor).toEqual({
      v: 1,
      watermark: '2026-11-20T09:04:00.000+0000',
      lastId: expect.stringMatching(/^500/),
    });
    expect(first.events[0]).toMatchObject({
      objectType: 'Case',
      sourceEventId: expect.stringMatching(/^Case\/500\w{15}@2026-11-20T09:00:00\.000\+0000$/),
      changedAt: '2026-11-20T09:00:00.000Z',
    });
    // The query jsforce sent: a keyset on SystemModstamp, the exception filter, the sort order.
    const soql = new URLSearchParams(sim.log[0].split('?')[1]).get('q')!;
    expect(soql).toContain(
      'FROM Case WHERE SystemModstamp >= 2026-01-01T00:00:00Z AND ((IsEscalated = true',
    );
    // Milestone cases by their entitlement: SOQL refuses a CaseMilestone semi-join under OR.
    expect(soql).toContain("Priority = 'High' OR EntitlementId != null) OR IsClosed = true)");
    expect(soql).not.toContain('SELECT CaseId');
    expect(soql).toMatch(/ORDER BY SystemModstamp, Id$/);
    expect(sim.log[1]).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-2$/);
  });

  it('publishes each case as Salesforce answers it, with the account context and open milestones', async () => {
    const { events } = await drain(connector, undefined);
    const escalated = events[0].payload as Record<string, unknown>;
    expect(escalated).toMatchObject({
      attributes: {
        type: 'Case',
        url: expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Case\/500/),
      },
      CaseNumber: '00001029',
      Status: 'Escalated',
      Priority: 'High',
      Account: {
        attributes: { type: 'Account' },
        Name: 'Granite Peak Outfitters',
        Tier__c: 'Strategic',
        ARR__c: 1250000,
        Renewal_Date__c: '2026-12-22',
        Owner: { attributes: { type: 'User' }, Name: 'Dana Whitfield' },
      },
      CaseMilestones: null,
    });
    const violated = events[1].payload as Record<string, unknown>;
    expect(violated.CaseMilestones).toMatchObject({
      totalSize: 1,
      records: [{ MilestoneType: { Name: 'First Response' }, IsViolated: true }],
    });
    expect((events[3].payload as Record<string, unknown>).Account).toBeNull();
  });

  it('resumes after the watermark: only cases changed since, including a case changed again', async () => {
    const first = await drain(connector, undefined);
    expect((await drain(connector, first.cursor)).events).toEqual([]);
    sim.updateCase('00001031', { Status: 'Working' }, '2026-11-21T08:00:00.000+0000');
    const again = await drain(connector, first.cursor);
    expect(caseNumbers(again.events)).toEqual(['00001031']);
    expect(again.events[0].sourceEventId).toMatch(/@2026-11-21T08:00:00\.000\+0000$/);
  });

  it('reads a case that is closed even when it no longer matches the filter (its end)', async () => {
    const first = await drain(connector, undefined);
    sim.updateCase(
      '00001029',
      { Status: 'Closed', IsClosed: true, IsEscalated: false, Priority: 'Low' },
      '2026-11-22T08:00:00.000+0000',
    );
    const closed = await drain(connector, first.cursor);
    expect(caseNumbers(closed.events)).toEqual(['00001029']);
    expect(closed.events[0].payload).toMatchObject({ Status: 'Closed', IsClosed: true });
  });

  it('loses and repeats nothing when several cases share one SystemModstamp across pages and the locator expires', async () => {
    const first = await drain(connector, undefined);
    const stamp = '2026-11-21T10:00:00.000+0000';
    for (let i = 0; i < 5; i++)
      sim.addCase({ Subject: `burst ${i}`, Priority: 'High', SystemModstamp: stamp });
    const page1 = await connector.poll(first.cursor as SalesforceCursor);
    expect(page1.events).toHaveLength(2);
    sim.expireLocators(); // the nextRecordsUrl is gone: the next poll re-queries from the keyset
    const rest = await drain(connector, JSON.parse(JSON.stringify(page1.nextCursor)));
    const subjects = [...page1.events, ...rest.events].map(
      (e) => (e.payload as { Subject: string }).Subject,
    );
    expect(subjects.sort()).toEqual(['burst 0', 'burst 1', 'burst 2', 'burst 3', 'burst 4']);
  });

  it('refreshes an expired session once (INVALID_SESSION_ID) and carries on', async () => {
    await drain(connector, undefined);
    expect(connector.auth.fetched).toBe(1);
    sim.expireSessions();
    const { events } = await drain(connector, undefined);
    expect(events).toHaveLength(4);
    expect(connector.auth.fetched).toBe(2);
    expect(sim.tokenRequests).toBe(2);
    expect(connector.breakerState()).toBe('closed');
  });

  it('does not call the token endpoint either while the breaker is open after an AUTH failure', async () => {
    sim.fail('401', 1);
    expect((await failure(connector.poll(undefined))).message).toMatch(
      /refused the client_credentials grant: invalid_client/,
    );
    const tokens = sim.tokenRequests;
    await failure(connector.poll(undefined));
    expect(sim.tokenRequests).toBe(tokens);
  });

  it('waits as long as Retry-After says on 403 REQUEST_LIMIT_EXCEEDED', async () => {
    sim.fail('limit', 1);
    const started = performance.now();
    const { events } = await drain(connector, undefined);
    expect(events).toHaveLength(4);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000 - 15);
  });

  it('sets aside a record without SystemModstamp, with its JSON pointer, and does not retry', async () => {
    sim.fail('invalid', 1);
    const before = sim.requests;
    const page = await connector.poll(undefined);
    expect(page.events).toEqual([]);
    expect(page.rejected).toEqual([
      {
        objectType: 'Case',
        record: { attributes: { type: 'Case' }, Id: '500Hb0000000000AAA', CaseNumber: '1' },
        pointer: '/records/0',
        issues: [expect.objectContaining({ pointer: '/SystemModstamp', rule: 'format' })],
      },
    ]);
    expect(sim.requests - before).toBe(1);
    expect(connector.breakerState()).toBe('closed');
  });

  it('names the field and says what to do when an account field setting does not exist in the org', async () => {
    await connector.close();
    connector = connectorFor(sim, { accountFields: { tier: 'CustomerPriority__c' } });
    const err = await failure(connector.poll(undefined));
    expect(err.errorClass).toBe('INVALID_PAYLOAD');
    expect(err.message).toMatch(
      /INVALID_FIELD: No such column 'CustomerPriority__c' on entity 'Account'/,
    );
    expect(err.message).toMatch(/GET \/services\/data\/v62\.0\/query/);
    expect(err.message).toMatch(/check the instance's caseFilter and accountFields settings/);
  });

  it('times out a slow answer (TRANSIENT) and retries it', async () => {
    await connector.close();
    await sim.close();
    sim = await SalesforceSimulator.start({ pageSize: PAGE, slowMs: 600 });
    connector = connectorFor(sim, { timeoutMs: 200 });
    sim.fail('slow', 1);
    const { events } = await drain(connector, undefined);
    expect(events).toHaveLength(4);
  });

  it('looks up an account: tier, ARR, renewal date and owner, as ScoringContext names them', async () => {
    const id = String(sim.accountByName('Granite Peak Outfitters').Id);
    expect(await connector.lookup({ type: 'account', id })).toEqual({
      id,
      name: 'Granite Peak Outfitters',
      accountTier: 'strategic',
      arr: '1250000.00',
      renewalDate: '2026-12-22',
      owner: 'Dana Whitfield',
      openEscalations: 1, // the ebikes case, Status Escalated
    });
    const smb = String(sim.accountByName('Northwind Commuter Supply').Id);
    expect(await connector.lookup({ type: 'account', id: smb })).toMatchObject({
      accountTier: 'smb',
      arr: '24000.50',
      openEscalations: 0,
    });
    expect(await connector.lookup({ type: 'account', id: '001Hb0000099999AAA' })).toBeNull();
    const soql = new URLSearchParams(sim.log.at(-1)!.split('?')[1]).get('q');
    expect(soql).toBe(
      'SELECT Id, Name, Tier__c, ARR__c, Renewal_Date__c, Owner.Name, (SELECT Id FROM Cases WHERE ' +
        "IsClosed = false AND (IsEscalated = true OR Status = 'Escalated')) FROM Account " +
        "WHERE Id = '001Hb0000099999AAA' LIMIT 1",
    );
  });

  it('finds an account by a key of another system (a Zendesk organization id) when accountExternalIdField is set', async () => {
    await connector.close();
    connector = connectorFor(sim, { accountExternalIdField: 'Zendesk_Organization_Id__c' });
    expect(await connector.lookup({ type: 'account', id: '361234' })).toEqual({
      id: String(sim.accountByName('Initech GmbH').Id),
      name: 'Initech GmbH',
      accountTier: 'strategic',
      arr: '2400000.00',
      renewalDate: '2026-12-22',
      owner: 'Dana Whitfield',
      openEscalations: 0,
    });
    // A quote in the key stays inside the SOQL string literal.
    expect(await connector.lookup({ type: 'account', id: "361234' OR Name != '" })).toBeNull();
    expect(new URLSearchParams(sim.log.at(-1)!.split('?')[1]).get('q')).toContain(
      "WHERE Zendesk_Organization_Id__c = '361234\\' OR Name != \\'' LIMIT 1",
    );
  });

  it('matches each source on its own key (accountKeys), others on accountExternalIdField', async () => {
    await connector.close();
    connector = connectorFor(sim, {
      accountExternalIdField: 'Zendesk_Organization_Id__c',
      accountKeys: { servicenow: 'ServiceNow_Company__c', stripe: 'Stripe_Customer_Id__c' },
    });
    const q = () => new URLSearchParams(sim.log.at(-1)!.split('?')[1]).get('q');
    await connector.lookup({ type: 'account', id: 'cus_Initech', source: 'stripe' });
    expect(q()).toContain("WHERE Stripe_Customer_Id__c = 'cus_Initech' LIMIT 1");
    await connector.lookup({ type: 'account', id: '9a8b7c', source: 'servicenow' });
    expect(q()).toContain("WHERE ServiceNow_Company__c = '9a8b7c' LIMIT 1");
    // Zendesk is not listed: the one external key.
    expect(
      await connector.lookup({ type: 'account', id: '361234', source: 'zendesk' }),
    ).toMatchObject({ name: 'Initech GmbH' });
    expect(q()).toContain("WHERE Zendesk_Organization_Id__c = '361234' LIMIT 1");
  });

  it('refuses an accountKeys field that is not a field API name, naming the setting', () => {
    expect(() => connectorFor(sim, { accountKeys: { stripe: 'Stripe Customer' } })).toThrow(
      'accountKeys.stripe "Stripe Customer" is not a field API name',
    );
  });

  it('refuses a lookup it cannot answer, and keeps the lookup breaker apart from the polling one', async () => {
    expect(
      (await failure(connector.lookup({ type: 'account', id: "x' OR Name != '" }))).errorClass,
    ).toBe('INVALID_PAYLOAD');
    expect(
      (await failure(connector.lookup({ type: 'supplier', id: '001Hb0000000001AAA' }))).errorClass,
    ).toBe('NOT_FOUND');
    sim.fail('5xx', 10_000);
    for (let i = 0; i < 10 && connector.breakerState() !== 'open'; i++)
      await failure(connector.lookup({ type: 'account', id: '001Hb0000000001AAA' }));
    expect(connector.breakerState()).toBe('open');
    sim.heal();
    // The Case query has its own breaker, still closed.
    expect((await drain(connector, undefined)).events).toHaveLength(4);
  });

  it('signs in with the JWT bearer flow, and refuses an assertion signed with another key', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = (k: typeof keys.privateKey) =>
      k.export({ type: 'pkcs8', format: 'pem' }).toString();
    await connector.close();
    await sim.close();
    sim = await SalesforceSimulator.start({
      pageSize: PAGE,
      jwtPublicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    connector = connectorFor(sim, {
      authFlow: 'jwt_bearer',
      clientSecret: undefined,
      username: SIMULATOR_USERNAME,
      privateKey: pem(keys.privateKey),
    });
    expect((await drain(connector, undefined)).events).toHaveLength(4);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const wrong = connectorFor(sim, {
      authFlow: 'jwt_bearer',
      username: SIMULATOR_USERNAME,
      privateKey: pem(other.privateKey),
    });
    const err = await failure(wrong.poll(undefined));
    expect(err.errorClass).toBe('AUTH');
    expect(err.message).toMatch(/invalid_grant \(invalid assertion signature\)/);
    expect(err.message).not.toContain('PRIVATE KEY');
    await wrong.close();
  });

  it('reports wrong client credentials in the connection check, without the secret', async () => {
    await connector.close();
    connector = connectorFor(sim, { clientSecret: 'wrong-secret' });
    const check = await connector.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/invalid_client/);
    expect(check.detail).not.toContain('wrong-secret');
  });

  it('refuses a caseFilter with a sub-select at once, naming the setting and the fix', () => {
    const make = () =>
      connectorFor(sim, {
        caseFilter:
          "(Priority = 'High' OR Id IN (SELECT CaseId FROM CaseMilestone WHERE IsViolated = true))",
      });
    expect(make).toThrow(
      /caseFilter has a sub-select .* semi-joins are not allowed with the 'OR' operator — filter on Case fields instead \(for cases with milestones, EntitlementId != null/,
    );
    // A quoted "IN (SELECT" is text, not a sub-select.
    expect(() => connectorFor(sim, { caseFilter: "Subject = 'IN (SELECT x)'" })).not.toThrow();
  });

  it('reports a caseFilter or an account field the org rejects in the connection check', async () => {
    await connector.close();
    connector = connectorFor(sim, { caseFilter: "(Priority = 'High' OR)" });
    const bad = await connector.checkConnection();
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/MALFORMED_QUERY/);
    await connector.close();
    connector = connectorFor(sim, { accountFields: { arr: 'AnnualRecurringRevenue__c' } });
    const field = await connector.checkConnection();
    expect(field.ok).toBe(false);
    expect(field.detail).toMatch(/No such column 'AnnualRecurringRevenue__c' on entity 'Account'/);
    await connector.close();
    connector = connectorFor(sim);
    expect(await connector.checkConnection()).toMatchObject({
      ok: true,
      detail: expect.stringContaining('Account (Tier__c, ARR__c, Renewal_Date__c)'),
    });
  });

  it('calls only allowed hosts: the login URL, and an instance URL from the token only when allowed', async () => {
    expect(() => connectorFor(sim, { allowedHosts: ['acme.my.salesforce.com'] })).toThrow(
      /127\.0\.0\.1:\d+ is not in allowedHosts/,
    );
    await connector.close();
    await sim.close();
    sim = await SalesforceSimulator.start({ instanceUrl: 'https://evil.example.com' });
    connector = connectorFor(sim);
    const err = await failure(connector.poll(undefined));
    expect(err.errorClass).toBe('AUTH');
    expect(err.message).toMatch(/host evil\.example\.com is not in allowedHosts/);
  });

  it('loads jsforce only when an instance first calls Salesforce, not when the module is imported', () => {
    const root = join(__dirname, '../..');
    const script = `
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/jsforce/'));
      const { SalesforceConnector } = require('./connectors/salesforce/salesforce.connector.ts');
      const { SalesforceSimulator, SIMULATOR_CLIENT_ID, SIMULATOR_CLIENT_SECRET } =
        require('./connectors/salesforce/testing/simulator.ts');
      (async () => {
        const afterImport = loaded();
        const sim = await SalesforceSimulator.start();
        const c = new SalesforceConnector({ id: 'lazy', loginUrl: sim.url,
          clientId: SIMULATOR_CLIENT_ID, clientSecret: SIMULATOR_CLIENT_SECRET });
        const afterConstruct = loaded();
        await c.poll(undefined);
        process.stdout.write(JSON.stringify({ afterImport, afterConstruct, afterPoll: loaded() }));
        await c.close();
        await sim.close();
      })();`;
    const out = execFileSync(process.execPath, ['-r', './bench/swc-register.js', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(JSON.parse(out)).toEqual({ afterImport: false, afterConstruct: false, afterPoll: true });
  });

  it('calls a configured instanceUrl rather than the instance_url of the token response', async () => {
    await connector.close();
    await sim.close();
    sim = await SalesforceSimulator.start({ instanceUrl: 'https://elsewhere.example.com' });
    connector = connectorFor(sim, { instanceUrl: sim.url });
    expect((await drain(connector, undefined)).events).toHaveLength(4);
  });

  it('answers SystemModstamp in the format Salesforce writes', () => {
    expect(sfDateTime(Date.UTC(2026, 10, 20, 9))).toBe('2026-11-20T09:00:00.000+0000');
  });

  describe('settings schema', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(SALESFORCE_CONFIG_SCHEMA);
    const base = {
      clientId: '${SALESFORCE_CLIENT_ID}',
      clientSecret: '${SALESFORCE_CLIENT_SECRET}',
    };

    it('accepts the shipped salesforce instance in exhub.config.yaml and its own examples', () => {
      const shipped = parseYaml(
        readFileSync(join(__dirname, '../../exhub.config.yaml'), 'utf8'),
      ) as {
        connectors: { type: string; settings?: unknown }[];
      };
      const instances = shipped.connectors.filter((c) => c.type === 'salesforce');
      expect(instances.length).toBeGreaterThan(0);
      for (const i of instances) expect(validate(i.settings)).toBe(true);
      for (const example of SALESFORCE_CONFIG_SCHEMA.examples as unknown[])
        expect(validate(example)).toBe(true);
      expect(
        validate({ clientId: 'x', authFlow: 'jwt_bearer', username: 'u', privateKey: '${K}' }),
      ).toBe(true);
    });

    it.each([
      ['no clientId', { clientSecret: 's' }],
      ['client_credentials without clientSecret', { clientId: 'x' }],
      ['jwt_bearer without privateKey', { clientId: 'x', authFlow: 'jwt_bearer', username: 'u' }],
      ['a page size Salesforce does not accept', { ...base, pageSize: 50 }],
      ['an account field that is not an API name', { ...base, accountFields: { tier: 'Tier c' } }],
      ['a misspelt field', { ...base, clientSecrets: 'x' }],
    ])('rejects %s', (_name, settings) => {
      expect(validate(settings)).toBe(false);
    });
  });

  it('has a README whose config table is generated from salesforce.config.schema.json', () => {
    const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
    expect(extractConfigReference(readme)).toBe(generateConfigReference(SALESFORCE_CONFIG_SCHEMA));
  });

  it('ships golden-case payloads that are what the simulator serves for the fixtures', async () => {
    const { events } = await drain(connector, undefined);
    for (const e of events) {
      const p = e.payload as { CaseNumber: string };
      const file = join(__dirname, 'fixtures/records', `case-${p.CaseNumber}.json`);
      const recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      // Ids are assigned by the simulator in seed order, so they are stable too.
      expect(recorded).toEqual(p);
    }
  });
});

describe('salesforce: an org without the custom Account fields (a stock org, e.g. trailheadapps/ebikes-lwc)', () => {
  const trees = {
    accounts: [
      { records: [{ attributes: { type: 'Account', referenceId: 'A1' }, Name: 'Trailblazers' }] },
    ],
    cases: [
      {
        records: [
          {
            attributes: { type: 'Case', referenceId: 'C1' },
            Subject: 'Wrong colour',
            Status: 'Escalated',
            Priority: 'High',
            AccountId: '@A1',
          },
        ],
      },
    ],
  };
  let sim: SalesforceSimulator;
  let connector: SalesforceConnector | undefined;
  beforeAll(async () => {
    sim = await SalesforceSimulator.start({ trees });
  });
  afterEach(async () => connector?.close());
  afterAll(async () => sim.close());

  it('refuses the default Account fields as Salesforce does: the error names the missing field and the setting', async () => {
    connector = connectorFor(sim);
    const err = await failure(connector.poll(undefined));
    expect(err.message).toMatch(/No such column 'Tier__c' on entity 'Account'/);
    expect(err.message).toMatch(/check the instance's caseFilter and accountFields settings/);
  });

  it('reads the cases with accountFields set to null, without those fields; standard Case fields absent from the data answer null', async () => {
    connector = connectorFor(sim, {
      accountFields: { tier: null, arr: null, renewalDate: null },
    });
    expect(await connector.checkConnection()).toMatchObject({
      ok: true,
      detail: expect.stringContaining('Account (Id)'),
    });
    const { events } = await drain(connector, undefined);
    expect(events).toHaveLength(1);
    const c = events[0].payload as Record<string, unknown>;
    expect(c).toMatchObject({ Subject: 'Wrong colour', Type: null, Reason: null });
    expect(c.Account).toEqual({
      attributes: expect.objectContaining({ type: 'Account' }),
      Name: 'Trailblazers',
      Owner: null,
    });
    const soql = new URLSearchParams(sim.log.at(-1)!.split('?')[1]).get('q')!;
    expect(soql).toContain('Account.Name, Account.Owner.Name, Owner.Name');
    expect(soql).not.toMatch(/Tier__c|ARR__c|Renewal_Date__c/);
    expect(await connector.lookup({ type: 'account', id: String(c.AccountId) })).toEqual({
      id: c.AccountId,
      name: 'Trailblazers',
      openEscalations: 1,
    });
  });
});
