import { ExhubDeserializer, UNROUTABLE_PATTERN } from './exhub.deserializer';

const exception = {
  domain: 'finance',
  type: 'chargeback_dispute',
  priority: { tier: 'p2', score: 71.5 },
};

describe('ExhubDeserializer', () => {
  const deserializer = new ExhubDeserializer();

  it('turns the plain canonical exception into a Nest event keyed by the routing key from the headers', () => {
    const headers = {
      'x-exhub-domain': 'finance',
      'x-exhub-type': 'chargeback_dispute',
      // amqplib hands long strings sent by other clients over as bytes
      'x-exhub-tier': Buffer.from('p2'),
    };
    expect(deserializer.deserialize(exception, { headers })).toEqual({
      pattern: 'finance.chargeback_dispute.p2',
      data: exception,
    });
  });

  it('trusts the headers over the body, as the routing key was built from them', () => {
    const headers = {
      'x-exhub-domain': 'finance',
      'x-exhub-type': 'invoice_mismatch',
      'x-exhub-tier': 'p1',
    };
    expect(deserializer.deserialize(exception, { headers }).pattern).toBe(
      'finance.invoice_mismatch.p1',
    );
  });

  it('falls back to the body when a publisher left the headers out', () => {
    expect(deserializer.deserialize(exception, { headers: {} }).pattern).toBe(
      'finance.chargeback_dispute.p2',
    );
    expect(deserializer.deserialize(exception).pattern).toBe('finance.chargeback_dispute.p2');
  });

  it('marks a message it cannot route so that no handler takes it', () => {
    expect(deserializer.deserialize('not json at all', {})).toEqual({
      pattern: UNROUTABLE_PATTERN,
      data: 'not json at all',
    });
    expect(
      deserializer.deserialize({ domain: 'finance' }, { headers: { 'x-exhub-tier': 'p1' } })
        .pattern,
    ).toBe(UNROUTABLE_PATTERN);
  });
});
