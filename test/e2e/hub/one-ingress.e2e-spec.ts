/**
 * One ingress (issue 14): a polled event (an SAP S/4HANA supplier invoice from the simulator) and a
 * webhook event (a Stripe dispute) go through the same `publishSourceEvent`: each is counted in
 * exhub_events_received_total, gets an `ingress` span and an `ingress publish` span, and the
 * traceparent of that span's trace reaches the published exception. Real broker.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import * as amqp from 'amqplib';
import pino from 'pino';
import {
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
  SapS4Simulator,
  type SupplierInvoiceEntity,
} from '../../../connectors/sap-s4/testing';
import type { CanonicalException } from '@exhub/canonical';
import { Secret, loadEnvSettings } from '@exhub/config';
import { setHubTracer } from '@exhub/observability';
import { createSdkTracer } from '@exhub/observability';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import {
  AMQP_URL,
  STRIPE_SECRET,
  serveRuntime,
  stripeHeaders,
  type ServedRuntime,
} from './hub-harness';

const TIMEOUT_MS = 20_000;
const DAY_MS = 86_400_000;
const REPO = join(__dirname, '../../..');
const invoiceTemplate = JSON.parse(
  readFileSync(join(REPO, 'connectors/sap-s4/fixtures/01-payment-hold.invoice.json'), 'utf8'),
) as SupplierInvoiceEntity;
const dispute = readFileSync(join(REPO, 'connectors/stripe/fixtures/charge.dispute.created.json'));

describe('one ingress: polled and webhook events are received, traced and carried alike (issue 14)', () => {
  const exporter = new InMemorySpanExporter();
  let sim: SapS4Simulator;
  let rt: HubRuntime;
  let app: NestFastifyApplication;
  let served: ServedRuntime | undefined;
  let channel: amqp.Channel;
  let queue: string;
  const seen: { exception: CanonicalException; traceparent: string }[] = [];

  async function published(system: string): Promise<{
    exception: CanonicalException;
    traceparent: string;
  }> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const found = seen.find((s) => s.exception.source.system === system);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${system} exception within ${TIMEOUT_MS} ms`);
      const m = await channel.get(queue, { noAck: true });
      if (m) {
        seen.push({
          exception: JSON.parse(m.content.toString('utf8')) as CanonicalException,
          traceparent: String(m.properties.headers?.traceparent ?? ''),
        });
      } else {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  beforeAll(async () => {
    setHubTracer(
      await createSdkTracer({
        serviceName: 'exhub-test',
        version: 'e2e',
        exporter,
        synchronous: true,
      }),
    );
    // A supplier invoice blocked for payment, posted today: the connector's first poll reads it.
    sim = await SapS4Simulator.start({
      invoices: [
        {
          ...invoiceTemplate,
          SupplierInvoice: '5109911111',
          SupplierInvoiceIDByInvcgParty: `ING-${randomBytes(3).toString('hex')}`,
          PostingDate: `/Date(${Math.floor(Date.now() / DAY_MS) * DAY_MS})/`,
          DueCalculationBaseDate: `/Date(${Date.now() + 30 * DAY_MS})/`,
          NetPaymentDays: '0',
          PaymentBlockingReason: 'A',
        },
      ],
    });
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: 'stripe',
          type: 'stripe',
          enabled: true,
          settings: { secrets: [new Secret(STRIPE_SECRET, 'test')], toleranceSeconds: 300 },
        },
        {
          id: 'sap',
          type: 'sap-s4',
          enabled: true,
          settings: {
            baseUrl: sim.baseUrl,
            allowedHosts: ['127.0.0.1'],
            username: SIMULATOR_USER,
            password: SIMULATOR_PASSWORD,
            pollIntervalSeconds: 1,
            startFrom: '2026-01-01',
            timeoutMs: 1000,
            retries: 1,
          },
        },
      ],
    });
    served = await serveRuntime(rt);
    ({ app, channel, queue } = served);
  });

  afterAll(async () => {
    await served?.close();
    setHubTracer(undefined);
    await sim?.close();
  });

  it.each([
    // OpenTelemetry span kinds: a poll consumes from the source, a webhook is served.
    ['sap', 'sap-s4', 4],
    ['stripe', 'stripe', 1],
  ] as const)(
    'connector %s (%s): counted, an ingress span, its traceparent on the published exception',
    async (connector, system, kind) => {
      const fastify = app.getHttpAdapter().getInstance();
      if (connector === 'stripe') {
        const r = await fastify.inject({
          method: 'POST',
          url: '/v1/ingest/stripe',
          payload: dispute,
          headers: stripeHeaders(dispute),
        });
        expect(r.statusCode).toBe(202);
      }
      const { exception, traceparent } = await published(system);
      expect(exception.source.connector).toBe(connector);

      const metrics = (await fastify.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(
        new RegExp(`^exhub_events_received_total\\{connector="${connector}"\\} [1-9]`, 'm'),
      );

      // The ingress span of this connector's event, its publish hop, and the same trace on the
      // published exception (ingress → broker → pipeline → exhub.exceptions).
      const spans = exporter.getFinishedSpans();
      const ingress = spans.filter(
        (s) => s.name === 'ingress' && s.attributes['exhub.connector'] === connector,
      );
      expect(ingress.length).toBeGreaterThanOrEqual(1);
      for (const s of ingress) expect(s.kind).toBe(kind);
      const traceIds = ingress.map((s) => s.spanContext().traceId);
      const hop = spans.find(
        (s) =>
          s.name === 'ingress publish' &&
          traceIds.includes(s.spanContext().traceId) &&
          s.parentSpanContext?.spanId !== undefined,
      );
      expect(hop).toBeDefined();
      const carried = traceparent.split('-')[1];
      expect(traceIds).toContain(carried);
    },
  );
});
