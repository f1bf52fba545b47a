import type { MessageProperties } from 'amqplib';
import { HubError } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import { HEADER, sourceEventMetaFrom, sourceEventPublishOptions } from './headers';

const meta: SourceEventMeta = {
  eventId: '3f1c7d1e-7e4b-4a53-9a4a-8c1f0d2f9b10',
  correlationId: 'corr-1',
  connectorId: 'stripe',
  system: 'stripe',
  objectType: 'event',
  sourceEventId: 'evt_123',
  receivedAt: '2025-03-04T05:06:07.891Z',
  contentType: 'application/json',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

/** What a consumer sees: every AMQP property present, unset ones undefined. */
function delivered(options: ReturnType<typeof sourceEventPublishOptions>) {
  const properties = {
    contentType: options.contentType,
    contentEncoding: undefined,
    headers: options.headers,
    deliveryMode: 2,
    priority: undefined,
    correlationId: options.correlationId,
    replyTo: undefined,
    expiration: undefined,
    messageId: options.messageId,
    timestamp: options.timestamp,
    type: options.type,
    userId: undefined,
    appId: undefined,
    clusterId: undefined,
  } satisfies MessageProperties;
  return { properties };
}

describe('SourceEvent headers', () => {
  it('publishes metadata as persistent, mandatory AMQP properties and x-exhub headers', () => {
    const options = sourceEventPublishOptions(meta);
    expect(options).toEqual({
      persistent: true,
      mandatory: true,
      messageId: meta.eventId,
      correlationId: 'corr-1',
      contentType: 'application/json',
      timestamp: Math.floor(Date.parse(meta.receivedAt) / 1000),
      type: 'source-event.v1',
      headers: {
        'x-exhub-connector': 'stripe',
        'x-exhub-system': 'stripe',
        'x-exhub-object-type': 'event',
        'x-exhub-source-event-id': 'evt_123',
        'x-exhub-received-at': meta.receivedAt,
        traceparent: meta.traceparent,
      },
    });
  });

  it('round-trips, with and without the optional fields', () => {
    expect(sourceEventMetaFrom(delivered(sourceEventPublishOptions(meta)))).toEqual(meta);
    const minimal: SourceEventMeta = { ...meta };
    delete minimal.sourceEventId;
    delete minimal.traceparent;
    const options = sourceEventPublishOptions(minimal);
    expect(Object.keys(options.headers)).not.toContain(HEADER.sourceEventId);
    expect(sourceEventMetaFrom(delivered(options))).toEqual(minimal);
  });

  it('accepts header values sent as bytes by other clients', () => {
    const msg = delivered(sourceEventPublishOptions(meta));
    msg.properties.headers = {
      ...msg.properties.headers,
      [HEADER.connector]: Buffer.from('stripe-eu'),
    };
    expect(sourceEventMetaFrom(msg).connectorId).toBe('stripe-eu');
  });

  it('names the missing header and is a permanent (INVALID_PAYLOAD) error', () => {
    const msg = delivered(sourceEventPublishOptions(meta));
    delete (msg.properties.headers as Record<string, unknown>)[HEADER.objectType];
    expect(() => sourceEventMetaFrom(msg)).toThrow(
      `source event ${meta.eventId} has no x-exhub-object-type header`,
    );
    try {
      sourceEventMetaFrom(msg);
    } catch (error) {
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).errorClass).toBe('INVALID_PAYLOAD');
    }
  });

  it('names a missing AMQP property', () => {
    const msg = delivered(sourceEventPublishOptions(meta));
    msg.properties.correlationId = undefined;
    expect(() => sourceEventMetaFrom(msg)).toThrow(/has no AMQP property correlationId/);
  });

  it('refuses a receivedAt that is not a time', () => {
    expect(() => sourceEventPublishOptions({ ...meta, receivedAt: 'yesterday' })).toThrow(
      /receivedAt .* is not an ISO 8601 time: "yesterday"/,
    );
  });
});
