import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import {
  PropagatingTracer,
  hubTracer,
  inSpan,
  initTracing,
  setHubTracer,
  tracingRequested,
} from './tracing';
import { createSdkTracer } from './tracing-sdk';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

afterEach(() => setHubTracer(undefined));

describe('tracing off (the default)', () => {
  it('is requested only by the standard OTLP endpoint variables', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }),
    ).toBe(true);
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBe(false);
  });

  it('keeps propagation without an SDK: same trace id, new span id for a hop', async () => {
    const tracer = await initTracing({}, 'test');
    expect(tracer.enabled).toBe(false);
    for (const kind of ['server', 'producer', 'consumer', 'client'] as const) {
      const span = tracer.startSpan('hop', { parent: PARENT, kind });
      expect(span.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(span.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      expect(span.traceparent).not.toBe(PARENT);
    }
  });

  it('mints no span id for an internal span without an SDK: it carries its parent on', () => {
    const span = new PropagatingTracer().startSpan('map', { parent: PARENT });
    expect(span.traceparent).toBe(PARENT);
    expect(span.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('starts a new trace for a missing or invalid parent', () => {
    const tracer = new PropagatingTracer();
    for (const parent of [undefined, 'garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`]) {
      const span = tracer.startSpan('x', { parent });
      expect(span.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(span.traceId).not.toBe('0'.repeat(32));
    }
  });
});

describe('tracing on', () => {
  it('loads the SDK when an endpoint is set', async () => {
    const tracer = await initTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 't');
    expect(tracer.enabled).toBe(true);
    expect(hubTracer()).toBe(tracer);
    await tracer.shutdown();
  });

  it('records child spans of a remote parent and marks failures', async () => {
    const exporter = new InMemorySpanExporter();
    setHubTracer(
      await createSdkTracer({ serviceName: 't', version: '1', exporter, synchronous: true }),
    );
    await expect(
      inSpan(PARENT, 'map', () => {
        throw new Error('no mapping');
      }),
    ).rejects.toThrow('no mapping');
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('map');
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span.status).toEqual({ code: 2, message: 'no mapping' });
  });
});
