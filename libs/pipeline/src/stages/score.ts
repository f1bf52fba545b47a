import type { CanonicalException } from '@exhub/canonical';
import { scoringInputOf, type Scorer } from '@exhub/prioritization';
import { MAX_FACTORS } from '@exhub/prioritization';
import type { AssembledException } from './assemble';
import type { ExceptionContext } from './enrich';

/**
 * Stage `score`: the one score of an exception, with its context when the `enrich` stage found
 * some: the context's factors follow the scorer's, a missing lookup makes the score `degraded`,
 * and the related open exceptions become its `links`. Every score fires the scorer's listeners
 * (drift, shadow), so each exception is scored here exactly once.
 */
export function score(
  scorer: Scorer,
  exception: AssembledException,
  context: ExceptionContext | undefined,
  now: Date,
): CanonicalException {
  const scored = scorer.score(scoringInputOf(exception, context?.scoring), now);
  if (!context) return { ...exception, priority: scored } as CanonicalException;
  const priority = {
    ...scored,
    factors: [...scored.factors, ...context.factors].slice(0, MAX_FACTORS),
    degraded: scored.degraded || context.degraded,
  };
  return {
    ...exception,
    priority: priority as CanonicalException['priority'],
    links: context.links,
  } as CanonicalException;
}
