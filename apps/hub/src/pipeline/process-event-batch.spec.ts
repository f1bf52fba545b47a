/**
 * The worker's micro-batch with group commit (processSourceEventBatch): real mappings, scorer and
 * an in-memory SQLite store; the confirmed publish is a function here (the broker path is
 * test/e2e/messaging/pipeline-flow.e2e-spec.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsumeMessage } from 'amqplib';
import pino from 'pino';
import type { CanonicalException } from '@exhub/canonical';
import { TransientError } from '@exhub/core';
import { MappingRegistry } from '@exhub/mapping';
import { sourceEventPublishOptions } from '@exhub/messaging';
import { HubMetrics } from '@exhub/observability';
import { PolicyScorer, parsePolicy } from '@exhub/prioritization';
import { openStore, type ExceptionStore, type UpsertResult } from '@exhub/store';
import { processSourceEvent, processSourceEventBatch, type BatchWorkerDeps } from './process-event';

const REPO = join(__dirname, '../../../..');
const NOW = new Date('2026-05-04T10:00:00Z');

/** A Zendesk ticket webhook as a delivery on exhub.work; `body` overrides the JSON. */
function delivery(n: number, body?: string): ConsumeMessage {
  const ticket = {
    ticket_id: String(7000 + n),
    ticket_title: `Checkout down ${n}`,
    ticket_status: 'Open',
    ticket_priority: 'Urgent',
    organization_id: '361234',
    organization_name: 'Initech GmbH',
    created_at: 'May 4, 2026',
    updated_at_with_timestamp: '2026-05-04T09:00:00Z',
    tags: '',
    link: `https://acme.zendesk.com/agent/tickets/${7000 + n}`,
  };
  const options = sourceEventPublishOptions({
    eventId: `ev-${n}`,
    correlationId: `corr-${n}`,
    connectorId: 'zendesk',
    system: 'zendesk',
    objectType: 'ticket_webhook',
    receivedAt: NOW.toISOString(),
    contentType: 'application/json',
  });
  return {
    content: Buffer.from(body ?? JSON.stringify(ticket)),
    fields: {
      deliveryTag: n,
      redelivered: false,
      exchange: 'exhub.events',
      routingKey: 'zendesk',
      consumerTag: 'test',
    },
    properties: { ...options, headers: options.headers ?? {} },
  } as unknown as ConsumeMessage;
}

/** The ticket id behind each stored exception, in the order the audit trail has them. */
async function auditedTickets(store: ExceptionStore): Promise<string[]> {
  const trail = await store.auditTrail();
  const tickets: string[] = [];
  for (const entry of trail) {
    const e = await store.getException(entry.exceptionId ?? '');
    tickets.push(String(e?.source.objectId));
  }
  return tickets;
}

describe('processSourceEventBatch: group commit, outcomes per delivery', () => {
  let mappings: MappingRegistry;
  let scorer: PolicyScorer;
  let store: ExceptionStore;
  let metrics: HubMetrics;
  let published: CanonicalException[];
  let batchWrites: number;
  let failPublishOf: Set<string>;
  let failBatchWrite: boolean;
  let failRowOf: Set<string>;

  beforeAll(async () => {
    // The shipped mappings; the expression time guard is widened since five deliveries map at
    // once on a shared, loaded test machine (the guard is not what this suite is about).
    mappings = await MappingRegistry.loadDir(join(REPO, 'mappings'), {
      limits: { expressionTimeoutMs: 5000, mappingTimeoutMs: 20_000 },
    });
    const policy = join(REPO, 'policies/priority.yaml');
    scorer = new PolicyScorer(parsePolicy(readFileSync(policy, 'utf8'), policy));
  });
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    metrics = new HubMetrics('test');
    published = [];
    batchWrites = 0;
    failPublishOf = new Set();
    failBatchWrite = false;
    failRowOf = new Set();
  });
  afterEach(() => store.close());

  const asStored = (e: CanonicalException, r: UpsertResult): CanonicalException => ({
    ...e,
    version: r.exception.version,
    status: r.exception.status,
  });

  function deps(): BatchWorkerDeps {
    return {
      mappings,
      scorer,
      connectorVersion: 'test',
      metrics,
      logger: pino({ level: 'silent' }),
      now: () => NOW,
      publish: async (e) => {
        if (failPublishOf.has(e.source.objectId)) {
          throw new TransientError('publish', `broker nacked ${e.id}`);
        }
        published.push(e);
      },
      persist: async (e) => asStored(e, await store.upsertException(e, { actor: 'pipeline' })),
      persistBatch: async (exceptions) => {
        batchWrites += 1;
        if (exceptions.length > 1 && failBatchWrite) throw new Error('batch transaction failed');
        if (exceptions.some((e) => failRowOf.has(e.source.objectId))) {
          throw new Error('row cannot be written');
        }
        const results = await store.upsertExceptions(
          exceptions.map((exception) => ({ exception, context: { actor: 'pipeline' } })),
        );
        return exceptions.map((e, i) => asStored(e, results[i]));
      },
    };
  }

  it('stores the batch in one transaction, audit entries in delivery order, each delivery acked', async () => {
    const msgs = [3, 1, 2, 5, 4].map((n) => delivery(n));
    const outcomes = await Promise.all(processSourceEventBatch(deps(), msgs));
    expect(outcomes).toEqual([1, 2, 3, 4, 5].map(() => ({ kind: 'ack' })));
    expect(batchWrites).toBe(1);
    expect(await auditedTickets(store)).toEqual(['7003', '7001', '7002', '7005', '7004']);
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 5 });
    expect(published.map((e) => [e.source.objectId, e.version])).toEqual(
      expect.arrayContaining([
        ['7001', 1],
        ['7002', 1],
        ['7003', 1],
        ['7004', 1],
        ['7005', 1],
      ]),
    );
    expect(published).toHaveLength(5);
    expect(await metrics.registry.getSingleMetricAsString('exhub_worker_batch_deliveries')).toMatch(
      /exhub_worker_batch_deliveries_sum 5\nexhub_worker_batch_deliveries_count 1$/m,
    );
  });

  it('scores and stores each exception as one delivery at a time would', async () => {
    const msgs = [1, 2, 3].map((n) => delivery(n));
    await Promise.all(processSourceEventBatch(deps(), msgs));
    const batched = published.map((e) => e.priority).sort((a, b) => a.score - b.score);
    const other = await openStore('sqlite::memory:');
    const oneByOne: CanonicalException[] = [];
    const single = {
      ...deps(),
      publish: async (e: CanonicalException) => void oneByOne.push(e),
      persist: async (e: CanonicalException) =>
        asStored(e, await other.upsertException(e, { actor: 'pipeline' })),
    };
    for (const msg of [1, 2, 3].map((n) => delivery(n))) await processSourceEvent(single, msg);
    await other.close();
    expect(batched).toEqual(oneByOne.map((e) => e.priority).sort((a, b) => a.score - b.score));
    expect(published.map((e) => e.id).sort()).toEqual(oneByOne.map((e) => e.id).sort());
  });

  it('dead-letters a poison message alone; the others of its batch commit', async () => {
    const msgs = [delivery(1), delivery(2, '{"ticket_id": '), delivery(3)];
    const outcomes = await Promise.all(processSourceEventBatch(deps(), msgs));
    expect(outcomes.map((o) => o.kind)).toEqual(['ack', 'dead-letter', 'ack']);
    expect(outcomes[1]).toMatchObject({ errorClass: 'INVALID_PAYLOAD', stage: 'parse' });
    expect(batchWrites).toBe(1);
    expect(await auditedTickets(store)).toEqual(['7001', '7003']);
    expect(published.map((e) => e.source.objectId).sort()).toEqual(['7001', '7003']);
  });

  it('retries only the delivery whose publish failed; its exception is stored, the others acked', async () => {
    failPublishOf.add('7002');
    const outcomes = await Promise.all(
      processSourceEventBatch(
        deps(),
        [1, 2, 3].map((n) => delivery(n)),
      ),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['ack', 'retry', 'ack']);
    expect(outcomes[1]).toMatchObject({ errorClass: 'TRANSIENT', stage: 'publish' });
    expect(published.map((e) => e.source.objectId).sort()).toEqual(['7001', '7003']);
    // The retry is a redelivery: same content, same version, no second audit entry.
    failPublishOf.clear();
    const again = await Promise.all(processSourceEventBatch(deps(), [delivery(2)]));
    expect(again.map((o) => o.kind)).toEqual(['ack']);
    expect(published.find((e) => e.source.objectId === '7002')?.version).toBe(1);
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 3 });
  });

  it('falls back to one transaction per delivery when the batch transaction fails', async () => {
    failBatchWrite = true;
    failRowOf.add('7002');
    const outcomes = await Promise.all(
      processSourceEventBatch(
        deps(),
        [1, 2, 3].map((n) => delivery(n)),
      ),
    );
    // The bad row fails only its own delivery (retried: a store failure is not the event's fault).
    expect(outcomes.map((o) => o.kind)).toEqual(['ack', 'retry', 'ack']);
    expect(batchWrites).toBe(1 + 3);
    expect(await auditedTickets(store)).toEqual(['7001', '7003']);
    expect(published.map((e) => e.source.objectId).sort()).toEqual(['7001', '7003']);
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 2 });
    expect(
      await metrics.registry.getSingleMetricAsString('exhub_worker_batch_fallbacks_total'),
    ).toMatch(/exhub_worker_batch_fallbacks_total 1\n?/);
  });

  it('does not hold a batch for a delivery that matched no mapping', async () => {
    const unmapped = delivery(9);
    unmapped.properties.headers!['x-exhub-object-type'] = 'nothing_maps_this';
    const outcomes = await Promise.all(
      processSourceEventBatch(deps(), [delivery(1), unmapped, delivery(2)]),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['ack', 'ack', 'ack']);
    expect(await auditedTickets(store)).toEqual(['7001', '7002']);
  });
});
