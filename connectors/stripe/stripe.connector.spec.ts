import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { runWebhookContract } from '../../libs/connector-sdk/testing';
import { InvalidPayloadError } from '@exhub/core';
import type { WebhookRequest } from '@exhub/connector-sdk';
import schema from './stripe.config.schema.json';
import { StripeWebhookConnector } from './stripe.connector';
import { MS_PER_SECOND, STRIPE_DEFAULT_TOLERANCE_SECONDS } from './stripe.constants';
import { signStripePayload, StripeSignatureError } from './stripe.signature';

const SECRET = 'whsec_connector_spec_0123456789';
const NEXT_SECRET = 'whsec_connector_spec_next_9876543210';
const T = 1_779_783_019;
const fixture = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', name));

function request(rawBody: Buffer, secret = SECRET, nowOffsetSeconds = 0): WebhookRequest {
  return {
    rawBody,
    headers: { 'stripe-signature': signStripePayload(rawBody, secret, T) },
    now: (T + nowOffsetSeconds) * MS_PER_SECOND,
  };
}

function parseFailure(connector: StripeWebhookConnector, body: string): InvalidPayloadError {
  try {
    connector.parse(request(Buffer.from(body)));
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPayloadError);
    return err as InvalidPayloadError;
  }
  throw new Error('expected an InvalidPayloadError, got none');
}

const connector = new StripeWebhookConnector({ id: 'stripe', secrets: [SECRET] });

runWebhookContract('stripe', () => ({
  connector: new StripeWebhookConnector({ id: 'stripe', secrets: [SECRET, NEXT_SECRET] }),
  secrets: [SECRET, NEXT_SECRET],
  toleranceSeconds: STRIPE_DEFAULT_TOLERANCE_SECONDS,
  validBody: fixture('charge.failed.json'),
  sign: (rawBody, secret, now) => ({
    'stripe-signature': signStripePayload(rawBody, secret, Math.floor(now / MS_PER_SECOND)),
  }),
  signatureHeader: 'stripe-signature',
  expected: { objectType: 'event', sourceEventId: 'evt_3TbGfyJEe0yY0QKr08P0MBRO' },
  invalidBody: { body: Buffer.from('{"object":"event"}'), pointer: '/id' },
}));

describe('StripeWebhookConnector', () => {
  it('identifies itself', () => {
    expect(connector.id).toBe('stripe');
    expect(connector.system).toBe('stripe');
    expect(connector.toleranceSeconds).toBe(STRIPE_DEFAULT_TOLERANCE_SECONDS);
  });

  it.each([
    ['charge.failed.json', 'evt_3TbGfyJEe0yY0QKr08P0MBRO', 'req_UylpYEOXaAFBkb'],
    ['charge.dispute.created.json', 'evt_1TbG48JEe0yY0QKrrgcor0DZ', 'req_yAUasv124PD79B'],
    ['invoice.payment_failed.json', 'evt_00000000000000', undefined],
    ['payment_intent.payment_failed.json', 'evt_exhub_fixture_pi_payment_failed', undefined],
  ])('verifies and parses %s', (file, eventId, requestId) => {
    const req = request(fixture(file));
    expect(() => connector.verify(req)).not.toThrow();
    const parsed = connector.parse(req);
    expect(parsed).toEqual({
      objectType: 'event',
      sourceEventId: eventId,
      dedupeKey: expect.stringMatching(new RegExp(`^${eventId}#[0-9a-f]{16}$`)),
      correlationId: requestId,
      payload: JSON.parse(req.rawBody.toString('utf8')),
    });
  });

  describe('dedupe key: the event id and a digest of what the event says', () => {
    const keyOf = (event: Record<string, unknown>) =>
      connector.parse(request(Buffer.from(JSON.stringify(event)))).dedupeKey;
    const invoiceFailed = JSON.parse(fixture('invoice.payment_failed.json').toString('utf8'));

    it("tells apart Stripe's dashboard test events, which all reuse evt_00000000000000", () => {
      // The real dashboard test events of charge.failed and invoice.payment_failed share that id.
      const chargeFailed = {
        ...invoiceFailed,
        type: 'charge.failed',
        data: { object: { id: 'ch_00000000000000', object: 'charge', amount: 100 } },
      };
      expect(invoiceFailed.id).toBe('evt_00000000000000');
      expect(keyOf(chargeFailed)).not.toBe(keyOf(invoiceFailed));
    });

    it('is the same for a retry of the event, whose pending_webhooks count changed', () => {
      expect(keyOf({ ...invoiceFailed, pending_webhooks: 0 })).toBe(keyOf(invoiceFailed));
      expect(keyOf(invoiceFailed)).toBe(
        connector.parse(request(fixture('invoice.payment_failed.json'))).dedupeKey,
      );
    });
  });

  it('takes request.id from the pre-2017 string form of `request`', () => {
    const body =
      '{"id":"evt_1","object":"event","type":"charge.failed","request":"req_old",' +
      '"data":{"object":{"id":"ch_1"}}}';
    expect(connector.parse(request(Buffer.from(body))).correlationId).toBe('req_old');
  });

  it('rejects a delivery signed with a secret it does not hold', () => {
    const req = request(fixture('charge.failed.json'), 'whsec_not_ours');
    expect(() => connector.verify(req)).toThrow(StripeSignatureError);
  });

  it('accepts deliveries signed with either secret during a rotation', () => {
    const rotating = new StripeWebhookConnector({ id: 'stripe', secrets: [SECRET, NEXT_SECRET] });
    for (const secret of [SECRET, NEXT_SECRET]) {
      expect(() => rotating.verify(request(fixture('charge.failed.json'), secret))).not.toThrow();
    }
  });

  it('accepts secrets handed over as revealable objects (libs/config Secret)', () => {
    const wrapped = new StripeWebhookConnector({
      id: 'stripe',
      secrets: [{ reveal: () => SECRET }],
    });
    expect(() => wrapped.verify(request(fixture('charge.failed.json')))).not.toThrow();
  });

  it('applies its configured tolerance', () => {
    const strict = new StripeWebhookConnector({
      id: 'stripe',
      secrets: [SECRET],
      toleranceSeconds: 10,
    });
    const req = request(fixture('charge.failed.json'), SECRET, 11);
    expect(() => connector.verify(req)).not.toThrow();
    expect(() => strict.verify(req)).toThrow(
      expect.objectContaining({ reason: 'stale_timestamp' }),
    );
  });

  it('does not show its secrets when printed or serialised', () => {
    const shown = [
      inspect(connector, { showHidden: true, depth: null }),
      JSON.stringify(connector),
    ];
    for (const text of shown) expect(text).not.toContain(SECRET);
  });

  it.each([
    [[], /secrets is empty/],
    [[''], /secrets\[0\] is empty/],
    [
      [SECRET, '${STRIPE_WEBHOOK_SECRET_NEXT}'],
      /secrets\[1\] is the unresolved reference \$\{STRIPE_WEBHOOK_SECRET_NEXT\}/,
    ],
  ])('refuses secrets %j with a message naming the fix', (secrets, message) => {
    expect(() => new StripeWebhookConnector({ id: 'stripe', secrets })).toThrow(message);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses toleranceSeconds %p', (toleranceSeconds) => {
    expect(
      () => new StripeWebhookConnector({ id: 'stripe', secrets: [SECRET], toleranceSeconds }),
    ).toThrow(/toleranceSeconds must be a whole number/);
  });

  describe('parse', () => {
    it('names the JSON syntax error and the position', () => {
      const err = parseFailure(connector, '{"id": "evt_1", oops}');
      expect(err.stage).toBe('parse');
      expect(err.issues).toEqual([
        {
          pointer: '',
          rule: 'json',
          message: expect.stringMatching(/^body is not valid JSON: .*at position 16/),
        },
      ]);
      expect(err.message).toContain("connector 'stripe'");
    });

    it('rejects an empty body', () => {
      expect(parseFailure(connector, '').issues[0]).toMatchObject({ pointer: '', rule: 'json' });
    });

    it('rejects a body that is not an object', () => {
      expect(parseFailure(connector, '[1,2]').issues).toEqual([
        { pointer: '', rule: 'type', message: expect.stringContaining('got an array') },
      ]);
    });

    it('names the pointer of every missing or wrong envelope field', () => {
      const err = parseFailure(connector, '{"object":"charge","id":"ch_1","type":7,"data":{}}');
      expect(err.issues.map((i) => [i.pointer, i.rule])).toEqual([
        ['/object', 'const'],
        ['/id', 'pattern'],
        ['/type', 'type'],
        ['/data/object', 'required'],
      ]);
      expect(err.message).toContain('/id: pattern — must be a Stripe event id starting "evt_"');
    });

    it('reports a missing id, type and data as required', () => {
      const err = parseFailure(connector, '{"object":"event"}');
      expect(err.issues.map((i) => [i.pointer, i.rule])).toEqual([
        ['/id', 'required'],
        ['/type', 'required'],
        ['/data', 'required'],
      ]);
    });

    it.each([
      [
        '{"__proto__":{"polluted":true},"id":"evt_1","object":"event","type":"x","data":{"object":{}}}',
        '/__proto__',
      ],
      [
        '{"id":"evt_1","object":"event","type":"x","data":{"object":{"metadata":{"constructor":{"prototype":{}}}}}}',
        '/data/object/metadata/constructor',
      ],
      [
        '{"id":"evt_1","object":"event","type":"x","data":{"object":{"lines":[{"a/b":{"prototype":1}}]}}}',
        '/data/object/lines/0/a~1b/prototype',
      ],
      [
        // Spelled with a JSON escape: the parsed key is what counts.
        '{"id":"evt_1","object":"event","type":"x","data":{"object":{"\\u0063onstructor":{}}}}',
        '/data/object/constructor',
      ],
    ])('rejects prototype-polluting keys, naming the pointer (%#)', (body, pointer) => {
      const err = parseFailure(connector, body);
      expect(err.issues).toContainEqual(
        expect.objectContaining({ pointer, rule: 'forbidden_key' }),
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});

describe('stripe.config.schema.json', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  const validate = ajv.compile(schema);

  it('documents the same default tolerance as the code', () => {
    expect(schema.properties.toleranceSeconds.default).toBe(STRIPE_DEFAULT_TOLERANCE_SECONDS);
  });

  it('accepts the settings of every stripe instance in the shipped exhub.config.yaml', () => {
    const shipped = parseYaml(readFileSync(join(__dirname, '../../exhub.config.yaml'), 'utf8')) as {
      connectors: { type: string; settings?: unknown }[];
    };
    const stripeInstances = shipped.connectors.filter((c) => c.type === 'stripe');
    expect(stripeInstances.length).toBeGreaterThan(0);
    for (const instance of stripeInstances) {
      expect(validate(instance.settings)).toBe(true);
    }
  });

  it('accepts its own examples', () => {
    for (const example of schema.examples) expect(validate(example)).toBe(true);
  });

  it.each([
    ['no secrets', {}],
    ['an empty secrets list', { secrets: [] }],
    ['a secret that is neither a reference nor whsec_…', { secrets: ['sk_live_123'] }],
    ['a tolerance of zero', { secrets: ['${STRIPE_WEBHOOK_SECRET}'], toleranceSeconds: 0 }],
    ['a misspelt field', { secrets: ['${STRIPE_WEBHOOK_SECRET}'], tolerance: 300 }],
  ])('rejects %s', (_name, config) => {
    expect(validate(config)).toBe(false);
  });
});
