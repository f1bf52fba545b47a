import { join } from 'node:path';
import { Secret, loadHubConfig } from '../../../../libs/config/src';
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

  it('accepts every instance shipped in exhub.config.yaml', async () => {
    const config = loadHubConfig(join(ROOT, 'exhub.config.yaml'), {
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      ISO20022_WEBHOOK_SECRET: 'iso-secret',
      ZENDESK_WEBHOOK_SECRET: 'zd-secret',
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
