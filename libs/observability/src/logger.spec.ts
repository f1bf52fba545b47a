import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Secret } from '@exhub/config';
import { createLogger } from './logger';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { logger: createLogger('trace', {}, stream), text: () => text };
}

describe('createLogger redaction', () => {
  it('never prints a Secret, a credential field or URL user-info, wherever it is', () => {
    const { logger, text } = capture();
    const secret = new Secret('whsec_topsecretvalue', 'env STRIPE_WEBHOOK_SECRET');
    logger.info({ settings: { secrets: [secret] } }, 'settings');
    logger.info({ password: 'hunter2', nested: { token: 'tok_123', apiKey: 'key_9' } }, 'fields');
    logger.info({ headers: { authorization: 'Bearer abc.def', 'stripe-signature': 't=1,v1=ff' } });
    logger.info({ url: 'amqp://exhub:s3cr3t-pw@rabbitmq:5672/vh' }, 'to amqps://u:p4ss@host');
    logger.error({ err: new Error('connect amqp://exhub:s3cr3t-pw@rabbitmq:5672 failed') }, 'x');
    const out = text();
    for (const leaked of [
      'topsecretvalue',
      'hunter2',
      'tok_123',
      'key_9',
      'abc.def',
      'v1=ff',
      's3cr3t-pw',
      'p4ss',
    ]) {
      expect(out).not.toContain(leaked);
    }
    expect(out).toContain('amqp://[redacted]@rabbitmq:5672/vh');
    expect(out).toContain('connect amqp://[redacted]@rabbitmq:5672 failed');
  });

  it('leaves ordinary strings with @ alone', () => {
    const { logger, text } = capture();
    logger.info({ email: 'ap@example.com', url: 'https://example.com/a@b' }, 'mail ap@example.com');
    expect(text()).toContain('ap@example.com');
    expect(text()).toContain('https://example.com/a@b');
  });
});

describe('createLogger in a worker thread', () => {
  it('loses no line when the thread ends right after logging', () => {
    // A child process, so its stdout is ours to read; its worker thread logs 500 lines through
    // createLogger (compiled on the fly, as the benchmarks are) and calls process.exit at once.
    const root = join(__dirname, '../../..');
    const thread = `
      require(${JSON.stringify(join(root, 'bench/swc-register.js'))});
      const { createLogger } = require(${JSON.stringify(join(__dirname, 'logger.ts'))});
      const log = createLogger('info');
      for (let i = 0; i < 500; i++) log.info({ i }, 'line');
      process.exit(0);
    `;
    const stdout = execFileSync(
      process.execPath,
      [
        '-e',
        `new (require('node:worker_threads').Worker)(${JSON.stringify(thread)}, { eval: true })`,
      ],
      { encoding: 'utf8', cwd: root },
    );
    const lines = stdout.split('\n').filter((l) => l.includes('"msg":"line"'));
    expect(lines).toHaveLength(500);
    expect(JSON.parse(lines[499]!)).toMatchObject({ i: 499 });
  });
});
