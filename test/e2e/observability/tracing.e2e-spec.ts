import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { setHubTracer } from '@exhub/observability';
import { createSdkTracer } from '@exhub/observability';
import { startHub, stripeHeaders, subscribe, take, type Harness } from '../hub/hub-harness';

const dispute = readFileSync(
  join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
);
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SENDER_SPAN_ID = '00f067aa0ba902b7';
const PIPELINE_SPANS = ['pipeline', 'map', 'score', 'validate', 'publish'];

describe('tracing: one webhook is one trace, from the sender through the broker to the pipeline', () => {
  const exporter = new InMemorySpanExporter();
  let hub: Harness;

  beforeAll(async () => {
    setHubTracer(
      await createSdkTracer({
        serviceName: 'exhub-test',
        version: 'e2e',
        exporter,
        synchronous: true,
      }),
    );
    hub = await startHub();
  });
  afterAll(async () => {
    await hub?.close();
    setHubTracer(undefined);
  });

  async function spansUntil(names: string[], timeoutMs = 10_000): Promise<ReadableSpan[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const spans = exporter.getFinishedSpans();
      const have = new Set(spans.map((s) => s.name));
      if (names.every((n) => have.has(n)) || Date.now() > deadline) return spans;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('keeps the incoming traceparent trace id across ingress, broker hop and pipeline spans', async () => {
    const queue = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    const res = await hub.post('/v1/ingest/stripe', dispute, {
      ...stripeHeaders(dispute),
      traceparent: `00-${TRACE_ID}-${SENDER_SPAN_ID}-01`,
    });
    expect(res.status).toBe(202);
    const [msg] = await take(hub.channel, queue, 1);
    expect(msg).toBeDefined();

    const spans = await spansUntil(['ingress', 'ingress publish', ...PIPELINE_SPANS]);
    const byName = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found).toHaveLength(1);
      return found[0];
    };
    const ingress = byName('ingress');
    const hop = byName('ingress publish');
    const pipeline = byName('pipeline');

    // One trace id everywhere, the sender's.
    for (const span of spans) expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(String(msg.properties.headers?.traceparent)).toMatch(new RegExp(`^00-${TRACE_ID}-`));

    // Parentage: sender → ingress (server) → publish (producer) → [broker] → pipeline (consumer).
    expect(ingress.parentSpanContext?.spanId).toBe(SENDER_SPAN_ID);
    expect(ingress.kind).toBe(1); // SERVER
    expect(hop.parentSpanContext?.spanId).toBe(ingress.spanContext().spanId);
    expect(hop.kind).toBe(3); // PRODUCER
    expect(pipeline.parentSpanContext?.spanId).toBe(hop.spanContext().spanId);
    expect(pipeline.kind).toBe(4); // CONSUMER
    for (const name of PIPELINE_SPANS.slice(1)) {
      expect(byName(name).parentSpanContext?.spanId).toBe(pipeline.spanContext().spanId);
    }
    expect(ingress.attributes['exhub.connector']).toBe('stripe');
  });

  it('starts a new trace for a webhook without traceparent and marks a failed stage', async () => {
    exporter.reset();
    const event = JSON.parse(dispute.toString('utf8'));
    event.id = 'evt_exhub_trace_invalid';
    event.data.object.id = 'du_exhub_trace_invalid';
    event.data.object.currency = 'usdollars';
    const body = Buffer.from(JSON.stringify(event));
    expect((await hub.post('/v1/ingest/stripe', body, stripeHeaders(body))).status).toBe(202);

    const spans = await spansUntil(['ingress', 'pipeline']);
    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
    expect([...traceIds][0]).not.toBe(TRACE_ID);
    const pipeline = spans.find((s) => s.name === 'pipeline');
    expect(pipeline?.status.code).toBe(2); // ERROR
    expect(pipeline?.events.map((e) => e.name)).toContain('exception');
  });
});

describe('tracing: OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  let collector: Server;
  const received: { path: string; contentType: string; body: string }[] = [];
  const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          contentType: String(req.headers['content-type']),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const { port } = collector.address() as AddressInfo;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
    setHubTracer(undefined);
    await new Promise((r) => collector.close(r));
  });

  it('exports the spans of a webhook to the collector, flushed when the hub closes', async () => {
    setHubTracer(undefined); // as a fresh process: the hub installs the exporter itself
    const hub = await startHub();
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    try {
      const res = await hub.post('/v1/ingest/stripe', dispute, {
        ...stripeHeaders(dispute),
        traceparent: `00-${traceId}-${SENDER_SPAN_ID}-01`,
      });
      expect(res.status).toBe(202);
      // Let the pipeline finish before closing (the batch is flushed on close).
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const text = (await hub.get('/metrics')).body;
        if (/^exhub_stage_processed_total\{stage="total"\} [1-9]/m.test(text)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await hub.close();
    }
    const exports = received.filter((r) => r.path === '/v1/traces');
    expect(exports.length).toBeGreaterThan(0);
    expect(exports[0].contentType).toMatch(/application\/json/);
    const all = exports.map((e) => e.body).join('\n');
    expect(all).toContain(traceId);
    for (const name of ['ingress', 'ingress publish', 'pipeline', 'map', 'publish']) {
      expect(all).toContain(`"name":"${name}"`);
    }
    expect(all).toContain('"service.name"');
  });
});
