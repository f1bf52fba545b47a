/**
 * The OpenTelemetry SDK behind `HubTracer`, loaded only when tracing is on (see tracing.ts).
 * Parents are passed explicitly as `traceparent` strings, so no global context manager or
 * propagator is registered and nothing else in the process is affected.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { parseTraceparent } from '@exhub/messaging';
import type {
  HubSpan,
  HubTracer,
  SpanAttributes,
  SpanKindName,
  StartSpanOptions,
} from './tracing-types';

const KINDS: Record<SpanKindName, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};
const TRACER_NAME = 'exhub';

export interface SdkTracerOptions {
  serviceName: string;
  version: string;
  /** Defaults to OTLP/HTTP, configured by the standard OTEL_EXPORTER_OTLP_* variables. */
  exporter?: SpanExporter;
  /** Export each span as it ends (tests) instead of in batches. */
  synchronous?: boolean;
}

function clean(attributes: SpanAttributes | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function wrap(span: Span): HubSpan {
  const ctx = span.spanContext();
  const flags = (ctx.traceFlags & TraceFlags.SAMPLED ? 1 : 0).toString(16).padStart(2, '0');
  return {
    traceparent: `00-${ctx.traceId}-${ctx.spanId}-${flags}`,
    traceId: ctx.traceId,
    setAttributes: (attributes) => void span.setAttributes(clean(attributes)),
    fail: (error) => {
      const err = error instanceof Error ? error : new Error(String(error));
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    },
    end: () => span.end(),
  };
}

export async function createSdkTracer(options: SdkTracerOptions): Promise<HubTracer> {
  const exporter = options.exporter ?? new OTLPTraceExporter();
  const processor = options.synchronous
    ? new SimpleSpanProcessor({ exporter })
    : new BatchSpanProcessor({ exporter });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.version,
    }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer(TRACER_NAME, options.version);
  return {
    enabled: true,
    startSpan(name: string, start: StartSpanOptions = {}): HubSpan {
      const parent = parseTraceparent(start.parent);
      const context = parent
        ? trace.setSpanContext(ROOT_CONTEXT, {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: parseInt(parent.flags, 16),
            isRemote: true,
          })
        : ROOT_CONTEXT;
      return wrap(
        tracer.startSpan(
          name,
          { kind: KINDS[start.kind ?? 'internal'], attributes: clean(start.attributes) },
          context,
        ),
      );
    },
    shutdown: () => provider.shutdown(),
  };
}
