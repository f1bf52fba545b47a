import {
  validateCanonicalException,
  validateCanonicalExceptionAll,
  type CanonicalException,
} from '@exhub/canonical';
import { InvalidPayloadError, formatIssues, type Issue } from '@exhub/core';

/**
 * Stage `validate`: the exception against the canonical schema. The worker and the recheck stop
 * at the first problem (an INVALID_PAYLOAD error naming the mapping); the mapping dry run asks for
 * every issue (`all`), to show a steward everything to fix at once.
 */
export function validate(exception: CanonicalException, mappingId: string): CanonicalException {
  const result = validateCanonicalException(exception);
  if (!result.ok) {
    throw new InvalidPayloadError(
      'validate',
      `mapping ${mappingId} produced an invalid exception: ${formatIssues(result.issues)}`,
      result.issues,
    );
  }
  return result.value;
}

/** Every schema problem of the exception (none: valid). */
export function allIssues(exception: CanonicalException): Issue[] {
  const result = validateCanonicalExceptionAll(exception);
  return result.ok ? [] : result.issues;
}
