/**
 * The files `exhub connectors new <name> --kind soap` writes: a polled SOAP connector with a
 * small local WSDL (one search-like operation, `searchItems`), `soap` loaded lazily through
 * libs/resilience's `ResilientSoapClient` (the hub's transport, breaker and retries), a SOAP
 * simulator built with soap's `listen` from the same WSDL with the contract kit's failure
 * switches, fixtures, a spec running the contract kit, and a README whose config table is
 * generated from the schema. They pass the kit as generated.
 */
import { generateConfigReference } from '@exhub/connector-sdk';
import type { ConfigSchema } from '@exhub/connector-sdk';
import { camelOf, ITEM_CHECKS, type Names } from './connectors-rest.template';
import type { ScaffoldFiles } from './connectors-webhook.template';

export function soapSchema(n: Names): ConfigSchema {
  const example = {
    endpoint: `https://soap.example.com/services/${n.pascal}Port`,
    username: `\${${n.upper}_USER}`,
    password: `\${${n.upper}_PASSWORD}`,
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://exhub.dev/schemas/connectors/${n.name}.config.schema.json`,
    title: `${n.pascal} SOAP connector settings`,
    description: `The \`settings\` of a connector instance of type \`${n.name}\` in exhub.config.yaml.`,
    type: 'object',
    additionalProperties: false,
    required: ['endpoint', 'username', 'password'],
    properties: {
      endpoint: {
        description:
          "URL of the SOAP port (overrides the WSDL's soap:address); the WSDL itself is read from the connector's wsdl/ folder, never fetched.",
        type: 'string',
        format: 'uri',
        examples: [example.endpoint],
      },
      username: {
        description: 'WS-Security UsernameToken user, as an environment reference.',
        type: 'string',
        'x-secret': true,
        examples: [example.username],
      },
      password: {
        description:
          "The user's password (sent as a UsernameToken PasswordText: use an https endpoint), as an environment reference; never printed.",
        type: 'string',
        'x-secret': true,
        examples: [example.password],
      },
      allowedHosts: {
        description: 'Hosts the connector may call. Default: the host of endpoint only.',
        type: 'array',
        items: { type: 'string' },
        examples: [['soap.example.com']],
      },
      pollIntervalSeconds: {
        description: 'Seconds between two polls.',
        type: 'integer',
        minimum: 1,
        default: 60,
        examples: [60],
      },
      pageSize: {
        description: 'Items per searchItems call.',
        type: 'integer',
        minimum: 1,
        default: 50,
        examples: [50],
      },
      timeoutMs: {
        description: 'Time limit of one SOAP call, in milliseconds.',
        type: 'integer',
        minimum: 1,
        default: 15000,
        examples: [15000],
      },
    },
    examples: [example],
  };
}

export function soapFiles(n: Names): ScaffoldFiles {
  const schema = soapSchema(n);
  const camel = camelOf(n);
  const connector: Record<string, string> = {
    [`${n.name}.config.schema.json`]: `${JSON.stringify(schema, null, 2)}\n`,
    [`wsdl/${n.name}.wsdl`]: `<?xml version="1.0" encoding="UTF-8"?>
<!--
  The ${n.name} service as the connector and the simulator know it: one document/literal
  operation, searchItems (items changed after a keyset position, a page at a time). Written by the
  SOAP scaffold of \`exhub connectors new\`; replace it with the subset of the real service's WSDL
  the connector needs (keep it local: the connector never fetches a WSDL).
-->
<definitions name="${n.pascal}"
  targetNamespace="urn:exhub:${n.name}"
  xmlns="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:tns="urn:exhub:${n.name}"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <types>
    <xsd:schema targetNamespace="urn:exhub:${n.name}" elementFormDefault="qualified">
      <xsd:complexType name="Item">
        <xsd:sequence>
          <xsd:element name="id" type="xsd:string"/>
          <xsd:element name="updatedAt" type="xsd:dateTime"/>
          <xsd:element name="status" type="xsd:string" minOccurs="0"/>
          <xsd:element name="amount" type="xsd:decimal" minOccurs="0"/>
          <xsd:element name="currency" type="xsd:string" minOccurs="0"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="searchItems">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="after" type="xsd:string" minOccurs="0"/>
            <xsd:element name="limit" type="xsd:int"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="searchItemsResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="item" type="tns:Item" minOccurs="0" maxOccurs="unbounded"/>
            <xsd:element name="hasMore" type="xsd:boolean"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="authenticationFault">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="code" type="xsd:string"/>
            <xsd:element name="message" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </types>
  <message name="searchItemsRequest">
    <part name="parameters" element="tns:searchItems"/>
  </message>
  <message name="searchItemsResponse">
    <part name="parameters" element="tns:searchItemsResponse"/>
  </message>
  <portType name="${n.pascal}PortType">
    <operation name="searchItems">
      <input message="tns:searchItemsRequest"/>
      <output message="tns:searchItemsResponse"/>
    </operation>
  </portType>
  <binding name="${n.pascal}Binding" type="tns:${n.pascal}PortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="searchItems">
      <soap:operation soapAction="urn:exhub:${n.name}/searchItems"/>
      <input><soap:body use="literal"/></input>
      <output><soap:body use="literal"/></output>
    </operation>
  </binding>
  <service name="${n.pascal}Service">
    <port name="${n.pascal}Port" binding="tns:${n.pascal}Binding">
      <soap:address location="http://localhost:4050/services/${n.pascal}Port"/>
    </port>
  </service>
</definitions>
`,
    [`${n.name}.constants.ts`]: `/** Every default and protocol constant of the ${n.name} connector. */
export const ${n.upper}_SYSTEM = '${n.name}';
/** The objectType of every SourceEvent this connector publishes (picks the mappings). */
export const ${n.upper}_OBJECT_TYPE = 'item';
/** The SOAP port: one endpoint, so one circuit breaker (metric label \`endpoint\`). */
export const ${n.upper}_PORT = '${n.pascal}Port';
/** Path of the port on the service's host. */
export const ${n.upper}_SERVICE_PATH = '/services/${n.pascal}Port';
/** The local WSDL the \`soap\` client and the simulator are built from (never fetched). */
export const ${n.upper}_WSDL_FILE = '${n.name}.wsdl';
export const ${n.upper}_NAMESPACE = 'urn:exhub:${n.name}';
export const ${n.upper}_DEFAULT_PAGE_SIZE = 50;
/** WS-Security 1.0 (the UsernameToken header). */
export const WSSE_NAMESPACE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSSE_PASSWORD_TEXT =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
/** Fault detail elements and codes that mean the credentials were refused (→ AUTH). */
export const ${n.upper}_AUTH_FAULTS: ReadonlySet<string> = new Set([
  'authenticationFault',
  'INVALID_CREDENTIALS',
]);
/** Fault detail elements and codes that mean "too many requests now" (→ RATE_LIMITED). */
export const ${n.upper}_RATE_FAULTS: ReadonlySet<string> = new Set([
  'requestLimitFault',
  'REQUEST_LIMIT_EXCEEDED',
]);
`,
    [`${n.name}.connector.ts`]: `import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ConfigSchema,
  ConnectionCheck,
  Connector,
  ConnectorBreakerState,
  PollResult,
} from '@exhub/connector-sdk';
import { InvalidPayloadError, type Issue } from '@exhub/core';
import {
  pollSettings,
  screenRecords,
  type PollConnectorOptions,
  type ScreenedPage,
} from '@exhub/connector-sdk';
import type { BreakerMetrics } from '@exhub/resilience';
import { classifySoapFailure, ResilientSoapClient } from '@exhub/resilience';
import configSchema from './${n.name}.config.schema.json';
import {
  WSSE_NAMESPACE,
  WSSE_PASSWORD_TEXT,
  ${n.upper}_AUTH_FAULTS,
  ${n.upper}_DEFAULT_PAGE_SIZE,
  ${n.upper}_OBJECT_TYPE,
  ${n.upper}_PORT,
  ${n.upper}_RATE_FAULTS,
  ${n.upper}_SYSTEM,
  ${n.upper}_WSDL_FILE,
} from './${n.name}.constants';

export const ${n.upper}_CONFIG_SCHEMA = configSchema as unknown as ConfigSchema;

/** Beside the source, or (built into dist/) back in the source tree. */
export const ${n.upper}_WSDL_PATH = [
  join(__dirname, 'wsdl', ${n.upper}_WSDL_FILE),
  join(__dirname, '../../../connectors/${n.name}/wsdl', ${n.upper}_WSDL_FILE),
].find((p) => existsSync(p)) as string;

type SecretLike = string | { reveal(): string };

export interface ${n.pascal}ConnectorConfig extends PollConnectorOptions {
  /** The SOAP port URL; overrides the WSDL's soap:address. */
  endpoint: string;
  username: SecretLike;
  password: SecretLike;
}

/** Keyset position: \`<updatedAt>|<id>\` of the last item read. */
export interface ${n.pascal}Cursor {
  after?: string;
}

interface Item {
  id: string;
  updatedAt: string;
}

const reveal = (s: SecretLike): string => (typeof s === 'string' ? s : s.reveal());
${ITEM_CHECKS}

export const xmlText = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Polls the ${n.name} SOAP service: \`searchItems(after, limit)\` returns the items changed after a
 * keyset position, oldest first. Through libs/resilience's \`ResilientSoapClient\`: \`soap\` loaded
 * lazily from the local WSDL, allowed hosts, time and size limits, one breaker for the port,
 * retries with backoff and Retry-After, and every fault turned into a hub error class.
 */
export class ${n.pascal}Connector implements Connector<${n.pascal}Cursor> {
  readonly system = ${n.upper}_SYSTEM;
  readonly kind = 'poll' as const;
  readonly configSchema = ${n.upper}_CONFIG_SCHEMA;
  readonly client: ResilientSoapClient;
  // True private fields: util.inspect, JSON.stringify and log serialisers cannot see them.
  readonly #username: string;
  readonly #password: string;

  constructor(private readonly config: ${n.pascal}ConnectorConfig) {
    this.#username = reveal(config.username);
    this.#password = reveal(config.password);
    this.client = new ResilientSoapClient({
      connector: config.id,
      port: ${n.upper}_PORT,
      wsdlPath: ${n.upper}_WSDL_PATH,
      endpoint: config.endpoint,
      allowedHosts: config.allowedHosts,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      breaker: config.breaker,
      metrics: config.metrics,
      classify: (status, retryAfter, body, where) =>
        classifySoapFailure(status, retryAfter, body, where, {
          auth: ${n.upper}_AUTH_FAULTS,
          rateLimited: ${n.upper}_RATE_FAULTS,
          authAdvice: "check the instance's username and password",
        }),
      headers: () => this.usernameToken(),
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
      await this.client.call('searchItems', { limit: 1 });
      return { ok: true, detail: \`\${${n.upper}_PORT} searchItems answered\` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async poll(cursor: ${n.pascal}Cursor | undefined): Promise<PollResult<${n.pascal}Cursor>> {
    const limit = this.config.pageSize ?? ${n.upper}_DEFAULT_PAGE_SIZE;
    const res = await this.client.call('searchItems', {
      ...(cursor?.after !== undefined && { after: cursor.after }),
      limit,
    });
    // One bad item is set aside alone (the runner dead-letters it); the cursor moves past it.
    const page = this.items(res);
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
      hasMore: res.hasMore === true || res.hasMore === 'true',
    };
  }

  async close(): Promise<void> {
    this.client.shutdown();
  }

  /** The items of a searchItemsResponse as \`soap\` parsed it; a broken envelope refuses the page. */
  private items(res: Record<string, unknown>): ScreenedPage {
    const raw = res.item === undefined ? [] : Array.isArray(res.item) ? res.item : [res.item];
    if (typeof res.hasMore !== 'boolean' && res.hasMore !== 'true' && res.hasMore !== 'false') {
      throw new InvalidPayloadError(
        'parse',
        \`connector '\${this.id}' \${${n.upper}_PORT} searchItems: /hasMore must be a boolean\`,
        [{ pointer: '/hasMore', rule: 'required', message: 'must be a boolean' }],
      );
    }
    return screenRecords(raw as unknown[], ${n.upper}_OBJECT_TYPE, '/item', itemIssues, itemKeyIssues);
  }

  /** WS-Security UsernameToken (PasswordText): send it over HTTPS only. */
  private usernameToken(): string {
    return (
      \`<wsse:Security xmlns:wsse="\${WSSE_NAMESPACE}"><wsse:UsernameToken>\` +
      \`<wsse:Username>\${xmlText(this.#username)}</wsse:Username>\` +
      \`<wsse:Password Type="\${WSSE_PASSWORD_TEXT}">\${xmlText(this.#password)}</wsse:Password>\` +
      \`</wsse:UsernameToken></wsse:Security>\`
    );
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
    endpoint: String(s.endpoint),
    username: s.username as SecretLike,
    password: s.password as SecretLike,
  });
}
`,
    [`testing/simulator.ts`]: `/**
 * A fake of the ${n.name} service at the protocol level: a SOAP server built by the \`soap\`
 * package from the same WSDL the connector uses (wsdl/${n.name}.wsdl), on a real HTTP server on
 * 127.0.0.1, answering searchItems from fixtures/items.json, checking every request's WS-Security
 * UsernameToken (a wrong one answers an authenticationFault), with switches that inject failures:
 * 5xx, 429 with Retry-After, an authentication fault, a malformed body, a slow answer.
 *
 * Test code (testing/ is left out of the build and the image). Tests start it in process
 * (\`${n.pascal}Simulator.start()\`); for a demo instance, \`npm run simulator -- ${n.name}\`
 * runs it from its source (port ${n.upper}_SIM_PORT, default 4050).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as soap from 'soap';
import { xmlText, ${n.upper}_WSDL_PATH } from '../${n.name}.connector';
import { ${n.upper}_NAMESPACE, ${n.upper}_SERVICE_PATH } from '../${n.name}.constants';

export type Failure = '5xx' | '429' | '401' | 'malformed' | 'slow';
export type SimItem = { id: string; updatedAt: string } & Record<string, unknown>;
/** The simulator's account (test values, not secrets). */
export const SIM_USER = 'exhub';
export const SIM_PASSWORD = 'sim-password';
const DEFAULT_SLOW_MS = 2000;
const DEFAULT_PAGE_SIZE = 50;
/** Port of a demo instance. */
const DEMO_PORT = 4050;

export interface ${n.pascal}SimulatorOptions {
  port?: number;
  retryAfterSeconds?: number;
  slowMs?: number;
}

function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    \`<soapenv:Body>\${body}</soapenv:Body></soapenv:Envelope>\`
  );
}

/** A SOAP fault with a detail element \`<tns:<detail>><tns:code>…\` from the service's namespace. */
export function faultXml(detail: string, code: string, message: string): string {
  return envelope(
    '<soapenv:Fault><faultcode>soapenv:Client</faultcode>' +
      \`<faultstring>\${xmlText(message)}</faultstring><detail>\` +
      \`<tns:\${detail} xmlns:tns="\${${n.upper}_NAMESPACE}"><tns:code>\${code}</tns:code>\` +
      \`<tns:message>\${xmlText(message)}</tns:message></tns:\${detail}></detail></soapenv:Fault>\`,
  );
}

/** The text of a value soap parsed (\`{ $value }\` when the element had attributes). */
const text = (v: unknown): string | undefined =>
  v === undefined || v === null
    ? undefined
    : typeof v === 'object'
      ? text((v as { $value?: unknown }).$value)
      : String(v);

const keyOf = (i: SimItem): string => \`\${i.updatedAt}|\${i.id}\`;

export class ${n.pascal}Simulator {
  items: SimItem[] = JSON.parse(
    readFileSync(join(__dirname, '../fixtures/items.json'), 'utf8'),
  ) as SimItem[];
  /** SOAP requests received (failed ones included). */
  requests = 0;
  private failures: { kind: Failure; remaining: number }[] = [];
  private server?: Server;
  private port: number;

  private constructor(private readonly o: ${n.pascal}SimulatorOptions) {
    this.port = o.port ?? 0;
  }

  static async start(o: ${n.pascal}SimulatorOptions = {}): Promise<${n.pascal}Simulator> {
    const sim = new ${n.pascal}Simulator(o);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(sim.port, '127.0.0.1', () => resolve());
    });
    sim.port = (server.address() as AddressInfo).port;
    sim.server = server;
    // soap installs its request listener once the WSDL is read (the callback).
    await new Promise<void>((resolve, reject) =>
      soap.listen(server, {
        path: ${n.upper}_SERVICE_PATH,
        services: sim.services(),
        xml: readFileSync(${n.upper}_WSDL_PATH, 'utf8'),
        callback: (err: unknown) => (err ? reject(err as Error) : resolve()),
      }),
    ).catch(async (err: unknown) => {
      await sim.close();
      throw err;
    });
    // Failure switches run before soap sees the request.
    const soapListeners = server.listeners('request') as ((
      req: IncomingMessage,
      res: ServerResponse,
    ) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void sim.intercept(req, res).then((handled) => {
        if (!handled) for (const l of soapListeners) l.call(server, req, res);
      });
    });
    return sim;
  }

  /** The SOAP port URL, as the connector's \`endpoint\`. */
  get endpoint(): string {
    return \`http://127.0.0.1:\${this.port}\${${n.upper}_SERVICE_PATH}\`;
  }

  fail(kind: Failure, count = 1): void {
    this.failures.push({ kind, remaining: count });
  }

  heal(): void {
    this.failures = [];
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private nextFailure(): Failure | undefined {
    const f = this.failures[0];
    if (!f) return undefined;
    if (--f.remaining <= 0) this.failures.shift();
    return f.kind;
  }

  /** True when the request was answered here (an injected failure). */
  private async intercept(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'POST' || url.pathname !== ${n.upper}_SERVICE_PATH) return false;
    this.requests++;
    const xml = (status: number, body: string, headers: Record<string, string> = {}): true => {
      res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', ...headers });
      res.end(body);
      return true;
    };
    switch (this.nextFailure()) {
      case 'slow':
        await new Promise((r) => setTimeout(r, this.o.slowMs ?? DEFAULT_SLOW_MS));
        return false;
      case '401':
        return xml(500, faultXml('authenticationFault', 'INVALID_CREDENTIALS', 'Invalid login.'));
      case '5xx':
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html><body>Service Temporarily Unavailable</body></html>');
        return true;
      case '429':
        return xml(
          429,
          faultXml('requestLimitFault', 'REQUEST_LIMIT_EXCEEDED', 'Too many requests.'),
          { 'retry-after': String(this.o.retryAfterSeconds ?? 1) },
        );
      case 'malformed':
        return xml(200, envelope('<tns:searchItemsResponse><tns:item><tns:id>').slice(0, 160));
      default:
        return false;
    }
  }

  private authenticate(headers: Record<string, unknown> | undefined): void {
    const security = (headers?.Security ?? {}) as { UsernameToken?: Record<string, unknown> };
    const token = security.UsernameToken ?? {};
    if (text(token.Username) !== SIM_USER || text(token.Password) !== SIM_PASSWORD) {
      throw {
        Fault: {
          faultcode: 'soapenv:Client',
          faultstring: 'Invalid login.',
          detail: {
            $xml:
              \`<tns:authenticationFault xmlns:tns="\${${n.upper}_NAMESPACE}">\` +
              '<tns:code>INVALID_CREDENTIALS</tns:code>' +
              '<tns:message>The UsernameToken was missing or wrong.</tns:message>' +
              '</tns:authenticationFault>',
          },
          statusCode: 500,
        },
      };
    }
  }

  private services(): soap.IServices {
    return {
      ${n.pascal}Service: {
        ${n.pascal}Port: {
          searchItems: (args: Record<string, unknown>, _cb: unknown, headers: Record<string, unknown>) => {
            this.authenticate(headers);
            const after = text(args.after) ?? '';
            const limit = Number(text(args.limit) ?? DEFAULT_PAGE_SIZE);
            const newer = this.items
              .filter((i) => keyOf(i) > after)
              .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
            const page = newer.slice(0, limit).map((i) => ({
              id: i.id,
              updatedAt: i.updatedAt,
              ...(i.status !== undefined && { status: i.status }),
              ...(i.amount !== undefined && { amount: i.amount }),
              ...(i.currency !== undefined && { currency: i.currency }),
            }));
            return { item: page, hasMore: newer.length > limit };
          },
        },
      },
    };
  }
}

if (require.main === module) {
  void ${n.pascal}Simulator.start({
    port: Number(process.env.${n.upper}_SIM_PORT ?? DEMO_PORT),
  }).then((sim) => process.stdout.write(\`${n.name} simulator: \${sim.endpoint}\\n\`));
}
`,
    [`${n.name}.connector.spec.ts`]: `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  extractConfigReference,
  generateConfigReference,
} from '@exhub/connector-sdk';
import { runConnectorContract } from '../../libs/connector-sdk/testing';
import { ${n.upper}_CONFIG_SCHEMA, ${n.pascal}Connector, ${camel}FromSettings } from './${n.name}.connector';
import { SIM_PASSWORD, SIM_USER, ${n.pascal}Simulator } from './testing';

const RETRY_AFTER_SECONDS = 1;
const BREAKER_RESET_MS = 300;
let serial = 0;

runConnectorContract('${n.name}', async () => {
  const sim = await ${n.pascal}Simulator.start({ retryAfterSeconds: RETRY_AFTER_SECONDS });
  const connector = new ${n.pascal}Connector({
    id: '${n.name}-test',
    endpoint: sim.endpoint,
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
          sim.items.push({
            id: \`new-\${serial}\`,
            updatedAt: new Date(Date.UTC(2026, 5, 1) + serial * 1000).toISOString(),
          });
        }
      },
      addPoisonItem: () => {
        serial++;
        sim.items.push({
          id: 'n/a (imported)',
          updatedAt: new Date(Date.UTC(2026, 5, 1) + serial * 1000).toISOString(),
        });
      },
    },
    close: async () => {
      await connector.close();
      await sim.close();
    },
  };
});

describe('${n.name} over SOAP', () => {
  let sim: ${n.pascal}Simulator;
  beforeEach(async () => {
    sim = await ${n.pascal}Simulator.start();
  });
  afterEach(() => sim.close());

  it('publishes each item as the service sent it: dates and decimals stay text', async () => {
    const connector = ${camel}FromSettings('${n.name}-test', {
      endpoint: sim.endpoint,
      username: SIM_USER,
      password: SIM_PASSWORD,
    });
    try {
      const page = await connector.poll(undefined);
      const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/items.json'), 'utf8')) as unknown[];
      expect(page.events.map((e) => e.payload)).toEqual(fixture);
      expect(page.events[0]).toMatchObject({ objectType: 'item', sourceEventId: 'item-1@2026-03-01T10:00:00Z' });
      expect(page.hasMore).toBe(false);
    } finally {
      await connector.close();
    }
  });

  it('refuses a wrong password as AUTH, from the service fault, without printing it', async () => {
    const connector = new ${n.pascal}Connector({
      id: '${n.name}-test',
      endpoint: sim.endpoint,
      username: SIM_USER,
      password: 'not-the-password',
      retry: { retries: 0 },
    });
    try {
      const err = await connector.poll(undefined).catch((e: unknown) => e as Error);
      expect(err).toMatchObject({ errorClass: 'AUTH' });
      expect((err as Error).message).toMatch(/Invalid login\\. \\(INVALID_CREDENTIALS\\)/);
      expect((err as Error).message).not.toContain('not-the-password');
    } finally {
      await connector.close();
    }
  });

  it('refuses an endpoint outside allowedHosts before calling it', () => {
    expect(
      () =>
        new ${n.pascal}Connector({
          id: '${n.name}-test',
          endpoint: 'https://elsewhere.example.com/services/x',
          username: SIM_USER,
          password: SIM_PASSWORD,
          allowedHosts: ['api.example.com'],
        }),
    ).toThrow(/not in allowedHosts/);
  });
});

it('has a README whose config table is generated from ${n.name}.config.schema.json', () => {
  const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
  expect(extractConfigReference(readme)).toBe(generateConfigReference(${n.upper}_CONFIG_SCHEMA));
});

it('has a config schema that accepts its examples and refuses a misspelt field', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  const validate = ajv.compile(${n.upper}_CONFIG_SCHEMA);
  for (const example of ${n.upper}_CONFIG_SCHEMA.examples as unknown[]) {
    expect(validate(example)).toBe(true);
  }
  expect(validate({ ...(${n.upper}_CONFIG_SCHEMA.examples as object[])[0], pagesize: 10 })).toBe(false);
});
`,
    [`fixtures/items.json`]: `[
  { "id": "item-1", "updatedAt": "2026-03-01T10:00:00Z", "status": "on_hold", "amount": "100.00", "currency": "EUR" },
  { "id": "item-2", "updatedAt": "2026-03-01T11:00:00Z", "status": "on_hold", "amount": "250.00", "currency": "EUR" },
  { "id": "item-3", "updatedAt": "2026-03-02T09:30:00Z", "status": "on_hold", "amount": "75.50", "currency": "EUR" }
]
`,
    'fixtures/README.md': `# ${n.name} fixtures\n\n\`items.json\`: placeholder items written by the scaffold; the simulator answers searchItems from them. Replace them with recorded answers of the real service (credentials and personal data removed) and say here where each came from and under which licence (add a \`NOTICE\` entry when copied).\n`,
    'index.ts': `export * from './${n.name}.connector';
export * from './${n.name}.constants';
`,
    'testing/index.ts': `// Test-only: the simulator the contract kit runs against (left out of the build and the image).
export * from './simulator';
`,
    'README.md': `# ${n.name} connector (poll, SOAP)

Scaffolded by \`exhub connectors new ${n.name} --kind soap\`. Polls the SOAP operation
\`searchItems(after, limit)\` of \`wsdl/${n.name}.wsdl\` (document/literal, a local file: the
connector never fetches a WSDL) with keyset paging (\`after=<updatedAt>|<id>\`) and a WS-Security
UsernameToken, and publishes each item as a SourceEvent with \`objectType\` \`item\`.

The SOAP plumbing is \`ResilientSoapClient\` (\`libs/resilience/src/soap.client.ts\`): \`soap\` is
loaded lazily, its HTTP client is the hub's transport (allowed hosts, no redirects, time and size
limits, DOCTYPEs refused, well-formed XML only), and every call runs inside one breaker for the
port and the retry policy. What is this service's own: the WSDL, the fault names that mean
"credentials refused" or "too many requests" (\`${n.name}.constants.ts\`), the SOAP headers, and
the checks of the response in \`${n.name}.connector.ts\`.

Replace the WSDL with the subset of the real service's WSDL you need, then the operation, the
headers and the checks in the connector, the simulator (\`testing/simulator.ts\`, built with soap's
\`listen\` from the same WSDL) and the fixtures; keep the contract kit green. See
[Adding a connector](../README.md#adding-a-connector) for mappings, registration and the e2e test.

## Configure

${generateConfigReference(schema)}
`,
  };
  return { connector };
}
