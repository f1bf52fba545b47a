/**
 * A new polled REST connector, end to end, as an integration architect adds one: in a copy of the
 * repository, `exhub connectors new acme-erp --kind rest` writes the connector folder, its line in
 * connectors/definitions.ts and its type in the config schema's enum. The only other files written
 * by hand are its mapping and its config entry. Then `nest build hub` builds that copy, the built hub
 * runs against the connector's own simulator, lists the instance in GET /v1/connectors, and
 * publishes the simulator's items as canonical exceptions.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as amqp from 'amqplib';
import { validateCanonicalException } from '@exhub/canonical';
import { buildTopology, declareTopology, deleteTopology } from '@exhub/messaging';
import { scanBuild } from '../../support/build-scan';
import { HubProcess } from '../../support/hub-process';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';

const ROOT = join(__dirname, '../../..');
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');
const NAME = 'acme-erp';
/** What a checkout needs to build and run the hub (tests, benches and docs are left out). */
const SKIPPED = new Set([
  'node_modules',
  'dist',
  '.git',
  '.tools',
  'data',
  'test',
  'bench',
  'docs',
  'coverage',
  '.jest-results.json',
]);

const MAPPING = `# yaml-language-server: $schema=../../schemas/mapping.schema.json
id: ${NAME}.item-on-hold
description: An item the ERP holds; nothing moves until someone clears the hold.
source: { system: ${NAME}, objectType: item }
match: status = 'on_hold'
fields:
  domain:
    value: finance
    description: A held item is a finance matter.
  process:
    value: procure_to_pay
    description: The ERP's held items are supplier invoices.
  type:
    value: payment_hold
    description: Every item on hold.
  title:
    expr: "'Item ' & id & ' on hold'"
    description: The item on hold.
  summary:
    expr: "'Acme ERP holds item ' & id & ' (amount ' & amount & ').'"
    description: Which item, and its amount as the ERP sends it.
  source.objectType:
    value: item
    description: The ERP's item.
  source.objectId:
    expr: id
    description: The item id; with the type, the natural key of the exception.
  occurredAt:
    expr: $toUtc(updatedAt)
    description: When the ERP last changed the item, in UTC.
`;

describe(`a scaffolded polled REST connector (${NAME}) runs in the built hub`, () => {
  let checkout: string;
  let hub: HubProcess | undefined;
  let sim: { baseUrl: string; close(): Promise<void> } | undefined;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const storeUrl = `sqlite:${join(tmpdir(), `exhub-e2e-${prefix}.db`)}`;
  let handEdits: string[] = [];

  beforeAll(async () => {
    checkout = mkdtempSync(join(tmpdir(), 'exhub-scaffolded-'));
    cpSync(ROOT, checkout, {
      recursive: true,
      filter: (src) => {
        const rel = relative(ROOT, src);
        return rel === '' || !SKIPPED.has(rel.split('/')[0]);
      },
    });
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));

    const scaffold = spawnSync(
      process.execPath,
      [CLI, 'connectors', 'new', NAME, '--kind', 'rest', '--dir', join(checkout, 'connectors')],
      { cwd: checkout, encoding: 'utf8', timeout: 60_000 },
    );
    expect(scaffold.stderr).toBe('');
    expect(scaffold.status).toBe(0);
    expect(scaffold.stdout).toContain(`registered ${NAME} in ${join(checkout, 'connectors')}`);
    expect(scaffold.stdout).toContain(
      `registered ${NAME} in ${join(checkout, 'schemas/exhub.config.schema.json')}`,
    );

    // The connector's own simulator (test code, in its testing/ folder), serving the scaffold's
    // fixture items.
    const simModule = (await import(join(checkout, `connectors/${NAME}/testing/index.ts`))) as {
      AcmeErpSimulator: { start(): Promise<{ baseUrl: string; close(): Promise<void> }> };
      SIM_USER: string;
      SIM_PASSWORD: string;
    };
    sim = await simModule.AcmeErpSimulator.start();

    // The two hand edits outside the connector's folder: its mapping and its config entry.
    mkdirSync(join(checkout, `mappings/${NAME}`));
    writeFileSync(join(checkout, `mappings/${NAME}/item.mapping.yaml`), MAPPING);
    const config = readFileSync(join(checkout, 'exhub.config.yaml'), 'utf8').replace(
      /^connectors:\n/m,
      `connectors:\n  - id: ${NAME}\n    type: ${NAME}\n    description: The scaffolded connector, on its simulator.\n` +
        `    settings:\n      baseUrl: ${sim.baseUrl}\n      username: ${simModule.SIM_USER}\n` +
        `      password: \${ACME_ERP_PASSWORD}\n      pollIntervalSeconds: 1\n`,
    );
    writeFileSync(join(checkout, 'exhub.config.yaml'), config);
    handEdits = [`mappings/${NAME}/item.mapping.yaml`, 'exhub.config.yaml'];

    const build = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build', 'hub'],
      { cwd: checkout, encoding: 'utf8', timeout: 600_000 },
    );
    expect(build.stdout + build.stderr).toBe('');
    expect(build.status).toBe(0);

    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    const topology = buildTopology({ prefix });
    await declareTopology(channel, topology);
    queue = await subscribe(channel, topology.names.exceptions, '#');

    hub = await HubProcess.start({
      prefix,
      amqpUrl: AMQP_URL,
      stripeSecret: 'whsec_scaffolded',
      main: join(checkout, 'dist/apps/hub/src/main.js'),
      cwd: checkout,
      env: {
        ACME_ERP_PASSWORD: simModule.SIM_PASSWORD,
        // The shipped config's other webhook instance waits for its secret (readiness 503).
        ISO20022_WEBHOOK_SECRET: 'scaffolded-iso-secret',
        EXHUB_STORE_URL: storeUrl,
      },
    });
  }, 900_000);

  afterAll(async () => {
    await hub?.stop().catch(() => undefined);
    if (channel) await deleteTopology(channel, buildTopology({ prefix })).catch(() => undefined);
    await client?.close().catch(() => undefined);
    await sim?.close();
    if (checkout) rmSync(checkout, { recursive: true, force: true });
    rmSync(storeUrl.slice('sqlite:'.length), { force: true });
  });

  it('needed no hand edit outside its folder but its mapping and its config entry', () => {
    const git = spawnSync('git', ['status', '--porcelain', '--untracked-files=all', '.'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    // The repository itself is untouched: everything happened in the copy.
    expect(git.stdout.split('\n').filter((l) => l.includes(NAME))).toEqual([]);
    const list = readFileSync(join(checkout, 'connectors/definitions.ts'), 'utf8');
    expect(list).toContain("import { acmeErpDefinition } from './acme-erp/definition';");
    expect(handEdits).toEqual([`mappings/${NAME}/item.mapping.yaml`, 'exhub.config.yaml']);
  });

  it("builds without its simulator: the copy's dist/ holds no test code", () => {
    const scan = scanBuild(join(checkout, 'dist'));
    expect(scan.files).toContain(`connectors/${NAME}/${NAME}.connector.js`);
    expect(scan.offences).toEqual([]);
  });

  it('is listed by GET /v1/connectors as a polled connector whose check passes', async () => {
    const keys = spawnSync(
      process.execPath,
      [CLI, 'keys', 'create', '--role', 'viewer', '--name', 'e2e-scaffolded', '--json'],
      { cwd: checkout, encoding: 'utf8', env: { ...process.env, EXHUB_STORE_URL: storeUrl } },
    );
    expect(keys.status).toBe(0);
    const { key } = JSON.parse(keys.stdout) as { key: string };
    const deadline = Date.now() + 20_000;
    let listed: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      const res = await fetch(`${hub!.url}/v1/connectors`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { connectors: Record<string, unknown>[] };
      listed = body.connectors.find((c) => c.id === NAME);
      if (listed?.lastPollAt) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(listed).toMatchObject({
      id: NAME,
      type: NAME,
      kind: 'poll',
      enabled: true,
      polledHere: true,
      breaker: 'closed',
      intervalSeconds: 1,
      lastError: null,
    });
    expect(listed?.lastPollAt).toEqual(expect.any(String));
  });

  it("publishes the simulator's items as valid canonical exceptions through its mapping", async () => {
    const messages = await take(channel, queue, 3, 30_000);
    const exceptions = messages.map(
      (m) => JSON.parse(m.content.toString('utf8')) as Record<string, unknown>,
    );
    expect(exceptions.map((e) => validateCanonicalException(e).ok)).toEqual([true, true, true]);
    expect(
      exceptions
        .map((e) => {
          const source = e.source as { system: string; objectId: string };
          return `${source.system} ${source.objectId} ${String(e.type)}`;
        })
        .sort(),
    ).toEqual([
      `${NAME} item-1 payment_hold`,
      `${NAME} item-2 payment_hold`,
      `${NAME} item-3 payment_hold`,
    ]);
  });
});
