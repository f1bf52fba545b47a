/**
 * Tracing for the hub: one span per hop and per pipeline stage, linked by W3C `traceparent` values
 * that travel in AMQP headers (SourceEvent metadata). Off by default: unless
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, no OpenTelemetry
 * SDK is loaded and spans are plain objects that only mint `traceparent` values, so trace context
 * still propagates (and appears in logs) at no cost. When set, `tracing-sdk.ts` is imported lazily
 * and exports spans over OTLP/HTTP.
 */
import { childTraceparent, parseTraceparent } from '@exhub/messaging';

import type {
  HubSpan,
  HubTracer,
  SpanAttributes,
  SpanKindName,
  StartSpanOptions,
} from './tracing-types';

export type { HubSpan, HubTracer, SpanAttributes, SpanKindName, StartSpanOptions };

const noop = (): void => undefined;

/**
 * Spans that record nothing; trace context still propagates. A hop (server, client, producer,
 * consumer: what crosses a process or the broker) gets a new span id; an internal span (a
 * pipeline stage) keeps its parent's `traceparent`, since nothing records it: no random id per
 * stage when tracing is off (issue 17).
 */
export class PropagatingTracer implements HubTracer {
  readonly enabled = false;

  startSpan(_name: string, options: StartSpanOptions = {}): HubSpan {
    const parent = parseTraceparent(options.parent);
    const internal = (options.kind ?? 'internal') === 'internal';
    const traceparent =
      internal && parent && options.parent ? options.parent : childTraceparent(options.parent);
    const traceId = parent?.traceId ?? parseTraceparent(traceparent)?.traceId ?? '';
    return { traceparent, traceId, setAttributes: noop, fail: noop, end: noop };
  }

  async shutdown(): Promise<void> {}
}

/** True when the environment asks for OTLP export (the standard OpenTelemetry variables). */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

let current: HubTracer = new PropagatingTracer();

/** The process's tracer (propagation only until `initTracing` or `setHubTracer`). */
export function hubTracer(): HubTracer {
  return current;
}

/** Replaces the process's tracer (tests install one with an in-memory exporter). */
export function setHubTracer(tracer: HubTracer | undefined): void {
  current = tracer ?? new PropagatingTracer();
}

/**
 * The OpenTelemetry SDK tracer (OTLP or in-memory exporter), loaded on first use: tests and
 * `initTracing` call this; a hub without tracing never loads the SDK.
 */
export async function createSdkTracer(
  options: import('./tracing-sdk').SdkTracerOptions,
): Promise<HubTracer> {
  const sdk = await import('./tracing-sdk.js');
  return sdk.createSdkTracer(options);
}

/**
 * Installs the OTLP exporter when the environment asks for it; otherwise leaves propagation only.
 * The SDK is imported here, lazily, so a hub without tracing never loads it.
 */
export async function initTracing(env: NodeJS.ProcessEnv, version: string): Promise<HubTracer> {
  if (!current.enabled && tracingRequested(env)) {
    current = await createSdkTracer({ serviceName: env.OTEL_SERVICE_NAME || 'exhub', version });
  }
  return current;
}

/**
 * Runs `fn` inside a child span of `parent`: the span ends when `fn` settles and records a thrown
 * error before it is rethrown.
 */
export async function inSpan<T>(
  parent: string | undefined,
  name: string,
  fn: (span: HubSpan) => T | Promise<T>,
  options: Omit<StartSpanOptions, 'parent'> = {},
): Promise<T> {
  const span = hubTracer().startSpan(name, { ...options, parent });
  try {
    return await fn(span);
  } catch (error) {
    span.fail(error);
    throw error;
  } finally {
    span.end();
  }
}
