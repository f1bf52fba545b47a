import { HubError } from '@exhub/core';
import type { MappingProblem, SourcePosition } from './basics';
import { MAPPING_TIMEOUT_MAX_ATTEMPTS } from './constants';

/** `file:line:column path: message — hint`, the form editors and terminals turn into links. */
export function formatProblem(problem: MappingProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const path = problem.path ? ` ${problem.path}:` : '';
  const hint = problem.hint ? ` — ${problem.hint}` : '';
  return `${where}${path} ${problem.message}${hint}`;
}

/**
 * Mapping or cases files that cannot be loaded. Lists every problem found, in every file, so a
 * steward fixes them in one pass instead of one per restart.
 */
export class MappingLoadError extends Error {
  constructor(
    readonly problems: readonly MappingProblem[],
    what = 'mappings',
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      `Cannot load ${what}: ${count}\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'MappingLoadError';
  }
}

/**
 * Thrown by a helper function (`$money`, `$toUtc`, …) when its input is unusable. `argIndex` (0-based)
 * names the offending argument so the error can point at the payload path it came from.
 */
export class HelperError extends Error {
  constructor(
    readonly helper: string,
    message: string,
    readonly argIndex?: number,
  ) {
    super(`$${helper}: ${message}`);
    this.name = 'HelperError';
  }
}

/** What a MappingError is about. */
export interface MappingErrorDetails {
  mappingId: string;
  mappingVersion: string;
  /** `match`, `each`, `fields.<path>`, or `payload`. */
  location: string;
  /** Where that expression is written. */
  position?: SourcePosition;
  /** JSON pointer into the payload, `''` when not known. */
  pointer: string;
  /** e.g. `timeout`, `depth`, `sequence`, `helper`, `jsonata:T2001`. */
  rule: string;
  /** What went wrong, in words. */
  detail: string;
}

/** The rule of a MappingError raised because an expression ran past its time limit. */
export const TIMEOUT_RULE = 'timeout';

/**
 * A payload that a mapping cannot turn into an exception. It is the payload's problem, not the
 * hub's (the mapping loaded fine), so it is an INVALID_PAYLOAD error at stage `map`: the error
 * policy dead-letters it instead of retrying. A time-out is the exception, half-way: the limit is
 * wall-clock time, which a GC pause or a loaded machine can eat, so it is TRANSIENT and retried
 * once (`maxAttempts` = MAPPING_TIMEOUT_MAX_ATTEMPTS); but the same payload through the same
 * mapping most likely times out again, so the second time-out dead-letters it, with the message
 * naming the mapping, the expression, the item and the limit to raise — not after the whole
 * backoff schedule.
 */
export class MappingError extends HubError {
  readonly mappingId: string;
  readonly mappingVersion: string;
  readonly location: string;
  readonly pointer: string;
  /** e.g. `timeout`, `depth`, `sequence`, `helper`, `jsonata:T2001`. */
  readonly rule: string;

  constructor(details: MappingErrorDetails, options?: { cause?: unknown }) {
    const at = details.position
      ? ` (${details.position.file}:${details.position.line}:${details.position.column})`
      : '';
    const pointer = details.pointer ? ` at payload ${details.pointer}` : '';
    const message = `mapping ${details.mappingId} ${details.location}${at}: ${details.detail}${pointer}`;
    super(
      details.rule === TIMEOUT_RULE ? 'TRANSIENT' : 'INVALID_PAYLOAD',
      'map',
      message,
      [
        {
          pointer: details.pointer,
          rule: details.rule,
          message: `mapping ${details.mappingId} ${details.location}: ${details.detail}`,
        },
      ],
      options,
    );
    this.name = 'MappingError';
    if (details.rule === TIMEOUT_RULE) this.maxAttempts = MAPPING_TIMEOUT_MAX_ATTEMPTS;
    this.mappingId = details.mappingId;
    this.mappingVersion = details.mappingVersion;
    this.location = details.location;
    this.pointer = details.pointer;
    this.rule = details.rule;
  }
}
