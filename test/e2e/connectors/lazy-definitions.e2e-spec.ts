/**
 * The one list of connector definitions (connectors/definitions.ts) loads no connector SDK: a hub
 * that runs only Stripe never loads soap (NetSuite) or jsforce (Salesforce). Checked on the built
 * hub (`npm run build`), in a fresh Node process, so nothing else has loaded them before.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const DIST = join(__dirname, '../../../dist');
const TYPES = join(DIST, 'apps/hub/src/connectors/connector-types.js');

describe('connector definitions are loaded lazily', () => {
  it('builds a Stripe connector from the list without loading soap or jsforce', () => {
    if (!existsSync(TYPES))
      throw new Error(`${TYPES} does not exist — run \`npm run build\` first`);
    // What a process has loaded: connector SDKs and the connectors' own modules.
    const script = `
      const { WEBHOOK_CONNECTOR_TYPES, POLL_CONNECTOR_TYPES } = require(${JSON.stringify(TYPES)});
      const loaded = () => Object.keys(require.cache)
        .map((f) => f.replace(/\\\\/g, '/'))
        .flatMap((f) => {
          const sdk = /node_modules\\/(soap|jsforce)\\//.exec(f);
          const own = /connectors\\/[^/]+\\/([^/]+\\.connector)\\.js$/.exec(f);
          return sdk ? [sdk[1]] : own ? [own[1]] : [];
        })
        .filter((x, i, all) => all.indexOf(x) === i)
        .sort();
      const listed = loaded();
      WEBHOOK_CONNECTOR_TYPES.stripe({ id: 'stripe', settings: { secrets: ['whsec_x'] } }).then(async () => {
        const afterStripe = loaded();
        await POLL_CONNECTOR_TYPES.netsuite({ id: 'ns', settings: {
          endpoint: 'https://1234567.suitetalk.api.netsuite.com/services/NetSuitePort_2015_1',
          account: 'a', consumerKey: 'k', consumerSecret: 's', tokenId: 't', tokenSecret: 'u',
        } }).catch(() => undefined);
        console.log(JSON.stringify({ listed, afterStripe, afterNetSuite: loaded() }));
      });`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }),
    ) as {
      listed: string[];
      afterStripe: string[];
      afterNetSuite: string[];
    };
    expect(out.listed).toEqual([]);
    expect(out.afterStripe).toEqual(['stripe.connector']);
    // The check sees a load: building a NetSuite instance loads its module (the SOAP client).
    expect(out.afterNetSuite).toContain('netsuite.connector');
  });
});
