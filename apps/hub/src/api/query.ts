import type { Issue } from '@exhub/core';
import { apiError } from '../http/api-error';

const BAD_REQUEST = 400;

/** Refuses query parameters an endpoint does not take (400 with one issue per parameter). */
export function refuseUnknownQuery(raw: unknown, known: readonly string[]): void {
  const params = (raw ?? {}) as Record<string, unknown>;
  const issues: Issue[] = Object.keys(params)
    .filter((name) => !known.includes(name))
    .map((name) => ({
      pointer: `/query/${name}`,
      rule: 'known',
      message: known.length
        ? `unknown query parameter "${name}"; use ${known.join(', ')}`
        : `unknown query parameter "${name}"; this endpoint takes none`,
    }));
  if (issues.length) {
    throw apiError(BAD_REQUEST, 'bad_request', issues.map((i) => i.message).join('; '), issues);
  }
}
