import { Transport } from '@nestjs/microservices';
import { ExhubDeserializer } from './exhub.deserializer';
import { exhubTransport } from './exhub-transport';

describe('exhubTransport', () => {
  it("sets the hub's exchange, wildcards, manual acks and the deserializer", () => {
    const { transport, options } = exhubTransport({ urls: ['amqp://h'], queue: 'tool.finance' });
    expect(transport).toBe(Transport.RMQ);
    expect(options).toMatchObject({
      urls: ['amqp://h'],
      queue: 'tool.finance',
      exchange: 'exhub.exceptions',
      exchangeType: 'topic',
      wildcards: true,
      noAck: false,
    });
    expect(options?.deserializer).toBeInstanceOf(ExhubDeserializer);
    expect(options).not.toHaveProperty('prefix');
  });

  it('takes the prefix of a hub run with another EXHUB_TOPOLOGY_PREFIX, and lets every option win', () => {
    const { options } = exhubTransport({ queue: 'q', prefix: 'staging', prefetchCount: 4 });
    expect(options).toMatchObject({ exchange: 'staging.exceptions', prefetchCount: 4 });
    expect(exhubTransport({ queue: 'q', exchange: 'other' }).options?.exchange).toBe('other');
  });
});
