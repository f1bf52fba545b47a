import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiErrorBody } from '../http/api-error';

/** Where the hub serves the web console (apps/console, built by `npm run build:console`). */
export const CONSOLE_PATH = '/console';

/**
 * The console's Content Security Policy, stricter than the rest of the hub's (which allows inline
 * styles for the OpenAPI UI at /docs): the bundle has no inline script or style and loads nothing
 * from another origin, so neither is allowed.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const SERVICE_UNAVAILABLE = 503;
const CONSOLE_URL = /^\/console(\/|\?|$)/;

/**
 * The built console: EXHUB_CONSOLE_DIR, else `dist/console` next to the compiled hub
 * (dist/apps/hub/src/console → dist/console), else under the working directory.
 */
export function consoleDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.EXHUB_CONSOLE_DIR
    ? [resolve(env.EXHUB_CONSOLE_DIR)]
    : [resolve(__dirname, '../../../../console'), resolve(process.cwd(), 'dist/console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * Serves the console's static files at /console/ (no second server) under CONSOLE_CSP. Without a
 * build, /console answers 503 saying how to build it; the API is unaffected.
 */
export async function serveConsole(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // After Helmet's hook (registered first), so this header replaces the hub-wide policy.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (CONSOLE_URL.test(request.url)) reply.raw.setHeader('content-security-policy', CONSOLE_CSP);
    done();
  });
  const root = consoleDir();
  if (!root) {
    const body: ApiErrorBody = {
      statusCode: SERVICE_UNAVAILABLE,
      error: 'console_not_built',
      message:
        'the web console is not built: run `npm run build` (or `npm run build:console`), or point EXHUB_CONSOLE_DIR at a built console (the folder with index.html)',
    };
    const missing = (_req: FastifyRequest, reply: FastifyReply) =>
      reply.code(SERVICE_UNAVAILABLE).send(body);
    fastify.get(CONSOLE_PATH, missing);
    fastify.get(`${CONSOLE_PATH}/*`, missing);
    return;
  }
  // `/console` → `/console/`, so the bundle's relative URLs resolve under the prefix.
  fastify.get(CONSOLE_PATH, (_req, reply) => reply.redirect(`${CONSOLE_PATH}/`));
  await app.register(fastifyStatic, {
    root,
    prefix: `${CONSOLE_PATH}/`,
    // /docs (the OpenAPI UI) already decorates the reply; this instance needs no decorator.
    decorateReply: false,
    index: 'index.html',
    // Vite puts a content hash in every asset name: cache them for good, not index.html.
    setHeaders: (reply, path) => {
      reply.header(
        'cache-control',
        path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}
