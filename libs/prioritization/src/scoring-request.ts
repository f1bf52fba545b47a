import type { ScoringInput } from './input';

/** What is wrong with a scoring request, with the JSON pointer of the offending field. */
export class ScoringRequestError extends Error {
  override name = 'ScoringRequestError';
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a scoring request: a canonical exception (domain, type, …), or
 * `{"exception": …, "context": {…}}` to supply account or supplier context. Used by
 * `exhub priority explain` and `POST /v1/priority/dry-run`, so both accept the same documents.
 */
export function scoringInputFrom(data: unknown): ScoringInput {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ScoringRequestError(
      '',
      'expected a JSON object: a canonical exception or {"exception": …, "context": …}',
    );
  }
  const obj = data as { exception?: ScoringInput; context?: ScoringInput['context'] };
  const wrapped = obj.exception !== undefined;
  const input = (
    wrapped ? { ...obj.exception, context: obj.context ?? obj.exception?.context } : data
  ) as ScoringInput;
  const at = wrapped ? '/exception' : '';
  if (typeof input?.domain !== 'string') {
    throw new ScoringRequestError(
      `${at}/domain`,
      'is required: the exception domain (finance or support)',
    );
  }
  if (typeof input.type !== 'string') {
    throw new ScoringRequestError(
      `${at}/type`,
      'is required: the exception type, e.g. invoice_mismatch',
    );
  }
  return input;
}
