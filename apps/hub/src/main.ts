import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, EnvError, loadEnvSettings } from '../../../libs/config/src';
import { AmqpUnavailableError } from '../../../libs/messaging/src';
import { createLogger, redactUrl } from '../../../libs/observability/src';
import { PolicyError } from '../../../libs/prioritization/src';
import { createHubApp } from './create-app';
import { createRuntime } from './hub-runtime';

function packageVersion(): string {
  try {
    return (
      JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return '0.0.0';
  }
}

/** Errors a user can fix, printed as their message alone (no stack trace). */
const USER_ERRORS = [AmqpUnavailableError, ConfigError, EnvError, PolicyError] as const;

async function main(): Promise<void> {
  const env = loadEnvSettings();
  const logger = createLogger(env.logLevel);
  const version = packageVersion();
  const runtime = await createRuntime(env, version, { logger });
  const app = await createHubApp(runtime);
  await app.listen({ port: env.port, host: env.host });
  logger.info(
    {
      port: env.port,
      roles: [...env.roles],
      amqp: redactUrl(env.amqpUrl),
      connectors: [...runtime.connectors.keys()],
      mappings: runtime.mappings.list().length,
    },
    `exception hub ${version} listening on :${env.port}`,
  );
  let closing = false;
  const deadline = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(
      { signal, deadlineMs: env.shutdownDeadlineMs },
      'shutting down: finishing in-flight work',
    );
    setTimeout(() => {
      logger.error(
        { deadlineMs: env.shutdownDeadlineMs },
        'shutdown deadline passed; exiting with work unacknowledged (the broker redelivers it)',
      );
      process.exit(1);
    }, env.shutdownDeadlineMs).unref();
  };
  process.once('SIGTERM', () => deadline('SIGTERM'));
  process.once('SIGINT', () => deadline('SIGINT'));
}

main().catch((err: unknown) => {
  if (USER_ERRORS.some((E) => err instanceof E)) {
    process.stderr.write(`exhub: ${(err as Error).message}\n`);
  } else {
    process.stderr.write(`exhub: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
