/**
 * The hub's error classes. Every failure that crosses a stage boundary is one of these, so that one
 * error policy (libs/messaging) can decide what it means: retry, dead-letter, or trip a breaker.
 */
export const ERROR_CLASSES = [
  'TRANSIENT',
  'AUTH',
  'NOT_FOUND',
  'INVALID_PAYLOAD',
  'RATE_LIMITED',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** Where in the flow an error happened; carried in the `x-exhub-error-stage` header. */
export const STAGES = [
  'ingress',
  'parse',
  'map',
  'validate',
  'enrich',
  'score',
  'publish',
] as const;
export type Stage = (typeof STAGES)[number];

/** One precise problem: what is wrong and where (a JSON pointer into the payload or document). */
export interface Issue {
  /** JSON pointer, e.g. `/amount/value`; `''` for the whole document. */
  pointer: string;
  /** The rule that failed, e.g. `pattern`, `required`, `signature`. */
  rule: string;
  message: string;
}

export class HubError extends Error {
  /**
   * Attempts (the first included) after which a retryable error is dead-lettered, when fewer than
   * the error policy's own: for a failure that a retry may cure, but that will most likely recur
   * on the same input (a mapping time-out). Undefined: the policy's limit.
   */
  maxAttempts?: number;

  constructor(
    readonly errorClass: ErrorClass,
    readonly stage: Stage,
    message: string,
    readonly issues: Issue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubError';
  }
}

export class TransientError extends HubError {
  constructor(stage: Stage, message: string, options?: { cause?: unknown }) {
    super('TRANSIENT', stage, message, [], options);
    this.name = 'TransientError';
  }
}

export class InvalidPayloadError extends HubError {
  constructor(stage: Stage, message: string, issues: Issue[] = [], options?: { cause?: unknown }) {
    super('INVALID_PAYLOAD', stage, message, issues, options);
    this.name = 'InvalidPayloadError';
  }
}

export class AuthError extends HubError {
  constructor(stage: Stage, message: string, options?: { cause?: unknown }) {
    super('AUTH', stage, message, [], options);
    this.name = 'AuthError';
  }
}

export class NotFoundError extends HubError {
  constructor(stage: Stage, message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', stage, message, [], options);
    this.name = 'NotFoundError';
  }
}

export class RateLimitedError extends HubError {
  constructor(
    stage: Stage,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super('RATE_LIMITED', stage, message, [], options);
    this.name = 'RateLimitedError';
  }
}

/** Render issues as one line each: `/amount/value: pattern — must be a decimal string`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.pointer || '/'}: ${i.rule} — ${i.message}`).join('; ');
}
