import { dirname, join } from 'node:path';
import { exceptionPublishOptions, exceptionRoutingKey } from './exception-message';

// amqplib's own field-table encoder: the bytes the hub puts on the wire for the headers (the
// broker passes a header table through as it is). Not in amqplib's exports, hence the path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { encodeTable } = require(join(dirname(require.resolve('amqplib')), 'lib/codec.js')) as {
  encodeTable(buffer: Buffer, value: Record<string, unknown>, offset: number): number;
};

/**
 * Decodes an AMQP 0-9-1 field table as pika's `data.decode_table` does, field by field: the type
 * tag decides the value a Python (or Go, or Java) client sees. Only the tags a header table of the
 * hub may hold are read; any other tag fails the test with its letter.
 */
function decodeTableAsPika(wire: Buffer): Record<string, { tag: string; value: unknown }> {
  const out: Record<string, { tag: string; value: unknown }> = {};
  const end = 4 + wire.readUInt32BE(0);
  let at = 4;
  while (at < end) {
    const keyLength = wire.readUInt8(at);
    const key = wire.toString('utf8', at + 1, at + 1 + keyLength);
    at += 1 + keyLength;
    const tag = String.fromCharCode(wire.readUInt8(at));
    at += 1;
    if (tag === 'S') {
      const length = wire.readUInt32BE(at);
      out[key] = { tag, value: wire.toString('utf8', at + 4, at + 4 + length) };
      at += 4 + length;
    } else if (tag === 'd') {
      out[key] = { tag, value: wire.readDoubleBE(at) };
      at += 8;
    } else if (tag === 'b') {
      out[key] = { tag, value: wire.readInt8(at) };
      at += 1;
    } else {
      throw new Error(`header ${key}: field type '${tag}' is not expected in an exception message`);
    }
  }
  return out;
}

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
        'x-exhub-score': '91.5',
        traceparent: tp,
      },
    });
  });

  it.each([40.03, 87, 0, 100, 12.5])(
    'x-exhub-score %p goes on the wire as a long string, which every client reads as the same text',
    (score) => {
      const { headers } = exceptionPublishOptions({
        ...exception,
        priority: { tier: 'p2', score },
      });
      const wire = Buffer.alloc(4096);
      encodeTable(wire, headers as Record<string, unknown>, 0);
      const decoded = decodeTableAsPika(wire);
      expect(decoded['x-exhub-score']).toEqual({ tag: 'S', value: String(score) });
      // The text parses back to exactly the score in the body.
      expect(Number(decoded['x-exhub-score'].value)).toBe(score);
      expect(JSON.stringify({ score })).toBe(`{"score":${String(decoded['x-exhub-score'].value)}}`);
    },
  );

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
