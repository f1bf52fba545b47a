import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@exhub/observability';

/**
 * NestJS's own log lines go through pino, as JSON like every other line. In a file of its own so
 * the pipeline worker thread, which serves no HTTP, can use it without loading Fastify and the
 * HTTP set-up (create-app.ts).
 */
export function nestLogger(logger: Logger): LoggerService {
  const child = logger.child({ component: 'nest' });
  return {
    log: (m, ctx) => child.debug({ context: ctx }, String(m)),
    error: (m, trace, ctx) => child.error({ context: ctx, trace }, String(m)),
    warn: (m, ctx) => child.warn({ context: ctx }, String(m)),
    debug: (m, ctx) => child.debug({ context: ctx }, String(m)),
    verbose: (m, ctx) => child.trace({ context: ctx }, String(m)),
  };
}
