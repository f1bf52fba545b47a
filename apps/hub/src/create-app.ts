import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoggerService } from '@nestjs/common';
import type { Logger } from '../../../libs/observability/src';
import type { HubRuntime } from './hub-runtime';
import { HubExceptionFilter } from './http/exception-filter';
import { HubModule } from './hub.module';

/** NestJS's own log lines go through pino, as JSON like every other line. */
function nestLogger(logger: Logger): LoggerService {
  const child = logger.child({ component: 'nest' });
  return {
    log: (m, ctx) => child.debug({ context: ctx }, String(m)),
    error: (m, trace, ctx) => child.error({ context: ctx, trace }, String(m)),
    warn: (m, ctx) => child.warn({ context: ctx }, String(m)),
    debug: (m, ctx) => child.debug({ context: ctx }, String(m)),
    verbose: (m, ctx) => child.trace({ context: ctx }, String(m)),
  };
}

/**
 * Builds the NestJS application on Fastify. Bodies are kept as raw Buffers (no JSON parser runs
 * before a webhook's signature is verified); Fastify's own pre-route errors (body too large) are
 * answered with the same JSON error body as the rest of the API.
 */
export async function createHubApp(runtime: HubRuntime): Promise<NestFastifyApplication> {
  const limit = runtime.config.ingress.maxBodyBytes;
  const adapter = new FastifyAdapter({ bodyLimit: limit });
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
  app.enableShutdownHooks();
  return app;
}
