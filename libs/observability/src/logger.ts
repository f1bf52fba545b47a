import pino, { type Logger } from 'pino';

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

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'exhub', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Removes the user-info part of a URL (amqp://user:pass@host → amqp://host) before printing it. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

export type { Logger };
