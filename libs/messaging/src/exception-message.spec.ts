import { exceptionPublishOptions, exceptionRoutingKey } from './exception-message';

const exception = {
  id: 'exc_4f2a',
  version: 3,
  correlationId: 'corr-9',
  domain: 'finance',
  type: 'invoice_mismatch',
  priority: { tier: 'p1', score: 91.5 },
};

describe('exception message', () => {
  it('routes by <domain>.<type>.<tier>', () => {
    expect(exceptionRoutingKey(exception)).toBe('finance.invoice_mismatch.p1');
  });

  it('carries the contract properties and headers', () => {
    const now = new Date('2025-01-02T03:04:05Z');
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(exceptionPublishOptions(exception, tp, { now })).toEqual({
      persistent: true,
      contentType: 'application/json',
      messageId: 'exc_4f2a:3',
      correlationId: 'corr-9',
      type: 'exception.v1',
      timestamp: now.getTime() / 1000,
      priority: 4,
      headers: {
        'x-exhub-domain': 'finance',
        'x-exhub-type': 'invoice_mismatch',
        'x-exhub-tier': 'p1',
        'x-exhub-score': 91.5,
        traceparent: tp,
      },
    });
  });

  it('gives lower tiers a lower AMQP priority and adds BCC review only when asked', () => {
    const p4 = exceptionPublishOptions({ ...exception, priority: { tier: 'p4', score: 5 } });
    expect(p4.priority).toBe(1);
    expect(p4.BCC).toBeUndefined();
    expect(p4.headers).not.toHaveProperty('traceparent');
    expect(exceptionPublishOptions(exception, undefined, { routeToReview: true }).BCC).toBe(
      'review',
    );
  });
});
