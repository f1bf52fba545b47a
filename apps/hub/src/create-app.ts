import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import {
  BacklogCollector,
  DEFAULT_BACKLOG_POLL_MS,
  DEFAULT_QUEUE_POLL_MS,
  QueueDepthCollector,
  initTracing,
  queueWatchList,
  type Logger,
} from '@exhub/observability';
import type { HubRuntime } from './hub-runtime';
import { HubExceptionFilter } from './http/exception-filter';
import { applySecurity } from './http/security';
import { serveConsole } from './console/serve-console';
import { wasLoggedByFeature } from './http/access-log';
import { fastifyTimeoutOptions, httpTimeouts } from './http/timeouts';
import { setupOpenApi } from './openapi/openapi';
import { HubModule } from './hub.module';
import { dlqAgeUpdater } from './ops/dlq-ledger';
import { nestLogger } from './nest-logger';

/**
 * Builds the NestJS application on Fastify. Bodies are kept as raw Buffers (no JSON parser runs
 * before a webhook's signature is verified); Fastify's own pre-route errors (body too large) are
 * answered with the same JSON error body as the rest of the API.
 */
export async function createHubApp(runtime: HubRuntime): Promise<NestFastifyApplication> {
  const limit = runtime.config.ingress.maxBodyBytes;
  const adapter = new FastifyAdapter({
    bodyLimit: limit,
    ...fastifyTimeoutOptions(httpTimeouts(process.env)),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    HubModule.forRoot(runtime),
    adapter,
    {
      bodyParser: false,
      logger: nestLogger(runtime.logger),
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  // Fastify's built-in JSON and text parsers would parse before the signature check: remove them.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) =>
    done(null, body),
  );
  app.useGlobalFilters(new HubExceptionFilter(runtime));
  // Before the routes are registered (app.init / listen): every route gets the headers and limits.
  await applySecurity(app, runtime);
  setupOpenApi(app, runtime.version);
  await serveConsole(app);
  logRequests(fastify, runtime.logger);
  const tracer = await initTracing(process.env, runtime.version);
  const queues = new QueueDepthCollector(
    () => runtime.connection.createChannel(),
    queueWatchList(runtime.topology),
    runtime.metrics,
    runtime.logger,
    pollMs(process.env, 'EXHUB_QUEUE_POLL_SECONDS', DEFAULT_QUEUE_POLL_MS),
    dlqAgeUpdater(runtime.store, runtime.metrics, runtime.logger),
  );
  await queues.start();
  const backlog = new BacklogCollector(
    runtime.store,
    runtime.metrics,
    runtime.logger,
    pollMs(process.env, 'EXHUB_BACKLOG_POLL_SECONDS', DEFAULT_BACKLOG_POLL_MS),
  );
  await backlog.start();
  fastify.addHook('onClose', async () => {
    await backlog.stop();
    await queues.stop();
    await tracer.shutdown();
  });
  app.enableShutdownHooks();
  return app;
}

/**
 * A poll interval from the environment: `EXHUB_QUEUE_POLL_SECONDS` [15] (queue depths from the
 * broker), `EXHUB_BACKLOG_POLL_SECONDS` [30] (the backlog from the store).
 */
function pollMs(env: NodeJS.ProcessEnv, name: string, defaultMs: number): number {
  const raw = env[name];
  const seconds = raw === undefined || raw === '' ? defaultMs / 1000 : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`${name}="${raw}" must be a positive number of seconds`);
  }
  return seconds * 1000;
}

/** Probes and scrapes are frequent and uninteresting: logged at debug, everything else at info. */
const QUIET_PATHS = /^\/(health\/|metrics$)/;
const INGEST_PATH = /^\/v1\/ingest\/([^/?]+)/;

/**
 * One access line per request: method, path (never the query string), status and time. Headers
 * and bodies are not logged (signatures, tokens). An accepted webhook's info line is the ingress
 * line IngestService writes (connector, event, correlation and trace ids); its access line is at
 * debug (http/access-log.ts).
 */
const SERVICE_UNAVAILABLE = 503;

function logRequests(fastify: FastifyInstance, logger: Logger): void {
  const http = logger.child({ component: 'http' });
  fastify.addHook('onResponse', (request, reply, done) => {
    const path = request.url.split('?')[0];
    const status = reply.statusCode;
    // 503 is the hub protecting itself (broker down or blocked), answered by the thousand per second
    // during an alarm: a warning, not an error. Other 5xx are errors.
    const level =
      status === SERVICE_UNAVAILABLE
        ? 'warn'
        : status >= 500
          ? 'error'
          : QUIET_PATHS.test(path) || (status < 300 && wasLoggedByFeature(request.raw))
            ? 'debug'
            : 'info';
    http[level](
      {
        method: request.method,
        path,
        statusCode: status,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        connector: INGEST_PATH.exec(path)?.[1],
      },
      `${request.method} ${path} ${status}`,
    );
    done();
  });
}
