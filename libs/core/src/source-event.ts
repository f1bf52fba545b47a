/**
 * A SourceEvent is one raw fact from a source system, as it travels from a connector through
 * `exhub.ingress` to the pipeline. The AMQP message body is the source payload, byte for byte as
 * received (so the archive and the DLQ hold it untouched); everything the hub knows about it rides
 * in AMQP properties and `x-exhub-*` headers. This type is that metadata.
 */
export interface SourceEventMeta {
  /** The hub's id for this raw event (a UUID minted at ingress); becomes `causationId`. */
  eventId: string;
  /** Carried everywhere: the source's own correlation id where it has one, else minted at ingress. */
  correlationId: string;
  /** Connector instance id from exhub.config.yaml, e.g. `stripe`. */
  connectorId: string;
  /** Source system (connector type), e.g. `stripe`, `sap-s4`. */
  system: string;
  /** The source's object kind for this payload, used to pick mappings, e.g. `event`. */
  objectType: string;
  /** The source's own event id where it has one (Stripe `evt_…`), used for dedupe. */
  sourceEventId?: string;
  /** ISO 8601 UTC time the hub received it. */
  receivedAt: string;
  /** MIME type of the body, e.g. `application/json`. */
  contentType: string;
  /** W3C trace context, when the caller sent one. */
  traceparent?: string;
}
