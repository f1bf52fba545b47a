import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECTOR_DEFINITIONS } from '@exhub/connectors';
import { Secret, loadHubConfig } from '@exhub/config';
import { POLL_CONNECTOR_TYPES, WEBHOOK_CONNECTOR_TYPES, buildConnectors } from './connector-types';
import { CONNECTOR_CONFIG_SCHEMAS, checkConnectorSettings } from './settings-check';

const ROOT = join(__dirname, '../../../..');

describe('connector settings are checked against their schema at start', () => {
  it('has a schema for every registered connector type, and none for an unregistered one', () => {
    const registered = [
      ...Object.keys(POLL_CONNECTOR_TYPES),
      ...Object.keys(WEBHOOK_CONNECTOR_TYPES),
    ];
    expect(Object.keys(CONNECTOR_CONFIG_SCHEMAS).sort()).toEqual(registered.sort());
  });

  it("lists every connector type once, and the config schema's type enum is that list", () => {
    const types = CONNECTOR_DEFINITIONS.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    const schema = JSON.parse(
      readFileSync(join(ROOT, 'schemas/exhub.config.schema.json'), 'utf8'),
    ) as { properties: { connectors: { items: { properties: { type: { enum: string[] } } } } } };
    const enumTypes = schema.properties.connectors.items.properties.type.enum;
    // Fix: add the type to schemas/exhub.config.schema.json (connectors/items/type/enum).
    expect([...enumTypes].sort()).toEqual([...types].sort());
  });

  it('gives every polled type a pollIntervalSeconds default in its settings schema', () => {
    for (const d of CONNECTOR_DEFINITIONS.filter((x) => x.kind === 'poll')) {
      const props = (d.settingsSchema as { properties: Record<string, { default?: unknown }> })
        .properties;
      expect([d.type, typeof props.pollIntervalSeconds?.default]).toEqual([d.type, 'number']);
    }
  });

  it('fills in the schema defaults only (NetSuite polls every 300 s unless told otherwise)', async () => {
    const settings = {
      endpoint: 'https://1234567.suitetalk.api.netsuite.com/services/NetSuitePort_2015_1',
      ...Object.fromEntries(
        ['account', 'consumerKey', 'consumerSecret', 'tokenId', 'tokenSecret'].map((k) => [
          k,
          new Secret(k, 'test'),
        ]),
      ),
    };
    const slots = await buildConnectors([
      { id: 'ns', type: 'netsuite', enabled: true, settings },
      {
        id: 'ns-fast',
        type: 'netsuite',
        enabled: true,
        settings: { ...settings, pollIntervalSeconds: 30 },
      },
    ]);
    expect(slots.get('ns')?.instance.settings).toMatchObject({
      pollIntervalSeconds: 300,
      pageSize: 100,
    });
    expect(slots.get('ns-fast')?.instance.settings.pollIntervalSeconds).toBe(30);
  });

  it('accepts every instance shipped in exhub.config.yaml', async () => {
    const config = loadHubConfig(join(ROOT, 'exhub.config.yaml'), {
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      ISO20022_WEBHOOK_SECRET: 'iso-secret',
      ZENDESK_WEBHOOK_SECRET: 'zd-secret',
      SAP_EVENTS_WEBHOOK_PASSWORD: 'sap-events-password',
    });
    expect(config.connectors.length).toBeGreaterThan(0);
    for (const instance of config.connectors) {
      expect([instance.id, await checkConnectorSettings(instance.type, instance.settings)]).toEqual(
        [instance.id, undefined],
      );
    }
  });

  it('checks a list of secrets (rotation) without looking at their values', async () => {
    const two = [new Secret('same', 'env A'), new Secret('same', 'env B')];
    expect(await checkConnectorSettings('zendesk', { secrets: two })).toBeUndefined();
    expect(await checkConnectorSettings('zendesk', { secrets: [] })).toBe(
      'invalid settings (connectors/zendesk config schema): settings/secrets: must NOT have fewer than 1 items',
    );
  });

  it('names every wrong setting with its place', async () => {
    const problem = await checkConnectorSettings('sap-s4', {
      baseUrl: 'not a url',
      username: new Secret('u', 'test'),
      pageSize: 'ten',
      colour: 'blue',
    });
    expect(problem).toMatch(/^invalid settings \(connectors\/sap-s4 config schema\): /);
    expect(problem).toContain('settings: missing required setting "password"');
    expect(problem).toContain('settings: unknown setting "colour"');
    expect(problem).toContain('settings/baseUrl: must match format "uri"');
    expect(problem).toContain('settings/pageSize: must be integer');
  });

  it('makes an instance with invalid settings unavailable with the reason, leaving the others running', async () => {
    const slots = await buildConnectors([
      {
        id: 'erp',
        type: 'sap-s4',
        enabled: true,
        settings: { baseUrl: 'https://s4.example.com/sap', username: 'u' },
      },
      {
        id: 'stripe',
        type: 'stripe',
        enabled: true,
        settings: { secrets: [new Secret('whsec_abc', 'test')] },
      },
    ]);
    expect(slots.get('erp')).toMatchObject({
      unavailable: expect.stringContaining('missing required setting "password"'),
    });
    expect(slots.get('erp')?.polled).toBeUndefined();
    expect(slots.get('stripe')?.webhook).toBeDefined();
  });
});
