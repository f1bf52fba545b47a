import { createServer } from 'node:net';
import { AmqpUnavailableError, connectAmqp, redactUrl } from './connection';

describe('redactUrl', () => {
  it.each([
    ['amqp://guest:s3cret@localhost:5672', 'amqp://localhost:5672'],
    ['amqps://user:p%40ss@rabbit.example.com:5671/prod', 'amqps://rabbit.example.com:5671/prod'],
    ['amqp://token@localhost', 'amqp://localhost'],
    ['amqp://localhost:5672', 'amqp://localhost:5672'],
    ['not a url with user:pw@host', '<unparseable AMQP URL>'],
  ])('%s → %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });
});

/** A local port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('connectAmqp', () => {
  it('explains an unreachable broker in one line without the password', async () => {
    const port = await closedPort();
    const failure = connectAmqp(`amqp://guest:hunter2@127.0.0.1:${port}`, { name: 'spec' });
    await expect(failure).rejects.toBeInstanceOf(AmqpUnavailableError);
    const error = (await failure.catch((e: unknown) => e)) as AmqpUnavailableError;
    expect(error.message).toBe(
      `cannot reach RabbitMQ at amqp://127.0.0.1:${port} (ECONNREFUSED) — start one with \`rabbitmq-server -detached\` or set AMQP_URL`,
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.errorClass).toBe('TRANSIENT');
    expect(error.reason).toBe('unreachable');
  });

  it('explains a URL that is not amqp://', async () => {
    await expect(connectAmqp('http://user:pw@localhost', { name: 'spec' })).rejects.toThrow(
      'AMQP_URL http://localhost/ is not an amqp:// or amqps:// URL — set it like amqp://user:password@host:5672',
    );
  });
});
