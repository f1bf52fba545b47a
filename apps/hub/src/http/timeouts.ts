/**
 * How long a client may take to send a request. Node's defaults (headers 60 s, whole request
 * 300 s, checked every 30 s) let a slow or stalled sender hold a connection for minutes; the hub
 * answers 408 after a few seconds instead, with a body that names the limit and its variable.
 */
import type { Socket } from 'node:net';
import { MS_PER_SECOND } from '@exhub/core';

/** Defaults, in seconds. */
export const DEFAULT_HTTP_HEADERS_TIMEOUT_SECONDS = 5;
export const DEFAULT_HTTP_REQUEST_TIMEOUT_SECONDS = 10;
export const DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS = 5;
/** How often Node looks for requests past their deadline: bounds how late a 408 can come. */
const CONNECTIONS_CHECK_MS = 1000;

export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * `EXHUB_HTTP_HEADERS_TIMEOUT_SECONDS` [5] (all request headers), `EXHUB_HTTP_REQUEST_TIMEOUT_SECONDS`
 * [10] (headers and body), `EXHUB_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS` [5] (an idle kept-alive
 * connection). Throws naming the variable when one is not a positive number, or when the header
 * limit exceeds the request limit (Node refuses that).
 */
export function httpTimeouts(env: NodeJS.ProcessEnv): HttpTimeouts {
  const seconds = (name: string, fallback: number): number => {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`${name}="${raw}" must be a positive number of seconds`);
    }
    return value * MS_PER_SECOND;
  };
  const timeouts = {
    headersTimeoutMs: seconds(
      'EXHUB_HTTP_HEADERS_TIMEOUT_SECONDS',
      DEFAULT_HTTP_HEADERS_TIMEOUT_SECONDS,
    ),
    requestTimeoutMs: seconds(
      'EXHUB_HTTP_REQUEST_TIMEOUT_SECONDS',
      DEFAULT_HTTP_REQUEST_TIMEOUT_SECONDS,
    ),
    keepAliveTimeoutMs: seconds(
      'EXHUB_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS',
      DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS,
    ),
  };
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    throw new Error(
      `EXHUB_HTTP_HEADERS_TIMEOUT_SECONDS (${timeouts.headersTimeoutMs / MS_PER_SECOND}) must not exceed EXHUB_HTTP_REQUEST_TIMEOUT_SECONDS (${timeouts.requestTimeoutMs / MS_PER_SECOND})`,
    );
  }
  return timeouts;
}

/** Fastify server options that apply the limits. */
export function fastifyTimeoutOptions(t: HttpTimeouts) {
  return {
    requestTimeout: t.requestTimeoutMs,
    keepAliveTimeout: t.keepAliveTimeoutMs,
    http: { headersTimeout: t.headersTimeoutMs, connectionsCheckingInterval: CONNECTIONS_CHECK_MS },
    clientErrorHandler: clientErrorHandler(t),
  };
}

/**
 * Errors Node raises before a request reaches Fastify (timeouts, malformed HTTP), answered with
 * the API's JSON error body. A slow sender gets 408 naming the limits it ran into.
 */
function clientErrorHandler(t: HttpTimeouts) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let status: number;
    let error: string;
    let message: string;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      error = 'request_timeout';
      message = `the request was not received in time: headers must arrive within ${t.headersTimeoutMs / MS_PER_SECOND} s (EXHUB_HTTP_HEADERS_TIMEOUT_SECONDS) and the whole request within ${t.requestTimeoutMs / MS_PER_SECOND} s (EXHUB_HTTP_REQUEST_TIMEOUT_SECONDS)`;
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      error = 'headers_too_large';
      message = 'the request headers exceed the 16 KB limit';
    } else {
      status = 400;
      error = 'bad_request';
      message = `the request is not valid HTTP (${err.code ?? err.message})`;
    }
    if (socket.writable) {
      const body = JSON.stringify({ statusCode: status, error, message });
      socket.write(
        `HTTP/1.1 ${status} ${error}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
