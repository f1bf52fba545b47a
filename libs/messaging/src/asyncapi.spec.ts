/**
 * Keeps schemas/asyncapi.yaml true to the code: the topology (`buildTopology()` with default
 * options), the header names in `HEADER`, the headers and properties the hub actually sets
 * (`exceptionPublishOptions`, `sourceEventPublishOptions`, `planFor`) and `TIER_PRIORITY`.
 * Every failure lists each difference with the place in asyncapi.yaml to fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import type { Options } from 'amqplib';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { DOMAINS, EXCEPTION_TYPES, TIERS } from '@exhub/canonical';
import { STAGES } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import { EXCEPTION_MESSAGE_TYPE, SOURCE_EVENT_MESSAGE_TYPE, TIER_PRIORITY } from './constants';
import { planFor } from './error-policy';
import { exceptionPublishOptions, exceptionRoutingKey } from './exception-message';
import { HEADER, sourceEventPublishOptions } from './headers';
import { buildTopology } from './topology';

const DOC_DIR = join(__dirname, '../../../schemas');
const DOC_FILE = join(DOC_DIR, 'asyncapi.yaml');
const WHERE = 'schemas/asyncapi.yaml';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const doc: Json = (() => {
  const parsed: unknown = parse(readFileSync(DOC_FILE, 'utf8'));
  if (!isObject(parsed)) throw new Error(`${WHERE} is not a YAML mapping`);
  return parsed;
})();

/** Follow local `$ref`s (`#/a/b`) until a non-reference node. */
function deref(node: unknown, where: string): unknown {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith('#/') || hops > 10) return current;
    current = ref
      .slice(2)
      .split('/')
      .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), doc);
    if (current === undefined) throw new Error(`${where}: $ref ${ref} does not resolve`);
  }
  return current;
}

/** The object at a dotted path of the document (following $refs), or a failure naming the path. */
function at(path: string): Json {
  const value = path
    .split('.')
    .reduce<unknown>((node, key) => (isObject(node) ? deref(node[key], path) : undefined), doc);
  if (!isObject(value)) throw new Error(`${WHERE}: ${path} is missing or not a mapping`);
  return value;
}

function channels(): [string, Json][] {
  return Object.entries(at('channels')).map(([id, channel]) => {
    const resolved = deref(channel, `channels.${id}`);
    if (!isObject(resolved)) throw new Error(`${WHERE}: channels.${id} is not a mapping`);
    return [id, resolved];
  });
}

function amqpBinding(id: string, channel: Json): Json | undefined {
  const bindings = deref(channel.bindings, `channels.${id}.bindings`);
  const amqp = isObject(bindings)
    ? deref(bindings.amqp, `channels.${id}.bindings.amqp`)
    : undefined;
  return isObject(amqp) ? amqp : undefined;
}

interface DocExchange {
  channel: string;
  name: unknown;
  type: unknown;
  durable: unknown;
}
interface DocQueue {
  channel: string;
  name: unknown;
  address: unknown;
  durable: unknown;
  arguments: unknown;
  bindings: unknown;
}

/** Exchanges and queues as the document's AMQP channel bindings describe them. */
function described(): { exchanges: DocExchange[]; queues: DocQueue[]; problems: string[] } {
  const exchanges: DocExchange[] = [];
  const queues: DocQueue[] = [];
  const problems: string[] = [];
  for (const [id, channel] of channels()) {
    const amqp = amqpBinding(id, channel);
    if (!amqp) {
      problems.push(`channels.${id} has no bindings.amqp: say which exchange or queue it is`);
    } else if (amqp.is === 'queue' && isObject(amqp.queue)) {
      queues.push({
        channel: id,
        name: amqp.queue.name,
        address: channel.address,
        durable: amqp.queue.durable,
        arguments: amqp.queue['x-arguments'],
        bindings: amqp['x-bindings'],
      });
    } else if ((amqp.is ?? 'routingKey') === 'routingKey' && isObject(amqp.exchange)) {
      exchanges.push({
        channel: id,
        name: amqp.exchange.name,
        type: amqp.exchange.type,
        durable: amqp.exchange.durable,
      });
    } else {
      problems.push(
        `channels.${id}.bindings.amqp needs is: queue with a queue, or is: routingKey with an exchange`,
      );
    }
  }
  return { exchanges, queues, problems };
}

const topology = buildTopology();
const show = (value: unknown) => JSON.stringify(value);

/** Keys present in one record and missing or different in the other, as readable lines. */
function recordDiff(expected: Json, actual: Json, label: string): string[] {
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    if (!(key in actual)) {
      lines.push(
        `${label}: ${key} = ${show(expected[key])} in the topology is missing in ${WHERE}`,
      );
    } else if (!(key in expected)) {
      lines.push(`${label}: ${key} = ${show(actual[key])} in ${WHERE} is not in the topology`);
    } else if (show(expected[key]) !== show(actual[key])) {
      lines.push(
        `${label}: ${key} is ${show(expected[key])} in the topology but ${show(actual[key])} in ${WHERE}`,
      );
    }
  }
  return lines;
}

function schemaProperties(schema: Json, where: string): { names: string[]; required: string[] } {
  const properties = deref(schema.properties, `${where}.properties`);
  const required = schema.required;
  return {
    names: isObject(properties) ? Object.keys(properties) : [],
    required: Array.isArray(required) ? required.map(String) : [],
  };
}

/** Each header name the code writes, checked against a message's headers schema in the doc. */
function headerProblems(
  message: string,
  written: { always: string[]; sometimes: string[] },
): string[] {
  const where = `components.messages.${message}.headers`;
  const documented = schemaProperties(at(where), where);
  const problems: string[] = [];
  for (const name of [...written.always, ...written.sometimes]) {
    if (!documented.names.includes(name)) {
      problems.push(`header ${name} is set by the hub but missing from ${where}.properties`);
    }
  }
  for (const name of written.always) {
    if (!documented.required.includes(name)) {
      problems.push(`header ${name} is always set by the hub but not in ${where}.required`);
    }
  }
  for (const name of documented.required) {
    if (!written.always.includes(name)) {
      problems.push(`${where}.required lists ${name}, which the hub does not always set`);
    }
  }
  const known = new Set<string>(Object.values(HEADER));
  for (const name of documented.names) {
    if (!known.has(name)) {
      problems.push(`${where} documents header ${name}, which HEADER in headers.ts does not name`);
    }
  }
  return problems;
}

const exception = {
  id: '826a36b5-7d48-50e7-b27f-46a1c26c94eb',
  version: 3,
  correlationId: 'evt_1QfA9cLkdIwHu7ixq2Xb8VdN',
  domain: 'finance',
  type: 'chargeback_dispute',
  priority: { tier: 'p2', score: 71.5 },
};
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const fullMeta: SourceEventMeta = {
  eventId: '70fe36f1-2cac-4290-822a-c7e1d31c1849',
  correlationId: 'corr-1',
  connectorId: 'stripe',
  system: 'stripe',
  objectType: 'event',
  sourceEventId: 'evt_1',
  receivedAt: '2026-03-14T09:30:02.118Z',
  contentType: 'application/json',
  traceparent,
};
const minimalMeta: SourceEventMeta = { ...fullMeta };
delete minimalMeta.sourceEventId;
delete minimalMeta.traceparent;

function headerNames(options: { headers?: unknown }): string[] {
  return isObject(options.headers) ? Object.keys(options.headers) : [];
}

/** amqplib publish options → the AMQP 0-9-1 basic property each one sets (flags and headers aside). */
const AMQP_PROPERTY: Readonly<Record<string, string>> = {
  messageId: 'message-id',
  correlationId: 'correlation-id',
  type: 'type',
  contentType: 'content-type',
  persistent: 'delivery-mode',
  timestamp: 'timestamp',
  priority: 'priority',
  expiration: 'expiration',
};
const NOT_PROPERTIES = new Set(['headers', 'mandatory', 'BCC', 'CC']);

/** Each AMQP property the code sets, checked against a message's `x-amqp-properties` schema. */
function propertyProblems(
  message: string,
  written: { always: Options.Publish; sometimes: Options.Publish },
): string[] {
  const where = `components.messages.${message}.x-amqp-properties`;
  const documented = schemaProperties(at(where), where);
  const problems: string[] = [];
  const names = (options: Options.Publish) =>
    Object.keys(options)
      .filter((key) => !NOT_PROPERTIES.has(key))
      .map((key) => AMQP_PROPERTY[key] ?? `unmapped amqplib option ${key}`);
  const always = names(written.always);
  for (const name of new Set([...always, ...names(written.sometimes)])) {
    if (!documented.names.includes(name)) {
      problems.push(`property ${name} is set by the hub but missing from ${where}.properties`);
    }
  }
  for (const name of always) {
    if (!documented.required.includes(name)) {
      problems.push(`property ${name} is always set by the hub but not in ${where}.required`);
    }
  }
  for (const name of documented.required) {
    if (!always.includes(name)) {
      problems.push(`${where}.required lists ${name}, which the hub does not always set`);
    }
  }
  return problems;
}

describe(`${WHERE} is an AsyncAPI 3.0.0 document`, () => {
  it('declares version 3.0.0 and the local amqp server on localhost:5672', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(at('servers.local')).toMatchObject({ host: 'localhost:5672', protocol: 'amqp' });
  });

  it('resolves every $ref, local and to the canonical schema file', () => {
    const problems: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
      if (!isObject(node)) return;
      if (typeof node.$ref === 'string') {
        const ref = node.$ref;
        if (ref.startsWith('#/')) {
          try {
            deref(node, path);
          } catch (error) {
            problems.push((error as Error).message);
          }
        } else if (!existsSync(resolvePath(DOC_DIR, ref))) {
          problems.push(`${path}: $ref ${ref} names a file that does not exist next to ${WHERE}`);
        }
      }
      for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key);
    };
    walk(doc, '');
    expect(problems).toEqual([]);
  });
});

describe(`${WHERE} matches buildTopology()`, () => {
  it('names the default prefix exhub', () => {
    expect(topology.options.prefix).toBe('exhub');
  });

  it('describes every exchange with its type, and no exchange the topology lacks', () => {
    const { exchanges, problems } = described();
    const expected = new Map(topology.exchanges.map((e) => [e.name, e]));
    for (const e of exchanges) {
      const want = typeof e.name === 'string' ? expected.get(e.name) : undefined;
      if (!want) {
        problems.push(
          `channels.${e.channel} describes exchange ${show(e.name)}, which the topology does not declare`,
        );
        continue;
      }
      if (e.type !== want.type) {
        problems.push(
          `exchange ${want.name} is ${want.type} in the topology but ${show(e.type)} in channels.${e.channel}`,
        );
      }
      if (e.durable !== true) {
        problems.push(
          `exchange ${want.name} is durable, channels.${e.channel} says ${show(e.durable)}`,
        );
      }
    }
    const documented = new Set(exchanges.map((e) => e.name));
    for (const name of expected.keys()) {
      if (!documented.has(name)) problems.push(`exchange ${name} has no channel in ${WHERE}`);
    }
    expect(problems).toEqual([]);
  });

  it('describes every queue with its arguments, and no queue the topology lacks', () => {
    const { queues } = described();
    const problems: string[] = [];
    const expected = new Map(topology.queues.map((q) => [q.name, q]));
    for (const q of queues) {
      const want = typeof q.name === 'string' ? expected.get(q.name) : undefined;
      const label = `queue ${show(q.name)} (channels.${q.channel})`;
      if (!want) {
        problems.push(`${label} is not declared by the topology`);
        continue;
      }
      if (q.address !== want.name) {
        problems.push(`${label}: address is ${show(q.address)}, expected the queue name`);
      }
      if (q.durable !== true)
        problems.push(`${label}: queues are durable, doc says ${show(q.durable)}`);
      if (!isObject(q.arguments)) {
        problems.push(`${label}: bindings.amqp.queue.x-arguments is missing`);
        continue;
      }
      problems.push(...recordDiff({ ...want.arguments }, q.arguments, label));
    }
    const documented = new Set(queues.map((q) => q.name));
    for (const name of expected.keys()) {
      if (!documented.has(name)) problems.push(`queue ${name} has no channel in ${WHERE}`);
    }
    expect(problems).toEqual([]);
  });

  it('describes every binding, and no binding the topology lacks', () => {
    const { queues } = described();
    const problems: string[] = [];
    const key = (exchange: unknown, queue: unknown, pattern: unknown) =>
      `${show(exchange)} → ${show(queue)} with key ${show(pattern)}`;
    const documented = new Set<string>();
    for (const q of queues) {
      if (!Array.isArray(q.bindings)) {
        problems.push(
          `channels.${q.channel}.bindings.amqp.x-bindings must list its bindings ([] if none)`,
        );
        continue;
      }
      for (const b of q.bindings as unknown[]) {
        const binding = isObject(b) ? b : {};
        documented.add(key(binding.exchange, q.name, binding.bindingKey));
      }
    }
    const expected = new Set(topology.bindings.map((b) => key(b.exchange, b.queue, b.pattern)));
    for (const b of expected) {
      if (!documented.has(b)) problems.push(`binding ${b} is in the topology but not in ${WHERE}`);
    }
    for (const b of documented) {
      if (!expected.has(b)) problems.push(`binding ${b} is in ${WHERE} but not in the topology`);
    }
    expect(problems).toEqual([]);
  });

  it('has one channel per retry tier that waits the tier delay and returns to work', () => {
    const { queues } = described();
    const problems: string[] = [];
    for (const tier of topology.retryTiers) {
      const q = queues.find((candidate) => candidate.name === tier.queue);
      const args = q && isObject(q.arguments) ? q.arguments : undefined;
      if (!args) {
        problems.push(`retry tier ${tier.label} (${tier.queue}) has no channel with x-arguments`);
        continue;
      }
      if (args['x-message-ttl'] !== tier.delayMs) {
        problems.push(
          `retry tier ${tier.label}: x-message-ttl is ${show(args['x-message-ttl'])}, expected ${tier.delayMs}`,
        );
      }
      if (args['x-dead-letter-routing-key'] !== topology.names.work) {
        problems.push(`retry tier ${tier.label} must dead-letter to ${topology.names.work}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe(`${WHERE} — the exceptions contract`, () => {
  it('routes by <domain>.<type>.<tier> with the canonical taxonomy as parameters', () => {
    const channel = at('channels.exceptions');
    expect(channel.address).toBe('{domain}.{type}.{tier}');
    const sample = String(channel.address).replace(
      /\{(\w+)\}/g,
      (_, name: string) =>
        ({ domain: 'finance', type: 'chargeback_dispute', tier: 'p2' })[name] ?? '',
    );
    expect(sample).toBe(exceptionRoutingKey(exception));
    expect({
      domain: at('channels.exceptions.parameters.domain').enum,
      type: at('channels.exceptions.parameters.type').enum,
      tier: at('channels.exceptions.parameters.tier').enum,
    }).toEqual({ domain: [...DOMAINS], type: [...EXCEPTION_TYPES], tier: [...TIERS] });
  });

  it('documents every header the hub sets on an exception message', () => {
    const always = headerNames(exceptionPublishOptions(exception));
    const all = headerNames(exceptionPublishOptions(exception, traceparent));
    const sometimes = all.filter((name) => !always.includes(name));
    expect(always).toEqual([HEADER.domain, HEADER.type, HEADER.tier, HEADER.score]);
    expect(sometimes).toEqual([HEADER.traceparent]);
    expect(headerProblems('exception', { always, sometimes })).toEqual([]);
  });

  it('documents the AMQP properties of an exception message as the hub sets them', () => {
    const options = exceptionPublishOptions(exception, traceparent);
    const props = at('components.messages.exception.x-amqp-properties.properties');
    const field = (name: string) => (isObject(props[name]) ? (props[name] as Json) : {});
    expect(new RegExp(String(field('message-id').pattern)).test(String(options.messageId))).toBe(
      true,
    );
    expect(options.messageId).toBe(`${exception.id}:${exception.version}`);
    expect(field('type').const).toBe(options.type);
    expect(field('type').const).toBe(EXCEPTION_MESSAGE_TYPE);
    expect(at('components.messages.exception.bindings.amqp').messageType).toBe(
      EXCEPTION_MESSAGE_TYPE,
    );
    expect(field('content-type').const).toBe(options.contentType);
    expect(at('components.messages.exception').contentType).toBe(options.contentType);
    expect(options.persistent).toBe(true);
    expect(field('delivery-mode').const).toBe(2);
  });

  it('documents every AMQP property the hub sets on an exception message', () => {
    const unknownTier = { ...exception, priority: { tier: 'p9', score: 1 } };
    expect(
      propertyProblems('exception', {
        always: exceptionPublishOptions(unknownTier),
        sometimes: exceptionPublishOptions(exception, traceparent, { routeToReview: true }),
      }),
    ).toEqual([]);
  });

  it('gives the tier → AMQP priority table of TIER_PRIORITY', () => {
    const priority = at('components.messages.exception.x-amqp-properties.properties.priority');
    expect(priority['x-exhub-tier-priority']).toEqual(TIER_PRIORITY);
    expect([...(priority.enum as number[])].sort()).toEqual(Object.values(TIER_PRIORITY).sort());
    for (const tier of TIERS) {
      const options = exceptionPublishOptions({ ...exception, priority: { tier, score: 50 } });
      expect({ tier, priority: options.priority }).toEqual({ tier, priority: TIER_PRIORITY[tier] });
    }
  });

  it('delivers the exception message on the exceptions and review channels', () => {
    expect(at('channels.exceptions.messages.exception').name).toBe(EXCEPTION_MESSAGE_TYPE);
    expect(at('channels.review.messages.exception').name).toBe(EXCEPTION_MESSAGE_TYPE);
    const payload = at('components.messages.exception.payload');
    expect(payload.schema).toEqual({ $ref: './canonical-exception.v1.schema.json' });
  });
});

describe(`${WHERE} — source events, retries and dead letters`, () => {
  it('documents every SourceEvent header the hub writes', () => {
    const always = headerNames(sourceEventPublishOptions(minimalMeta));
    const sometimes = headerNames(sourceEventPublishOptions(fullMeta)).filter(
      (name) => !always.includes(name),
    );
    expect(headerProblems('sourceEvent', { always, sometimes })).toEqual([]);
    expect(at('components.messages.sourceEvent.bindings.amqp').messageType).toBe(
      SOURCE_EVENT_MESSAGE_TYPE,
    );
  });

  it('documents every header of a dead letter and a retry, error headers included', () => {
    const original = sourceEventPublishOptions(fullMeta);
    const msg = {
      fields: { routingKey: '' } as never,
      properties: { ...original, headers: original.headers } as never,
    };
    const context = { topology };
    const failed = (kind: 'retry' | 'dead-letter') => {
      const plan = planFor(
        msg,
        {
          kind,
          errorClass: kind === 'retry' ? 'TRANSIENT' : 'INVALID_PAYLOAD',
          stage: 'map',
          message: 'x',
        },
        context,
      );
      if (plan.kind !== 'publish') throw new Error(`planFor did not plan a ${kind} publish`);
      return headerNames(plan.options);
    };
    const sourceAlways = headerNames(sourceEventPublishOptions(minimalMeta));
    const errorHeaders = [
      HEADER.errorStage,
      HEADER.errorClass,
      HEADER.errorMessage,
      HEADER.attempts,
      HEADER.firstFailedAt,
    ];
    for (const [message, kind] of [
      ['deadLetter', 'dead-letter'],
      ['retriedSourceEvent', 'retry'],
    ] as const) {
      const written = failed(kind);
      expect(written).toEqual(expect.arrayContaining(errorHeaders));
      // Error headers are documented but optional: a message the broker dead-lettered on its own
      // (work queue delivery limit) has none.
      const sometimes = written.filter((name) => !sourceAlways.includes(name));
      expect(headerProblems(message, { always: sourceAlways, sometimes })).toEqual([]);
    }
    const stage = at('components.schemas.failedSourceEventHeaders.properties.x-exhub-error-stage');
    expect(stage.enum).toEqual([...STAGES]);
  });

  it('documents every AMQP property of a source event, retry and dead letter', () => {
    const original = sourceEventPublishOptions(minimalMeta);
    for (const message of ['sourceEvent', 'retriedSourceEvent', 'deadLetter']) {
      const msg = { fields: { routingKey: '' } as never, properties: original as never };
      const retry = planFor(
        msg,
        { kind: 'retry', errorClass: 'TRANSIENT', stage: 'map', message: 'x' },
        { topology },
      );
      const sometimes = retry.kind === 'publish' ? retry.options : original;
      expect({
        message,
        problems: propertyProblems(message, { always: original, sometimes }),
      }).toEqual({
        message,
        problems: [],
      });
    }
  });

  it('carries the original bytes as the payload of source events and dead letters', () => {
    for (const message of ['sourceEvent', 'retriedSourceEvent', 'deadLetter']) {
      expect({ message, payload: at(`components.messages.${message}.payload`) }).toMatchObject({
        message,
        payload: { type: 'string', format: 'binary' },
      });
    }
  });
});

describe(`${WHERE} — operations and outcomes`, () => {
  it('receives on exceptions, review and dlq and sends on outcomes', () => {
    const summary = Object.values(at('operations')).map((op) => {
      const operation = isObject(op) ? op : {};
      const channel = isObject(operation.channel) ? String(operation.channel.$ref) : '';
      return `${String(operation.action)} ${channel}`;
    });
    expect(summary.sort()).toEqual(
      [
        'receive #/channels/dlq',
        'receive #/channels/exceptions',
        'receive #/channels/review',
        'send #/channels/outcomes',
      ].sort(),
    );
    for (const [id, op] of Object.entries(at('operations'))) {
      const operation = isObject(op) ? op : {};
      const channelRef = isObject(operation.channel) ? String(operation.channel.$ref) : '';
      for (const message of (operation.messages as unknown[]) ?? []) {
        const ref = isObject(message) ? String(message.$ref) : '';
        expect({ operation: id, message: ref.startsWith(`${channelRef}/messages/`) }).toEqual({
          operation: id,
          message: true,
        });
      }
    }
  });

  it('defines the outcome message inline and its schema accepts the example and rejects mistakes', () => {
    const schema = at('components.schemas.outcome');
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const examples = schema.examples as unknown[];
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples)
      expect({ example, errors: validate(example) ? null : validate.errors }).toEqual({
        example,
        errors: null,
      });
    const base = examples[0] as Json;
    expect(validate({ ...base, outcome: 'overridden' })).toBe(false); // overridden needs a tier
    expect(validate({ ...base, outcome: 'overridden', tier: 'p1' })).toBe(true);
    expect(validate({ ...base, outcome: 'closed' })).toBe(false);
    expect(validate({ ...base, at: '2026-03-20T10:15:00+01:00' })).toBe(false);
    const withoutReason = { ...base };
    delete withoutReason.reason;
    expect(validate(withoutReason)).toBe(false);
    expect(at('channels.outcomes.parameters.outcome').enum).toEqual(
      (schema.properties as Json & { outcome: Json }).outcome.enum,
    );
  });
});
