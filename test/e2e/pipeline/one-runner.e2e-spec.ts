/**
 * One pipeline runner (issue 14): the worker, the mapping dry run, the priority dry run and the
 * DLQ recheck give the same exception and tier for the same payload and context — on an exception
 * whose tier NEEDS its context: a Zendesk ticket of a strategic account, whose account tier only
 * the Salesforce lookup knows (`enrichment: { account: salesforce }`). Real broker, simulator.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConsumeMessage, MessageProperties } from 'amqplib';
import * as amqp from 'amqplib';
import pino from 'pino';
import {
  SalesforceSimulator,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
} from '../../../connectors/salesforce/testing';
import { ZENDESK_INVOCATION_ID_HEADER } from '@exhub/connectors/zendesk';
import { signedWebhook } from '../../../connectors/zendesk/testing';
import type { CanonicalException } from '@exhub/canonical';
import { Secret, loadEnvSettings } from '@exhub/config';
import { sourceEventPublishOptions } from '@exhub/messaging';
import { scoringInputOf, type Explanation } from '@exhub/prioritization';
import { ContextService } from '../../../apps/hub/src/context/context.service';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { pipelineRecheck } from '@exhub/pipeline';
import { AMQP_URL, apiKeyHeader, serveRuntime, type ServedRuntime } from '../hub/hub-harness';

const TIMEOUT_MS = 20_000;
const ZENDESK_SECRET = randomBytes(32).toString('base64');
/** Initech GmbH: a strategic account in the Salesforce simulator's seed, by Zendesk org id. */
const ORG_INITECH = '361234';

/**
 * A Zendesk trigger body (connectors/zendesk/README.md): a ticket of Initech escalated by its tag,
 * at normal priority, so nothing in the ticket itself says how much it matters.
 */
function ticket(): Buffer {
  const id = String(Math.floor(Date.now() / 1000) * 10 + Math.floor(Math.random() * 10));
  const now = new Date();
  const day = now.toLocaleDateString('en-US', {
    month: 'long',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
  return Buffer.from(
    JSON.stringify({
      ticket_id: id,
      ticket_title: 'Checkout down for all users',
      ticket_description: 'Checkout down for all users',
      ticket_url: `acme.zendesk.com/agent/tickets/${id}`,
      ticket_status: 'Open',
      ticket_priority: 'Normal',
      ticket_type: 'Incident',
      requester_full_name: `Requester ${id}`,
      requester_id: `9${id}`,
      assignee_full_name: 'Support Agent',
      organization_id: ORG_INITECH,
      organization_name: 'Initech GmbH',
      created_at: day,
      updated_at: day,
      updated_at_with_timestamp: now.toISOString(),
      tags: 'escalated',
      link: `https://acme.zendesk.com/agent/tickets/${id}`,
      invoice_number: '',
      subscription_id: '',
      payment_id: '',
    }),
  );
}

/** What must agree between the entry points: identity, content and the whole priority. */
function essence(e: CanonicalException) {
  return {
    id: e.id,
    type: e.type,
    domain: e.domain,
    title: e.title,
    parties: e.parties,
    references: e.references,
    links: e.links,
    priority: timeless(e.priority),
  };
}

/** A priority without its `scoredAt` (each entry point scores at its own moment). */
const timeless = (p: CanonicalException['priority']) => ({ ...p, scoredAt: undefined });

describe('one runner: worker, mapping dry run, priority dry run and DLQ recheck agree (issue 14)', () => {
  let sim: SalesforceSimulator;
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let served: ServedRuntime | undefined;
  let channel: amqp.Channel;
  let queue: string;

  const post = async (url: string, payload: Buffer, headers: Record<string, string>) => {
    const r = await app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url, payload, headers });
    return { status: r.statusCode, json: () => JSON.parse(r.body) as unknown };
  };

  async function published(objectId: string): Promise<CanonicalException> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (Date.now() < deadline) {
      const m = await channel.get(queue, { noAck: true });
      if (m) {
        const e = JSON.parse(m.content.toString('utf8')) as CanonicalException;
        if (e.source.objectId === objectId) return e;
      } else {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`no exception for ticket ${objectId} within ${TIMEOUT_MS} ms`);
  }

  beforeAll(async () => {
    sim = await SalesforceSimulator.start();
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_STORE_URL: 'sqlite::memory:',
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: 'zendesk',
          type: 'zendesk',
          enabled: true,
          settings: { secrets: [new Secret(ZENDESK_SECRET, 'test')], toleranceSeconds: 300 },
        },
        {
          id: 'salesforce',
          type: 'salesforce',
          enabled: true,
          settings: {
            loginUrl: sim.url,
            clientId: SIMULATOR_CLIENT_ID,
            clientSecret: SIMULATOR_CLIENT_SECRET,
            accountExternalIdField: 'Zendesk_Organization_Id__c',
            // Polled, but only its account lookups matter: the seeded cases are older.
            startFrom: new Date().toISOString().slice(0, 10),
            pollIntervalSeconds: 60,
            timeoutMs: 1000,
            retries: 1,
          },
        },
      ],
    });
    rt.config.enrichment = {
      ...rt.config.enrichment,
      account: 'salesforce',
      // Every lookup asks Salesforce: each entry point gets its context the same way.
      cacheTtlSeconds: 0,
    };
    served = await serveRuntime(rt);
    ({ app, channel, queue } = served);
  });

  afterAll(async () => {
    await served?.close();
    await sim?.close();
  });

  it('gives the same exception and tier from every entry point, with the account context the tier needs', async () => {
    const body = ticket();
    const ticketId = (JSON.parse(body.toString('utf8')) as { ticket_id: string }).ticket_id;

    // 1. The worker: the webhook, the broker, the pipeline.
    const accepted = await post('/v1/ingest/zendesk', body, {
      ...signedWebhook(body, ZENDESK_SECRET),
      [ZENDESK_INVOCATION_ID_HEADER]: `01J${randomBytes(10).toString('hex')}`,
    });
    expect(accepted.status).toBe(202);
    const worker = await published(ticketId);
    expect(worker.priority.factors.map((f) => f.code)).toContain('context:account');
    expect(worker.priority.degraded).toBe(false);
    // The tier needs the context: scored from the exception alone (the account's tier and ARR are
    // not in the ticket), the same ticket gets another score and another tier. The agreement below
    // is checked on the whole priority (score, factors, tier).
    const now = new Date(worker.priority.scoredAt);
    const withoutContext = rt.scorer.explain(scoringInputOf(worker), now).priority;
    expect(withoutContext.score).not.toBe(worker.priority.score);
    expect(withoutContext.tier).not.toBe(worker.priority.tier);

    // 2. The mapping dry run (POST /v1/mappings/dry-run) of the same payload.
    const dry = await post(
      '/v1/mappings/dry-run',
      Buffer.from(
        JSON.stringify({
          system: 'zendesk',
          objectType: 'ticket_webhook',
          connector: 'zendesk',
          payload: JSON.parse(body.toString('utf8')),
        }),
      ),
      { 'content-type': 'application/json', ...(await apiKeyHeader(rt, 'steward')) },
    );
    expect(dry.status).toBe(200);
    const [dryException] = (dry.json() as { exceptions: CanonicalException[] }).exceptions;
    expect(essence(dryException)).toEqual(essence(worker));

    // 3. The priority dry run (POST /v1/priority/dry-run) of the published exception.
    const explained = await post(
      `/v1/priority/dry-run?now=${encodeURIComponent(now.toISOString())}`,
      Buffer.from(JSON.stringify(worker)),
      { 'content-type': 'application/json', ...(await apiKeyHeader(rt, 'steward')) },
    );
    expect(explained.status).toBe(200);
    const explainedPriority = (explained.json() as Explanation).priority;
    expect(timeless(explainedPriority as CanonicalException['priority'])).toEqual(
      timeless(worker.priority),
    );

    // 4. The DLQ / replay recheck, wired as the hub's ops controller wires it, on the source event.
    const recheck = pipelineRecheck({
      mappings: rt.mappings,
      scorer: rt.scorer,
      connectorVersion: rt.version,
      context: app.get(ContextService).engine,
    });
    const options = sourceEventPublishOptions({
      eventId: randomUUID(),
      correlationId: randomUUID(),
      connectorId: 'zendesk',
      system: 'zendesk',
      objectType: 'ticket_webhook',
      receivedAt: new Date().toISOString(),
      contentType: 'application/json',
    });
    const result = await recheck({
      content: body,
      properties: options as unknown as MessageProperties,
      fields: {},
    } as unknown as ConsumeMessage);
    expect(result).toEqual({
      status: 'valid',
      exceptions: [
        {
          id: worker.id,
          domain: worker.domain,
          type: worker.type,
          tier: worker.priority.tier,
          mappingId: worker.lineage.mapping.id,
        },
      ],
    });
  });
});
