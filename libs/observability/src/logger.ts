import { isMainThread } from 'node:worker_threads';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths that are never logged. Secrets are also wrapped in `Secret` (libs/config), which prints as
 * `[redacted]`; this list catches what arrives as plain strings (headers, URLs, settings).
 */
export const REDACT_PATHS = [
  'password',
  'secret',
  'secrets',
  'token',
  'apiKey',
  '*.password',
  '*.secret',
  '*.secrets',
  '*.token',
  '*.apiKey',
  'headers.authorization',
  'headers["stripe-signature"]',
  'headers["x-zendesk-webhook-signature"]',
  'req.headers.authorization',
  'req.headers["stripe-signature"]',
];

/** `scheme://user:password@` anywhere in a string (URLs inside error messages, settings). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s@/:]*:[^\s@/]*@/gi;
/** Deep enough for any log object the hub writes; deeper values are left as they are. */
const SCRUB_MAX_DEPTH = 6;

/** Replaces URL user-info in every string of a log object: a safety net behind `redactUrl`. */
function scrubUrls(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.includes('@') ? value.replace(URL_CREDENTIALS, '$1[redacted]@') : value;
  }
  if (depth >= SCRUB_MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: scrubUrls(value.message), stack: scrubUrls(value.stack) };
  }
  if (Array.isArray(value)) return value.map((v) => scrubUrls(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = scrubUrls(v, depth + 1);
  return out;
}

/**
 * JSON lines on stdout (or `destination`; synchronous writes in a worker thread). Redaction has three layers: `Secret` values serialise
 * as `[redacted]`, REDACT_PATHS censors known fields, and every string is scrubbed of URL
 * credentials.
 */
export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { service: 'exhub', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      // Messages are strings outside the log object; they get the same scrub.
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: Logger['info']) {
        const scrubbed = args.map((a: unknown) => (typeof a === 'string' ? scrubUrls(a) : a));
        return method.apply(this, scrubbed as Parameters<Logger['info']>);
      },
    },
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => scrubUrls(object) as Record<string, unknown>,
    },
  };
  // pino writes stdout asynchronously and flushes what is queued at exit only on the main thread:
  // a worker thread (the hub's pipeline thread) that ends would lose its last lines, its own
  // "stopped" among them. There, stdout is written synchronously.
  const stream =
    destination ?? (isMainThread ? undefined : pino.destination({ dest: 1, sync: true }));
  return stream ? pino(options, stream) : pino(options);
}

/** Removes the user-info part of a URL (amqp://user:pass@host → amqp://host) before printing it. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

export type { Logger };
