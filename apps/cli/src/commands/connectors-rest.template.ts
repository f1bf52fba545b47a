/**
 * The files `exhub connectors new <name> --kind rest` writes: a polled REST connector on
 * libs/resilience, its simulator, fixtures, a spec running the contract kit, and a README whose
 * config table is generated from the schema. They pass the kit as generated.
 */
import { generateConfigReference } from '@exhub/connector-sdk';
import type { ConfigSchema } from '@exhub/connector-sdk';

/**
 * The item checks of a scaffolded polling connector (REST and SOAP alike): the keys that place an
 * item in the keyset order, and what the hub reads of it. Generated source, kept in one place.
 */
export const ITEM_CHECKS = `/** What an item id may hold; a placeholder such as "n/a (imported)" is set aside. */
const ITEM_ID = /^[A-Za-z0-9_.:-]+$/;

/** The fields that place an item in the keyset order. */
function itemKeyIssues(item: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  if (typeof item.id !== 'string' || item.id === '')
    issues.push({ pointer: '/id', rule: 'required', message: 'must be a non-empty string' });
  if (typeof item.updatedAt !== 'string' || Number.isNaN(Date.parse(item.updatedAt)))
    issues.push({ pointer: '/updatedAt', rule: 'format', message: 'must be an ISO 8601 time' });
  return issues;
}

/** What the hub reads of an item beyond its place: an id it can key exceptions on. */
function itemIssues(item: Record<string, unknown>): Issue[] {
  return typeof item.id === 'string' && item.id !== '' && !ITEM_ID.test(item.id)
    ? [{ pointer: '/id', rule: 'pattern', message: 'must be letters, digits and _.:- (not a placeholder)' }]
    : [];
}`;

export interface Names {
  /** kebab-case: folder, system, file prefix. */
  name: string;
  /** PascalCase: class names. */
  pascal: string;
  /** UPPER_SNAKE: constants. */
  upper: string;
}

/** camelCase of the name, for functions (`acmeErpFromSettings`). */
export const camelOf = (n: Names): string => n.pascal[0].toLowerCase() + n.pascal.slice(1);

export function restSchema(n: Names): ConfigSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://exhub.dev/schemas/connectors/${n.name}.config.schema.json`,
    title: `${n.pascal} connector settings`,
    description: `The \`settings\` of a connector instance of type \`${n.name}\` in exhub.config.yaml.`,
    type: 'object',
    additionalProperties: false,
    required: ['baseUrl', 'username', 'password'],
    properties: {
      baseUrl: {
        description: 'Root URL of the API; items are read from <baseUrl>/items.',
        type: 'string',
        format: 'uri',
        examples: ['https://api.example.com/v1'],
      },
      username: {
        description: 'API user, as an environment reference.',
        type: 'string',
        'x-secret': true,
        examples: [`\${${n.upper}_USER}`],
      },
      password: {
        description: "The API user's password, as an environment reference; never printed.",
        type: 'string',
        'x-secret': true,
        examples: [`\${${n.upper}_PASSWORD}`],
      },
      allowedHosts: {
        description:
          'Hosts the connector may call, redirects included. Default: the host of baseUrl only.',
        type: 'array',
        items: { type: 'string' },
        examples: [['api.example.com']],
      },
      pollIntervalSeconds: {
        description: 'Seconds between two polls.',
        type: 'integer',
        minimum: 1,
        default: 60,
        examples: [60],
      },
      pageSize: {
        description: 'Items per request.',
        type: 'integer',
        minimum: 1,
        default: 50,
        examples: [50],
      },
    },
  };
}

export function restFiles(n: Names): Record<string, string> {
  const schema = restSchema(n);
  const camel = camelOf(n);
  return {
    [`${n.name}.config.schema.json`]: `${JSON.stringify(schema, null, 2)}\n`,
    [`${n.name}.constants.ts`]: `/** Every default and protocol constant of the ${n.name} connector. */
export const ${n.upper}_SYSTEM = '${n.name}';
/** The objectType of every SourceEvent this connector publishes (picks the mappings). */
export const ${n.upper}_OBJECT_TYPE = 'item';
export const ${n.upper}_ENDPOINT = 'items';
export const ${n.upper}_DEFAULT_PAGE_SIZE = 50;
`,
    [`${n.name}.connector.ts`]: `import type {
  ConfigSchema,
  ConnectionCheck,
  Connector,
  ConnectorBreakerState,
  PollResult,
} from '@exhub/connector-sdk';
import { InvalidPayloadError, type Issue } from '@exhub/core';
import { pollSettings, screenRecords, type PollConnectorOptions } from '@exhub/connector-sdk';
import { basicAuth } from '@exhub/resilience';
import type { BreakerMetrics } from '@exhub/resilience';
import { ResilientHttpClient } from '@exhub/resilience';
import configSchema from './${n.name}.config.schema.json';
import {
  ${n.upper}_DEFAULT_PAGE_SIZE,
  ${n.upper}_ENDPOINT,
  ${n.upper}_OBJECT_TYPE,
  ${n.upper}_SYSTEM,
} from './${n.name}.constants';

export const ${n.upper}_CONFIG_SCHEMA = configSchema as unknown as ConfigSchema;

export interface ${n.pascal}ConnectorConfig extends PollConnectorOptions {
  baseUrl: string;
  username: string | { reveal(): string };
  password: string | { reveal(): string };
}

/** Keyset position: \`<updatedAt>|<id>\` of the last item read. */
export interface ${n.pascal}Cursor {
  after?: string;
}

interface Item {
  id: string;
  updatedAt: string;
}

const reveal = (s: string | { reveal(): string }): string => (typeof s === 'string' ? s : s.reveal());
${ITEM_CHECKS}
/** Polls <baseUrl>/items?after=<cursor>&limit=<pageSize> (items ordered by updatedAt, id). */
export class ${n.pascal}Connector implements Connector<${n.pascal}Cursor> {
  readonly system = ${n.upper}_SYSTEM;
  readonly kind = 'poll' as const;
  readonly configSchema = ${n.upper}_CONFIG_SCHEMA;
  readonly client: ResilientHttpClient;

  constructor(private readonly config: ${n.pascal}ConnectorConfig) {
    this.client = new ResilientHttpClient({
      connector: config.id,
      baseUrl: config.baseUrl,
      allowedHosts: config.allowedHosts,
      timeoutMs: config.timeoutMs,
      auth: basicAuth(reveal(config.username), reveal(config.password)),
      retry: config.retry,
      breaker: config.breaker,
      metrics: config.metrics,
    });
  }

  get id(): string {
    return this.config.id;
  }

  breakerState(): ConnectorBreakerState {
    return this.client.breakerState;
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await this.client.getJson(${n.upper}_ENDPOINT, \`/\${${n.upper}_ENDPOINT}\`, { limit: 1 });
      return { ok: true, detail: \`\${${n.upper}_ENDPOINT} answered\` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async poll(cursor: ${n.pascal}Cursor | undefined): Promise<PollResult<${n.pascal}Cursor>> {
    const limit = this.config.pageSize ?? ${n.upper}_DEFAULT_PAGE_SIZE;
    const res = await this.client.getJson<{ items?: unknown; hasMore?: unknown }>(
      ${n.upper}_ENDPOINT,
      \`/\${${n.upper}_ENDPOINT}\`,
      { after: cursor?.after, limit },
    );
    const items = res.data?.items;
    if (!Array.isArray(items)) {
      throw new InvalidPayloadError('parse', \`connector '\${this.id}': invalid \${${n.upper}_ENDPOINT} page\`, [
        { pointer: '/items', rule: 'required', message: 'must be an array of items' },
      ]);
    }
    // One bad item is set aside alone (the runner dead-letters it); the cursor moves past it.
    const page = screenRecords(items, ${n.upper}_OBJECT_TYPE, '/items', itemIssues, itemKeyIssues);
    const last = page.placed.at(-1) as unknown as Item | undefined;
    return {
      events: page.valid.map(({ record }) => {
        const item = record as unknown as Item;
        return {
          objectType: ${n.upper}_OBJECT_TYPE,
          payload: item,
          sourceEventId: \`\${item.id}@\${item.updatedAt}\`,
          changedAt: item.updatedAt,
        };
      }),
      rejected: page.rejected,
      nextCursor: last ? { after: \`\${last.updatedAt}|\${last.id}\` } : { ...cursor },
      hasMore: res.data.hasMore === true,
    };
  }

  async close(): Promise<void> {
    this.client.shutdown();
  }
}

/** Builds the connector from an instance's resolved \`settings\` (see ${n.name}.config.schema.json). */
export function ${camel}FromSettings(
  id: string,
  s: Record<string, unknown>,
  metrics?: BreakerMetrics,
): ${n.pascal}Connector {
  return new ${n.pascal}Connector({
    ...pollSettings(id, s, metrics),
    baseUrl: String(s.baseUrl),
    username: s.username as ${n.pascal}ConnectorConfig['username'],
    password: s.password as ${n.pascal}ConnectorConfig['password'],
  });
}
`,
    'testing/simulator.ts': `/**
 * A fake of the ${n.name} API over real HTTP: GET /items?after=&limit= with basic auth, and
 * switches that inject 5xx, 429 + Retry-After, 401, a malformed body or a slow answer. Listening,
 * \`stop()\` / \`start()\` on the same port, \`fail()\` / \`heal()\` and \`requests\` come from
 * SimulatorServer. Test code: testing/ is left out of the build and the image.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SimulatorServer } from '../../../libs/connector-sdk/testing';

export type Failure = '5xx' | '429' | '401' | 'malformed' | 'slow';
export type SimItem = { id: string; updatedAt: string } & Record<string, unknown>;
export const SIM_USER = 'exhub';
export const SIM_PASSWORD = 'sim-password';

export class ${n.pascal}Simulator extends SimulatorServer<Failure> {
  items: SimItem[] = JSON.parse(readFileSync(join(__dirname, '../fixtures/items.json'), 'utf8')) as SimItem[];

  constructor(private readonly o: { retryAfterSeconds?: number; slowMs?: number } = {}) {
    super();
  }

  static async start(o: { retryAfterSeconds?: number; slowMs?: number } = {}): Promise<${n.pascal}Simulator> {
    const sim = new ${n.pascal}Simulator(o);
    await sim.start();
    return sim;
  }

  get baseUrl(): string {
    return \`http://127.0.0.1:\${this.port}\`;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/items') return void res.writeHead(404).end();
    this.requests++;
    const kind = this.nextFailure();
    if (kind === 'slow') await new Promise((r) => setTimeout(r, this.o.slowMs ?? 2000));
    const auth = \`Basic \${Buffer.from(\`\${SIM_USER}:\${SIM_PASSWORD}\`).toString('base64')}\`;
    if (kind === '401' || req.headers.authorization !== auth) return void res.writeHead(401).end();
    if (kind === '5xx') return void res.writeHead(503).end();
    if (kind === '429')
      return void res.writeHead(429, { 'retry-after': String(this.o.retryAfterSeconds ?? 1) }).end();
    res.setHeader('content-type', 'application/json');
    if (kind === 'malformed') return void res.end('{"items":[{"id":');
    const after = url.searchParams.get('after') ?? '';
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const sorted = [...this.items]
      .map((i) => ({ key: \`\${i.updatedAt}|\${i.id}\`, i }))
      .filter((x) => x.key > after)
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    res.end(JSON.stringify({ items: sorted.slice(0, limit).map((x) => x.i), hasMore: sorted.length > limit }));
  }
}
`,
    'fixtures/items.json': `${JSON.stringify(
      [
        { id: 'item-1', updatedAt: '2026-03-01T10:00:00Z', status: 'on_hold', amount: '100.00' },
        { id: 'item-2', updatedAt: '2026-03-01T11:00:00Z', status: 'on_hold', amount: '250.00' },
        { id: 'item-3', updatedAt: '2026-03-02T09:30:00Z', status: 'on_hold', amount: '75.50' },
      ],
      null,
      2,
    )}\n`,
    'fixtures/README.md': `# ${n.name} fixtures\n\n\`items.json\`: placeholder items written by the scaffold. Replace them with recorded answers of the real API and say here where each came from and under which licence.\n`,
    [`${n.name}.connector.spec.ts`]: `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractConfigReference, generateConfigReference } from '@exhub/connector-sdk';
import { runConnectorContract } from '../../libs/connector-sdk/testing';
import { ${n.upper}_CONFIG_SCHEMA, ${n.pascal}Connector } from './${n.name}.connector';
import { ${n.pascal}Simulator, SIM_PASSWORD, SIM_USER } from './testing';

const RETRY_AFTER_SECONDS = 1;
const BREAKER_RESET_MS = 300;
let serial = 0;

runConnectorContract('${n.name}', async () => {
  const sim = await ${n.pascal}Simulator.start({ retryAfterSeconds: RETRY_AFTER_SECONDS });
  const connector = new ${n.pascal}Connector({
    id: '${n.name}-test',
    baseUrl: sim.baseUrl,
    username: SIM_USER,
    password: SIM_PASSWORD,
    pageSize: 2,
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 },
    breaker: { resetTimeoutMs: BREAKER_RESET_MS, volumeThreshold: 2 },
  });
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
      addNewItems: (count) => {
        for (let i = 0; i < count; i++) {
          serial++;
          sim.items.push({ id: \`new-\${serial}\`, updatedAt: new Date(Date.UTC(2026, 5, 1) + serial * 1000).toISOString() });
        }
      },
      addPoisonItem: () => {
        serial++;
        sim.items.push({ id: 'n/a (imported)', updatedAt: new Date(Date.UTC(2026, 5, 1) + serial * 1000).toISOString() });
      },
    },
    close: async () => {
      await connector.close();
      await sim.close();
    },
  };
});

it('has a README whose config table is generated from ${n.name}.config.schema.json', () => {
  const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
  expect(extractConfigReference(readme)).toBe(generateConfigReference(${n.upper}_CONFIG_SCHEMA));
});
`,
    'index.ts': `export * from './${n.name}.connector';
export * from './${n.name}.constants';
`,
    'testing/index.ts': `// Test-only: the simulator the contract kit runs against (left out of the build and the image).
export * from './simulator';
`,
    'README.md': `# ${n.name} connector (poll)

Scaffolded by \`exhub connectors new ${n.name} --kind rest\`. Polls \`<baseUrl>/items\` with keyset
paging (\`after=<updatedAt>|<id>\`), basic authentication, and publishes each item as a SourceEvent
with \`objectType\` \`item\`. Replace the request and validation in \`${n.name}.connector.ts\`, the
simulator and the fixtures with the real API's; keep the contract kit green. See
[Adding a connector](../README.md#adding-a-connector) for the remaining steps (mappings,
registration, e2e).

## Configure

${generateConfigReference(schema)}
`,
  };
}
