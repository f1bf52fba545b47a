import type { CanonicalException } from '@exhub/canonical';

/** Root-cause grouping (pipeline/grouping.ts): the exceptions with their group, then the parents. */
export type Grouper = (
  exceptions: CanonicalException[],
  now: Date,
) => Promise<CanonicalException[]>;

/** Stage `group`: every exception of one event with its root-cause group, then new parents. */
export async function group(
  grouper: Grouper | undefined,
  exceptions: CanonicalException[],
  now: Date,
): Promise<CanonicalException[]> {
  return grouper ? grouper(exceptions, now) : exceptions;
}
