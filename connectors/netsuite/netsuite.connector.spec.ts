import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractConfigReference, generateConfigReference } from '@exhub/connector-sdk';
import { drain, runConnectorContract } from '../../libs/connector-sdk/testing';
import { HubError } from '@exhub/core';
import { signTokenPassport } from './netsuite-tba';
import { NS_CORE, NS_MESSAGES } from './netsuite.constants';
import {
  NETSUITE_CONFIG_SCHEMA,
  NetSuiteConnector,
  parseSearchPage,
  vendorBillEvent,
  type NetSuiteConnectorConfig,
  type NetSuiteCursor,
} from './netsuite.connector';
import {
  fixtureBills,
  fixtureCredits,
  NetSuiteSimulator,
  SIMULATOR_CREDENTIALS,
  type VendorBillFixture,
} from './testing';

const RETRY_AFTER_SECONDS = 1;
const BREAKER_RESET_MS = 300;

function connectorFor(
  sim: NetSuiteSimulator,
  extra: Partial<NetSuiteConnectorConfig> = {},
): NetSuiteConnector {
  return new NetSuiteConnector({
    id: 'netsuite-test',
    endpoint: sim.endpoint,
    ...SIMULATOR_CREDENTIALS,
    startFrom: '2026-01-01',
    pageSize: 5,
    timeoutMs: 2_000,
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 },
    breaker: { resetTimeoutMs: BREAKER_RESET_MS, volumeThreshold: 2, errorThresholdPercentage: 50 },
    ...extra,
  });
}

let serial = 9000;
/** A new bill pending approval, changed after every fixture. */
function newBill(): VendorBillFixture {
  serial++;
  const template = fixtureBills()[2];
  return {
    ...template,
    internalId: String(serial),
    tranId: `NEW-${serial}`,
    lastModifiedDate: new Date(Date.UTC(2026, 3, 1) + serial * 1000).toISOString(),
  };
}

const billIds = (events: { payload: unknown }[]): string[] =>
  events.map((e) => (e.payload as { attributes: { internalId: string } }).attributes.internalId);

runConnectorContract('netsuite', async () => {
  const sim = await NetSuiteSimulator.start({ retryAfterSeconds: RETRY_AFTER_SECONDS });
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
      addNewItems: (n) => sim.add(...Array.from({ length: n }, newBill)),
      // A total a custom integration wrote as display text, not as an xsd:double.
      addPoisonItem: () => sim.add({ ...newBill(), userTotal: '312,40 USD' }),
    },
    close: async () => {
      await connector.close();
      await sim.close();
    },
  };
});

describe('NetSuite connector', () => {
  let sim: NetSuiteSimulator;
  let connector: NetSuiteConnector;
  beforeEach(async () => {
    sim = await NetSuiteSimulator.start();
    connector = connectorFor(sim);
  });
  afterEach(async () => {
    await connector.close();
    await sim.close();
  });

  it('reads every changed bill (the mappings decide), paging with searchMoreWithId', async () => {
    const { events, cursor } = await drain(connector, undefined);
    // 8104 (approved) and 8106 (paid) too: they end what their earlier versions raised.
    expect(billIds(events)).toEqual(['8101', '8102', '8103', '8104', '8105', '8106']);
    expect(sim.log).toEqual(['search', 'searchMoreWithId']);
    expect(events[1]).toMatchObject({
      objectType: 'VendorBill',
      sourceEventId: 'VendorBill/8102@2026-03-15T23:05:30.000Z',
      changedAt: '2026-03-15T23:05:30.000Z',
    });
    // The search the simulator received: bills and credits changed on or after startFrom.
    expect(sim.lastSearch).toMatchObject({
      attributes: { 'xsi:type': 'platformCommon:TransactionSearchBasic' },
      type: { attributes: { operator: 'anyOf' }, searchValue: ['_vendorBill', '_vendorCredit'] },
      lastModifiedDate: { attributes: { operator: 'onOrAfter' } },
    });
    // Both bills changed at the newest instant are remembered.
    expect(cursor).toEqual({ v: 1, watermark: '2026-03-18T15:00:00.000Z', seen: ['8105', '8106'] });
  });

  it('maps a SOAP record to a PolledEvent with the record untouched (text dates and decimals)', async () => {
    const { events } = await drain(connector, undefined);
    const hold = events.find((e) => billIds([e])[0] === '8105')!.payload as Record<string, unknown>;
    expect(hold).toMatchObject({
      attributes: { internalId: '8105', 'xsi:type': 'tranPurch:VendorBill' },
      lastModifiedDate: '2026-03-18T08:00:00.000-07:00',
      entity: { attributes: { internalId: '2150' }, name: 'Kestrel Cloud Services' },
      approvalStatus: { attributes: { internalId: '1' }, name: 'Pending Approval' },
      userTotal: '27640.00',
      exchangeRate: '1.2710',
      paymentHold: true,
      currency: { attributes: { internalId: '2' }, name: 'GBP' },
    });
    expect(JSON.parse(JSON.stringify(hold))).toEqual(hold);
  });

  it('serves a bill kept as an SDK add request holds it (null fields, RecordRefs without name) as NetSuite answers it', async () => {
    // The shape of fylein/netsuite-sdk-py's vendor bill (test/corpus/netsuite): nulls are absent.
    sim.bills = [
      {
        internalId: '9001',
        lastModifiedDate: '2026-04-02T10:00:00.000-08:00',
        tranId: 'E/2023/17/02',
        account: { internalId: null, externalId: null, type: 'account' },
        currency: { name: null, internalId: '1', externalId: null, type: 'currency' },
        itemList: null,
        memo: 'Fyle ka Bill',
      } as unknown as VendorBillFixture,
    ];
    const { events, rejected } = await drain(connector, undefined);
    expect(rejected).toEqual([]);
    const bill = events[0].payload as Record<string, unknown>;
    expect(bill).toMatchObject({ tranId: 'E/2023/17/02', memo: 'Fyle ka Bill' });
    expect(bill.currency).toEqual({ attributes: { internalId: '1' } });
    expect(JSON.stringify(bill)).not.toContain('null');
  });

  it('sets aside a record of another type in a search answer, alone, naming the element (a recorded NetSweet/netsuite answer)', async () => {
    const recorded = readFileSync(
      join(__dirname, '../../test/corpus/netsuite/search-response-single.xml'),
      'utf8',
    );
    sim.answerNextSearchWith(recorded);
    const page = await connector.poll(undefined);
    expect(page.events).toEqual([]);
    expect(page.rejected).toEqual([
      expect.objectContaining({
        pointer: '/searchResult/recordList/record/0',
        issues: expect.arrayContaining([
          expect.objectContaining({
            pointer: '/attributes/xsi:type',
            message: 'must be one of VendorBill, VendorCredit',
          }),
        ]),
      }),
    ]);
    // The next search is the simulator's own: the feed goes on.
    expect(billIds((await drain(connector, page.nextCursor)).events)).toContain('8101');
  });

  it('announces a bill put on hold later, in the same second as another change', async () => {
    const first = await drain(connector, undefined);
    // 8106 was paid and is unchanged; 8104 is put on hold at the watermark instant.
    sim.update('8104', { paymentHold: true, lastModifiedDate: '2026-03-18T08:00:00.000-07:00' });
    const held = await drain(connector, first.cursor);
    expect(billIds(held.events)).toEqual(['8104']);
    expect((held.cursor as NetSuiteCursor).seen).toEqual(['8105', '8106', '8104']);
    expect((await drain(connector, held.cursor)).events).toEqual([]);
  });

  it('restarts the search when its id has expired, from the same watermark', async () => {
    const stale: NetSuiteCursor = {
      v: 1,
      seen: [],
      search: { id: 'WEBSERVICES_gone', nextPage: 2, totalPages: 2, highIds: [] },
    };
    const { events } = await drain(connector, stale);
    expect(billIds(events)).toEqual(['8101', '8102', '8103', '8104', '8105', '8106']);
  });

  it('times out a slow answer (TRANSIENT) and retries it', async () => {
    await connector.close();
    await sim.close();
    sim = await NetSuiteSimulator.start({ slowMs: 600 });
    connector = connectorFor(sim, { timeoutMs: 200 });
    sim.fail('slow', 1);
    const { events } = await drain(connector, undefined);
    expect(events).toHaveLength(6);
    expect(sim.requests).toBe(3);
  });

  it('signs every request: a wrong token secret is an AUTH error naming the fault, without secrets', async () => {
    await connector.close();
    connector = connectorFor(sim, { tokenSecret: 'wrong-token-secret' });
    const err = await connector.poll(undefined).catch((e: unknown) => e as HubError);
    expect((err as HubError).errorClass).toBe('AUTH');
    expect(connector.breakerState()).toBe('open');
    expect(sim.requests).toBe(1); // not retried
    await connector.close();
    connector = connectorFor(sim, { tokenSecret: 'wrong-token-secret' });
    const check = await connector.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/Invalid login attempt\. \(INVALID_LOGIN_ATTEMPT\)/);
    expect(check.detail).not.toContain('wrong-token-secret');
    expect(check.detail).not.toContain('sim-consumer-secret');
  });

  it('has its passports checked by the simulator: a replayed nonce is refused like NetSuite does', async () => {
    const p = signTokenPassport(SIMULATOR_CREDENTIALS, { nonce: () => 'replay123' });
    const core = (k: string, v: string | number) => `<c:${k}>${v}</c:${k}>`;
    const body =
      `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
      `xmlns:m="${NS_MESSAGES}" xmlns:c="${NS_CORE}"><soapenv:Header><m:tokenPassport>` +
      core('account', p.account) +
      core('consumerKey', p.consumerKey) +
      core('token', p.token) +
      core('nonce', p.nonce) +
      core('timestamp', p.timestamp) +
      `<c:signature algorithm="HMAC-SHA256">${p.signature.value}</c:signature>` +
      `</m:tokenPassport></soapenv:Header><soapenv:Body><m:getServerTime/></soapenv:Body></soapenv:Envelope>`;
    const post = () =>
      fetch(sim.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"getServerTime"' },
        body,
      });
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('isSuccess="true"');
    const again = await post();
    expect(again.status).toBe(500);
    expect(await again.text()).toMatch(/INVALID_LOGIN_ATTEMPT.*nonce was used before/);
    // The connector signs a fresh passport per attempt, so its retries are not replays.
    sim.fail('5xx', 2);
    expect((await drain(connector, undefined)).events).toHaveLength(6);
  });

  it('refuses an endpoint whose host is not allowed', () => {
    expect(() =>
      connectorFor(sim, { allowedHosts: ['1234567.suitetalk.api.netsuite.com'] }),
    ).toThrow(/127\.0\.0\.1:\d+ is not in allowedHosts/);
  });

  it('reads vendor credits in the same search, published as VendorCredit (not a payable)', async () => {
    await connector.close();
    await sim.close();
    sim = await NetSuiteSimulator.start({ credits: fixtureCredits() });
    connector = connectorFor(sim);
    const { events, cursor } = await drain(connector, undefined);
    expect(billIds(events)).toEqual([
      '8101',
      '8102',
      '8103',
      '8104',
      '8105',
      '8106',
      '8201',
      '8202',
      '8203',
    ]);
    const credits = events.filter((e) => e.objectType === 'VendorCredit');
    expect(billIds(credits)).toEqual(['8201', '8202', '8203']);
    expect(credits[1]).toMatchObject({
      sourceEventId: 'VendorCredit/8202@2026-03-19T19:45:10.000Z',
      payload: {
        attributes: { internalId: '8202', 'xsi:type': 'tranPurch:VendorCredit' },
        unApplied: '180.000',
        applied: '200.00',
        autoApply: false,
        currency: { attributes: { internalId: '4' }, name: 'Euro' },
      },
    });
    expect(events.filter((e) => e.objectType === 'VendorBill')).toHaveLength(6);
    // One cursor for both: the newest change is a credit's.
    expect(cursor).toEqual({ v: 1, watermark: '2026-03-19T20:00:00.000Z', seen: ['8203'] });
    // A credit applied later is reported again (the -ended mapping resolves it).
    sim.update('8202', {
      unApplied: '0.00',
      applied: '380.00',
      lastModifiedDate: '2026-03-20T09:00:00.000-07:00',
    });
    const again = await drain(connector, cursor);
    expect(again.events.map((e) => e.sourceEventId)).toEqual([
      'VendorCredit/8202@2026-03-20T16:00:00.000Z',
    ]);
    for (const e of credits) {
      const file = join(__dirname, 'fixtures/published', `vendor-credit-${billIds([e])[0]}.json`);
      if (process.env.EXHUB_UPDATE_FIXTURES) {
        writeFileSync(file, `${JSON.stringify(e.payload, null, 2)}\n`);
      }
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(e.payload);
    }
  });

  it('keeps fixtures/published/*.json equal to what it publishes (the golden cases read them)', async () => {
    const { events } = await drain(connector, undefined);
    for (const e of events) {
      const file = join(__dirname, 'fixtures/published', `vendor-bill-${billIds([e])[0]}.json`);
      // EXHUB_UPDATE_FIXTURES=1 rewrites them after a deliberate change of fixtures or WSDL.
      if (process.env.EXHUB_UPDATE_FIXTURES) {
        writeFileSync(file, `${JSON.stringify(e.payload, null, 2)}\n`);
      }
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(e.payload);
    }
  });

  it('has a README whose config table is generated from netsuite.config.schema.json', () => {
    const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
    expect(extractConfigReference(readme)).toBe(generateConfigReference(NETSUITE_CONFIG_SCHEMA));
  });
});

describe('NetSuite search page parsing', () => {
  const page = (record: unknown, extra: Record<string, unknown> = {}) => ({
    searchResult: {
      status: { attributes: { isSuccess: 'true' } },
      totalPages: 1,
      pageIndex: 1,
      recordList: { record },
      ...extra,
    },
  });
  const bill = {
    attributes: { internalId: '1', 'xsi:type': 'tranPurch:VendorBill' },
    lastModifiedDate: '2026-03-01T00:00:00.000-08:00',
    approvalStatus: { attributes: { internalId: '1' } },
  };

  it('sets an invalid record aside with a JSON pointer per invalid field, and keeps the rest', () => {
    const broken = {
      attributes: { 'xsi:type': 'listAcct:Account' },
      lastModifiedDate: 'soon',
      paymentHold: 'yes',
    };
    const parsed = parseSearchPage(page([bill, broken]), 'here');
    expect(parsed.records.map((r) => r.id)).toEqual(['1']);
    expect(parsed.setAside).toHaveLength(1);
    expect(parsed.setAside[0].key).toBeUndefined(); // no id, no instant: it has no place in the order
    expect(parsed.setAside[0].rejected).toMatchObject({
      objectType: 'VendorBill',
      record: broken,
      pointer: '/searchResult/recordList/record/1',
    });
    expect(parsed.setAside[0].rejected.issues.map((i) => i.pointer)).toEqual([
      '/attributes/internalId',
      '/lastModifiedDate',
      '/attributes/xsi:type',
      '/paymentHold',
    ]);
  });

  it('still refuses a page whose envelope is broken', () => {
    expect(() =>
      parseSearchPage(page([bill], { totalPages: 2, pageIndex: 1, searchId: '' }), 'here'),
    ).toThrow(HubError);
  });

  it('reads a single record (not an array) and an empty page', () => {
    expect(parseSearchPage(page(bill), 'here').records).toHaveLength(1);
    expect(parseSearchPage(page(undefined), 'here').records).toEqual([]);
    expect(() => parseSearchPage({}, 'here')).toThrow(/no searchResult/);
  });

  it('sets aside a vendor credit whose unapplied amount is not an xsd:double, as a VendorCredit', () => {
    const credit = {
      attributes: { internalId: '2', 'xsi:type': 'tranPurch:VendorCredit' },
      lastModifiedDate: '2026-03-01T00:00:00.000-08:00',
      unApplied: 'all of it',
      autoApply: 'no',
    };
    const parsed = parseSearchPage(page([bill, credit]), 'here');
    expect(parsed.records.map((r) => r.id)).toEqual(['1']);
    expect(parsed.setAside[0].key?.id).toBe('2'); // placed: the cursor moves past it
    expect(parsed.setAside[0].rejected).toMatchObject({
      objectType: 'VendorCredit',
      pointer: '/searchResult/recordList/record/1',
    });
    expect(parsed.setAside[0].rejected.issues.map((i) => i.pointer)).toEqual([
      '/autoApply',
      '/unApplied',
    ]);
  });

  it('keys a vendor credit event as VendorCredit', () => {
    const credit = {
      ...bill,
      attributes: { internalId: '3', 'xsi:type': 'tranPurch:VendorCredit' },
    };
    expect(vendorBillEvent(credit, '3', Date.parse(bill.lastModifiedDate))).toMatchObject({
      objectType: 'VendorCredit',
      sourceEventId: 'VendorCredit/3@2026-03-01T08:00:00.000Z',
    });
  });

  it('keys a bill event by id and change instant', () => {
    expect(vendorBillEvent(bill, '1', Date.parse(bill.lastModifiedDate))).toEqual({
      objectType: 'VendorBill',
      payload: bill,
      sourceEventId: 'VendorBill/1@2026-03-01T08:00:00.000Z',
      changedAt: '2026-03-01T08:00:00.000Z',
    });
  });
});
