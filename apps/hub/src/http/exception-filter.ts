import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubRuntime } from '../hub-runtime';
import { ApiError, type ApiErrorBody } from './api-error';

/** Fastify's errors raised before a route runs (body parsing), answered like every other error. */
const FASTIFY_ERRORS: Record<string, { reason: string; message: (limit: number) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    reason: 'payload_too_large',
    message: (l) =>
      `the body is larger than the ${l}-byte limit (ingress.maxBodyBytes in exhub.config.yaml)`,
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    reason: 'invalid_content_length',
    message: () => 'the Content-Length header does not match the body',
  },
};
const INGEST_PATH = /^\/v1\/ingest\/([^/?]+)/;
const PAYLOAD_TOO_LARGE = 413;
const NOT_FOUND = 404;

/**
 * One error body for the whole API, `{statusCode, error, message, issues?}`: HttpExceptions
 * thrown by controllers pass through, Fastify's own errors get a reason and a sentence, and
 * anything unexpected is logged and answered 500 without internals.
 */
@Catch()
export class HubExceptionFilter implements ExceptionFilter {
  constructor(private readonly rt: HubRuntime) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    let body: ApiErrorBody;
    if (exception instanceof ApiError) {
      body = exception.body;
    } else if (exception instanceof HttpException) {
      body = this.fromStatus(exception.getStatus(), exception.message, request);
    } else {
      const code = (exception as { code?: string }).code;
      const known = code ? FASTIFY_ERRORS[code] : undefined;
      if (known) {
        const limit = this.rt.config.ingress.maxBodyBytes;
        const status = (exception as { statusCode?: number }).statusCode ?? 400;
        body = { statusCode: status, error: known.reason, message: known.message(limit) };
        this.countIngressRejection(request, known.reason);
      } else {
        this.rt.logger.error(
          { err: exception, url: request.url, method: request.method },
          'unhandled error',
        );
        body = {
          statusCode: 500,
          error: 'internal_error',
          message: 'the hub failed to handle this request; see its log',
        };
      }
    }
    void reply.status(body.statusCode).send(body);
  }

  /** NestJS wraps some of Fastify's errors (413) and its own (404 route) in plain HttpExceptions. */
  private fromStatus(status: number, message: string, request: FastifyRequest): ApiErrorBody {
    if (status === PAYLOAD_TOO_LARGE) {
      const known = FASTIFY_ERRORS.FST_ERR_CTP_BODY_TOO_LARGE;
      this.countIngressRejection(request, known.reason);
      return {
        statusCode: status,
        error: known.reason,
        message: known.message(this.rt.config.ingress.maxBodyBytes),
      };
    }
    if (status === NOT_FOUND) {
      return {
        statusCode: status,
        error: 'not_found',
        message: `no endpoint ${request.method} ${request.url.split('?')[0]}; the endpoints are listed at /docs (OpenAPI: /docs/json)`,
      };
    }
    return { statusCode: status, error: 'http_error', message };
  }

  private countIngressRejection(request: FastifyRequest, reason: string): void {
    const connector = INGEST_PATH.exec(request.url)?.[1];
    if (connector) {
      this.rt.metrics.webhookRejections.inc({
        connector: this.rt.connectors.has(connector) ? connector : '_unknown',
        reason,
      });
    }
  }
}
