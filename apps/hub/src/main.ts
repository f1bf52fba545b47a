import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, EnvError, loadEnvSettings } from '@exhub/config';
import { AmqpUnavailableError } from '@exhub/messaging';
import { createLogger, redactUrl } from '@exhub/observability';
import { PolicyError } from '@exhub/prioritization';
import { StoreOpenError, WriteGate } from '@exhub/store';
import { createHubApp } from './create-app';
import { createRuntime, type HubRuntime } from './hub-runtime';
import { IngressLoad } from './ingest/ingress-load';
import { PipelineThread } from './pipeline-thread/pipeline-thread';
import { usePipelineThread } from './pipeline-thread/use-thread';

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

/** Signals that start a graceful shutdown (drain, then exit 0 within EXHUB_SHUTDOWN_DEADLINE_MS). */
const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const EXIT_DEADLINE_PASSED = 1;
const EXIT_SHUTDOWN_FAILED = 1;

/** Errors a user can fix, printed as their message alone (no stack trace). */
const USER_ERRORS = [
  AmqpUnavailableError,
  ConfigError,
  EnvError,
  PolicyError,
  StoreOpenError,
] as const;

async function main(): Promise<void> {
  const env = loadEnvSettings();
  const logger = createLogger(env.logLevel);
  const version = packageVersion();
  const threaded = usePipelineThread(env, logger);
  // Started first, so the thread loads its modules on the other core while this one builds its
  // runtime; it builds its own only once told to (`release`), after this runtime opened the store
  // (migrations ran) and nothing here failed: a start-up error is reported once, by this thread.
  const built: { runtime?: HubRuntime } = {};
  // The webhooks this thread handles, which the pipeline worker thread yields to.
  const ingressLoad = new IngressLoad();
  if (env.ingressFirst > 0 && env.roles.has('ingress') && env.roles.has('pipeline')) {
    ingressLoad.sampleLoop();
  }
  // Both threads write the SQLite store: their writers take turns here, not in SQLite's busy
  // handler (which sleeps on the waiting thread's event loop).
  const writeGate = threaded ? new WriteGate() : undefined;
  const thread = threaded
    ? new PipelineThread({
        data: {
          thread: 'pipeline',
          version,
          ingressLoad: ingressLoad.buffer,
          writeGate: writeGate?.buffer,
        },
        logger,
        onRestart: () => built.runtime?.metrics.pipelineThreadRestarts.inc(),
      })
    : undefined;
  thread?.start();
  // With the pipeline in its own thread this thread keeps the other roles (HTTP always).
  const runtime = await createRuntime(
    threaded ? { ...env, roles: new Set([...env.roles].filter((r) => r !== 'pipeline')) } : env,
    version,
    { logger, ingressLoad, writeGate },
  );
  built.runtime = runtime;
  thread?.release();
  runtime.pipelineThread = thread;
  const app = await createHubApp(runtime);
  await app.listen({ port: env.port, host: env.host });
  logger.info(
    {
      port: env.port,
      roles: [...env.roles],
      pipelineThread: threaded,
      amqp: redactUrl(env.amqpUrl),
      connectors: [...runtime.connectors.keys()],
      mappings: runtime.mappings.list().length,
    },
    `exception hub ${version} listening on :${env.port}`,
  );
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.info(
      { signal, deadlineMs: env.shutdownDeadlineMs },
      'shutting down: no new work, finishing in-flight work',
    );
    setTimeout(() => {
      logger.error(
        { deadlineMs: env.shutdownDeadlineMs },
        'shutdown deadline passed; exiting with work unacknowledged (the broker redelivers it)',
      );
      process.exit(EXIT_DEADLINE_PASSED);
    }, env.shutdownDeadlineMs).unref();
    try {
      // Consumer cancelled and its in-flight messages acked (PipelineService, here or in its
      // thread, which drains beside), HTTP closed, then the publisher flushed and the connection
      // closed (RuntimeCloser).
      const [, threadExit] = await Promise.all([app.close(), thread?.stop()]);
      if (threadExit) process.exit(EXIT_SHUTDOWN_FAILED);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(EXIT_SHUTDOWN_FAILED);
    }
    process.exit(0);
  };
  // `process.on`, not `once`: NestJS's own shutdown hook re-raises the signal after closing, which
  // would otherwise kill the process by signal before it exits 0.
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => void shutdown(signal));
}

main().catch((err: unknown) => {
  if (USER_ERRORS.some((E) => err instanceof E)) {
    process.stderr.write(`exhub: ${(err as Error).message}\n`);
  } else {
    process.stderr.write(`exhub: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
