/** The tracer's types, shared by the propagating tracer (tracing.ts) and the SDK one (tracing-sdk.ts). */
export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface HubSpan {
  /** This span's context as a W3C `traceparent`: what the next hop carries. */
  readonly traceparent: string;
  readonly traceId: string;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed with the error's class and message. */
  fail(error: unknown): void;
  end(): void;
}

export interface StartSpanOptions {
  /** The parent's `traceparent`; missing or invalid starts a new trace. */
  parent?: string;
  kind?: SpanKindName;
  attributes?: SpanAttributes;
}

export interface HubTracer {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  startSpan(name: string, options?: StartSpanOptions): HubSpan;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}
