import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { HubRuntime } from '../hub-runtime';
import { apiError } from './api-error';
import { MS_PER_SECOND } from '@exhub/core';

const TOO_MANY_REQUESTS = 429;
const INGEST_PATH = /^\/v1\/ingest\/([^/?]+)/;
/** Browsers may cache a CORS preflight answer this long (seconds). */
const CORS_MAX_AGE_SECONDS = 600;
/** Distinct (connector, IP) keys the in-memory rate-limit store keeps (LRU). */
const RATE_LIMIT_CACHE_KEYS = 10_000;

/**
 * Content Security Policy: `self` only. The API answers JSON; the one HTML page is the OpenAPI UI
 * at /docs, whose scripts and stylesheets are served from /docs itself and which has inline
 * <style> blocks and data: images. No upgrade-insecure-requests: the hub is often reached over
 * plain HTTP inside a cluster, where that directive would break the UI's own assets.
 */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  upgradeInsecureRequests: null,
};

/**
 * Secure headers on every answer (Helmet), a rate limit on webhook ingress per connector
 * and client IP (@fastify/rate-limit, EXHUB_INGRESS_RATE_LIMIT per EXHUB_INGRESS_RATE_WINDOW:
 * 429 with Retry-After and the API's JSON error), and CORS only for the origins in
 * EXHUB_CORS_ORIGINS (off when unset). Registered before the routes, so every route has them.
 */
export async function applySecurity(app: NestFastifyApplication, rt: HubRuntime): Promise<void> {
  // Helmet's middleware, built once: the headers are the same on every answer. (@fastify/helmet
  // built Helmet anew for every request, parsing the CSP directives each time: ~3 % of the
  // ingress's CPU under load, issue 17.) An onRequest hook, so a later hook (the console's, say)
  // can still replace a header.
  const secureHeaders = helmet({
    contentSecurityPolicy: { directives: CSP_DIRECTIVES },
    // The API is called cross-origin only when CORS is configured, and then it must be readable.
    crossOriginResourcePolicy: {
      policy: rt.env.corsOrigins.length ? 'cross-origin' : 'same-origin',
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook(
      'onRequest',
      (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
        // Helmet calls back with its own error type; fastify's `done` takes it as it is.
        secureHeaders(request.raw, reply.raw, done as (err?: unknown) => void);
      },
    );
  const { max, windowMs } = rt.env.ingressRateLimit;
  if (max > 0) {
    await app.register(rateLimit, {
      global: true,
      max,
      timeWindow: windowMs,
      cache: RATE_LIMIT_CACHE_KEYS,
      // Only webhook ingress is limited; the admin API is behind keys.
      allowList: (req: FastifyRequest) => !INGEST_PATH.test(req.url),
      keyGenerator: (req: FastifyRequest) => `${INGEST_PATH.exec(req.url)?.[1] ?? ''}|${req.ip}`,
      errorResponseBuilder: (req, context) => {
        const connector = INGEST_PATH.exec(req.url)?.[1] ?? '';
        rt.metrics.webhookRejections.inc({
          connector: rt.connectors.has(connector) ? connector : '_unknown',
          reason: 'rate_limited',
        });
        return apiError(
          TOO_MANY_REQUESTS,
          'rate_limited',
          `more than ${context.max} requests per ${windowMs / MS_PER_SECOND} s to connector "${connector}" from ${req.ip}; retry after ${Math.ceil(context.ttl / MS_PER_SECOND)} s (EXHUB_INGRESS_RATE_LIMIT, EXHUB_INGRESS_RATE_WINDOW)`,
        );
      },
    });
  }
  if (rt.env.corsOrigins.length) {
    app.enableCors({
      origin: rt.env.corsOrigins,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type'],
      maxAge: CORS_MAX_AGE_SECONDS,
    });
  }
}
