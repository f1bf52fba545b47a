import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { join } from 'node:path';
import {
  extractConfigReference,
  generateConfigReference,
  HMAC_DEFAULT_TOLERANCE_SECONDS,
  signHmacPayload,
  type ConfigSchema,
  type WebhookRequest,
} from '@exhub/connector-sdk';
import { HubError } from '@exhub/core';
import { drain, runWebhookContract } from '../../libs/connector-sdk/testing';
import { SapS4Connector } from './sap-s4.connector';
import eventsSchema from './sap-s4-events.config.schema.json';
import {
  SapEventAuthError,
  SapEventSourceError,
  SapS4EventsConnector,
  sapS4EventsFromSettings,
} from './sap-s4-events.connector';
import { SapS4Simulator, SIMULATOR_PASSWORD, SIMULATOR_USER } from './testing';
import { MS_PER_SECOND } from '@exhub/core';

const SECRET = 'sap-events-spec-secret-0123456789';
const NEXT_SECRET = 'sap-events-spec-secret-next-9876';
const HOOK_USER = 'event-mesh';
const HOOK_PASSWORD = 'sap-events-spec-basic-password';
const NOW = Date.UTC(2026, 2, 2, 9, 15, 0);
const event = (name: string): Buffer =>
  readFileSync(join(__dirname, 'fixtures/events', `${name}.cloudevent.json`));
const CREATED = event('supplier-invoice-created');
const CREATED_ID = '/default/sap.s4.beh/0M4RGXF#1fad4742-d03c-1eef-b8a1-5e2c4f1a6b01';

/** A reader for tests that must never reach SAP (verify and parse only). */
const noReads = {
  readInvoice: () => Promise.reject(new Error('the invoice must not be read here')),
};

const basicHeader = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function structured(rawBody: Buffer, headers: Record<string, string> = {}): WebhookRequest {
  return {
    rawBody,
    headers: {
      'content-type': 'application/cloudevents+json',
      authorization: basicHeader(HOOK_USER, HOOK_PASSWORD),
      ...headers,
    },
    now: NOW,
  };
}

runWebhookContract('sap-s4-events (X-Exhub-Signature)', () => ({
  connector: new SapS4EventsConnector({
    id: 'sap-events',
    reader: noReads,
    secrets: [SECRET, NEXT_SECRET],
  }),
  secrets: [SECRET, NEXT_SECRET],
  toleranceSeconds: HMAC_DEFAULT_TOLERANCE_SECONDS,
  validBody: CREATED,
  sign: (rawBody, secret, now) => ({
    'content-type': 'application/cloudevents+json',
    'x-exhub-signature': signHmacPayload(rawBody, secret, Math.floor(now / MS_PER_SECOND)),
  }),
  signatureHeader: 'x-exhub-signature',
  expected: { objectType: 'CloudEvent', sourceEventId: CREATED_ID },
  invalidBody: {
    body: Buffer.from(JSON.stringify({ ...JSON.parse(CREATED.toString()), specversion: '0.3' })),
    pointer: '/specversion',
  },
}));

describe('SAP S/4HANA business events: authentication', () => {
  const connector = new SapS4EventsConnector({
    id: 'sap-events',
    reader: noReads,
    basic: { username: HOOK_USER, password: HOOK_PASSWORD },
  });
  const refusal = (req: WebhookRequest): SapEventAuthError => {
    try {
      connector.verify(req);
    } catch (err) {
      expect(err).toBeInstanceOf(SapEventAuthError);
      expect((err as HubError).errorClass).toBe('AUTH');
      expect((err as Error).message).not.toContain(HOOK_PASSWORD);
      return err as SapEventAuthError;
    }
    throw new Error('expected a refusal, and the delivery was accepted');
  };

  it("accepts Event Mesh's basic authentication", () => {
    expect(() => connector.verify(structured(CREATED))).not.toThrow();
  });

  it('refuses a wrong password or user, saying which header and how to fix it', () => {
    for (const [user, password] of [
      [HOOK_USER, 'guess'],
      ['someone', HOOK_PASSWORD],
    ]) {
      const err = refusal(structured(CREATED, { authorization: basicHeader(user, password) }));
      expect(err.reason).toBe('bad_credentials');
      expect(err.message).toMatch(
        /Authorization header .* do not match .*webhookUsername and webhookPassword/,
      );
    }
    const notBasic = refusal(structured(CREATED, { authorization: 'Bearer eyJhbGciOi' }));
    expect(notBasic.message).toContain('is not "Basic <base64 of user:password>"');
  });

  it('refuses a delivery without credentials, naming what it accepts', () => {
    const req = structured(CREATED);
    delete req.headers.authorization;
    const err = refusal(req);
    expect(err.reason).toBe('missing_authorization');
    expect(err.message).toContain('Authorization: Basic header');
    // A signature this instance holds no secret for is not silently trusted.
    const signed = refusal({
      ...req,
      headers: { ...req.headers, 'x-exhub-signature': signHmacPayload(CREATED, SECRET, 1) },
    });
    expect(signed.message).toContain('a scheme this instance is not configured for');
  });

  it('takes either scheme when both are configured', () => {
    const both = new SapS4EventsConnector({
      id: 'sap-events',
      reader: noReads,
      basic: { username: HOOK_USER, password: HOOK_PASSWORD },
      secrets: [SECRET],
    });
    expect(() => both.verify(structured(CREATED))).not.toThrow();
    const signed = structured(CREATED, {
      'x-exhub-signature': signHmacPayload(CREATED, SECRET, NOW / MS_PER_SECOND),
    });
    delete signed.headers.authorization;
    expect(() => both.verify(signed)).not.toThrow();
  });

  it('will not start without a way to authenticate, and never shows its secrets', () => {
    expect(() => new SapS4EventsConnector({ id: 'x', reader: noReads, secrets: [''] })).toThrow(
      /no way to authenticate deliveries — set webhookUsername and webhookPassword/,
    );
    const shown = inspect(connector, { showHidden: true, depth: null }) + JSON.stringify(connector);
    expect(shown).not.toContain(HOOK_PASSWORD);
  });
});

describe('SAP S/4HANA business events: CloudEvents', () => {
  const connector = new SapS4EventsConnector({
    id: 'sap-events',
    reader: noReads,
    secrets: [SECRET],
  });
  const issues = (req: WebhookRequest) => {
    try {
      connector.parse(req);
    } catch (err) {
      expect((err as HubError).errorClass).toBe('INVALID_PAYLOAD');
      return (err as HubError).issues.map((i) => i.pointer);
    }
    throw new Error('expected a refusal, and the event was accepted');
  };
  const created = JSON.parse(CREATED.toString()) as Record<string, unknown>;
  const body = (patch: Record<string, unknown>) =>
    Buffer.from(JSON.stringify({ ...created, ...patch }));

  it('reads a structured-mode event: the invoice keys and the source event id', () => {
    expect(connector.parse(structured(CREATED))).toEqual({
      objectType: 'CloudEvent',
      sourceEventId: CREATED_ID,
      payload: {
        event: expect.objectContaining({
          type: 'sap.s4.beh.supplierinvoice.v1.SupplierInvoice.Created.v1',
          mode: 'structured',
        }),
        keys: { SupplierInvoice: '5105600101', FiscalYear: '2026' },
      },
    });
  });

  it('reads the same event in binary mode (ce-* headers, the body is data)', () => {
    const req: WebhookRequest = {
      rawBody: Buffer.from(JSON.stringify(created.data)),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'ce-specversion': '1.0',
        'ce-type': created.type as string,
        'ce-source': created.source as string,
        'ce-id': created.id as string,
        'ce-time': created.time as string,
      },
      now: NOW,
    };
    const parsed = connector.parse(req);
    expect(parsed.sourceEventId).toBe(CREATED_ID);
    expect(parsed.payload).toMatchObject({
      event: { mode: 'binary' },
      keys: { SupplierInvoice: '5105600101', FiscalYear: '2026' },
    });
    const noId = { ...req, headers: { ...req.headers } };
    delete noId.headers['ce-id'];
    expect(issues(noId)).toEqual(['/headers/ce-id']);
    expect(issues({ ...req, rawBody: Buffer.from('{"FiscalYear":"2026"}') })).toEqual([
      '/SupplierInvoice',
    ]);
  });

  it('refuses a malformed event with a pointer to each problem', () => {
    expect(issues(structured(body({ specversion: undefined, id: '' })))).toEqual([
      '/id',
      '/specversion',
    ]);
    expect(issues(structured(body({ time: 'yesterday' })))).toEqual(['/time']);
    expect(
      issues(structured(body({ data: { SupplierInvoice: "51'; drop", FiscalYear: 26 } }))),
    ).toEqual(['/data/SupplierInvoice', '/data/FiscalYear']);
    expect(issues(structured(body({ data: undefined })))).toEqual(['/data']);
    expect(issues(structured(Buffer.from(`[${CREATED.toString()}]`)))).toEqual(['']);
    expect(issues(structured(Buffer.from('{"type":')))).toEqual(['']);
  });

  it('passes an event type it does not act on without reading its data', () => {
    const parsed = connector.parse(structured(event('business-partner-changed')));
    expect(parsed).toMatchObject({
      objectType: 'CloudEvent',
      payload: { event: { type: 'sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1' } },
    });
    expect((parsed.payload as { keys?: unknown }).keys).toBeUndefined();
  });
});

describe('SAP S/4HANA business events: the invoice read (against the SAP simulator)', () => {
  let sim: SapS4Simulator;
  let reader: SapS4Connector;
  let connector: SapS4EventsConnector;
  beforeEach(async () => {
    sim = await SapS4Simulator.start();
    reader = new SapS4Connector({
      id: 'sap-events',
      baseUrl: sim.baseUrl,
      username: SIMULATOR_USER,
      password: SIMULATOR_PASSWORD,
      startFrom: '2026-01-01',
      timeoutMs: 2_000,
      retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 },
      breaker: { resetTimeoutMs: 300, volumeThreshold: 5, errorThresholdPercentage: 50 },
    });
    connector = new SapS4EventsConnector({
      id: 'sap-events',
      reader,
      basic: { username: HOOK_USER, password: HOOK_PASSWORD },
    });
  });
  afterEach(async () => {
    await reader.close();
    await sim.close();
  });

  const resolved = (raw: Buffer) => connector.resolve(connector.parse(structured(raw)));
  /** The refusal `resolve` answers with (fails the test when it resolves instead). */
  const refusal = (raw: Buffer): Promise<SapEventSourceError> =>
    resolved(raw).then(
      () => {
        throw new Error('expected a refusal, and the invoice was read');
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(SapEventSourceError);
        return e as SapEventSourceError;
      },
    );

  it('publishes the invoice an event names exactly as the poller publishes it', async () => {
    const fromEvent = await resolved(CREATED);
    expect(fromEvent.objectType).toBe('A_SupplierInvoice');
    expect(fromEvent.sourceEventId).toBe(CREATED_ID);
    expect(fromEvent.contentType).toBe('application/json');
    expect(JSON.parse(fromEvent.body!.toString())).toEqual(fromEvent.payload);
    const polled = (await drain(reader, undefined)).events.find(
      (e) => (e.payload as { SupplierInvoice: string }).SupplierInvoice === '5105600101',
    );
    expect(polled?.objectType).toBe(fromEvent.objectType);
    expect(fromEvent.payload).toEqual(polled?.payload);
    expect(fromEvent.payload).toMatchObject({ PaymentBlockingReason: 'A', FiscalYear: '2026' });
  });

  it('reads the current state on a Changed event (a block set later is seen)', async () => {
    sim.update(
      { SupplierInvoice: '5105600102', FiscalYear: '2026' },
      { PaymentBlockingReason: 'B' },
    );
    const changed = await resolved(event('supplier-invoice-changed'));
    expect(changed.payload).toMatchObject({
      SupplierInvoice: '5105600102',
      PaymentBlockingReason: 'B',
    });
  });

  it('archives an unknown event type as the structured event, without a read', async () => {
    const before = sim.requests;
    const other = await resolved(event('business-partner-changed'));
    expect(sim.requests).toBe(before);
    expect(other.objectType).toBe('CloudEvent');
    expect(other.contentType).toBe('application/cloudevents+json');
    expect(JSON.parse(other.body!.toString())).toMatchObject({
      type: 'sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1',
      data: { BusinessPartner: '100045' },
    });
  });

  it('answers "retry later" when SAP cannot be read, naming the invoice and the cause', async () => {
    sim.fail('5xx', 2); // the read and its one retry
    const down = await refusal(CREATED);
    expect(down.errorClass).toBe('TRANSIENT');
    expect(down.reason).toBe('source_unavailable');
    expect(down.message).toContain(
      "A_SupplierInvoice(SupplierInvoice='5105600101',FiscalYear='2026'), which cannot be read now (TRANSIENT",
    );
    // Healed (and past the breaker's reset), the same delivery goes through when Event Mesh
    // delivers it again.
    await new Promise((r) => setTimeout(r, 350));
    expect((await resolved(CREATED)).objectType).toBe('A_SupplierInvoice');
  });

  it('names the communication user when SAP refuses it', async () => {
    sim.fail('401', 1);
    const refused = await refusal(CREATED);
    expect(refused.reason).toBe('source_unavailable');
    expect(refused.message).toMatch(/\(AUTH: .*check the communication user/);
  });

  it('answers "retry later" for an invoice SAP does not return', async () => {
    const ghost = Buffer.from(
      JSON.stringify({
        ...JSON.parse(CREATED.toString()),
        data: { SupplierInvoice: '5105699999', FiscalYear: '2026' },
      }),
    );
    const err = await refusal(ghost);
    expect(err.reason).toBe('invoice_not_found');
    expect(err.message).toContain("SupplierInvoice='5105699999'");
  });

  it('is built from its settings, defaults included', () => {
    const built = sapS4EventsFromSettings('sap-events', {
      baseUrl: sim.baseUrl,
      username: SIMULATOR_USER,
      password: SIMULATOR_PASSWORD,
      secrets: [SECRET],
    });
    expect([...built.eventTypes]).toEqual([
      'sap.s4.beh.supplierinvoice.v1.SupplierInvoice.Created.v1',
      'sap.s4.beh.supplierinvoice.v1.SupplierInvoice.Changed.v1',
    ]);
    expect(built.toleranceSeconds).toBe(300);
  });
});

it('has a README whose sap-s4-events config table is generated from its schema', () => {
  const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
  const block = extractConfigReference(readme.split(/^## Business event settings$/m)[1] ?? '');
  expect(block).toBe(generateConfigReference(eventsSchema as unknown as ConfigSchema));
});
