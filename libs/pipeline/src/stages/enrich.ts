import type { CanonicalException } from '@exhub/canonical';
import type { ScoringContext } from '@exhub/prioritization';

/**
 * What the `enrich` stage found around an exception: the scoring context (connector lookups,
 * lookup tables, related open exceptions), the ids of those related exceptions (its `links`),
 * the 0-point factors saying which context was used or is missing, and whether some was missing.
 */
export interface ExceptionContext {
  scoring: ScoringContext;
  links: string[];
  factors: CanonicalException['priority']['factors'];
  degraded: boolean;
}

/** The context source of the `enrich` stage (apps/hub/src/context: ContextEngine). */
export interface ContextSource {
  contextOf(exception: Omit<CanonicalException, 'priority'>): Promise<ExceptionContext>;
}

/**
 * Stage `enrich`: the context of an exception, or none when the hub has no context module (the
 * CLI's dry runs). Its connector lookups are timed here, not in `score`.
 */
export async function enrich(
  source: ContextSource | undefined,
  exception: Omit<CanonicalException, 'priority'>,
): Promise<ExceptionContext | undefined> {
  return source?.contextOf(exception);
}
