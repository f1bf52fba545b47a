import type { CanonicalException } from '@exhub/canonical';

/** Stores an exception; returns it with the version and status the store gave it. */
export type Persister = (exception: CanonicalException) => Promise<CanonicalException>;

/**
 * Stage `persist`: every exception is stored before any is published (a new version for new
 * content, the stored version for a redelivery). Without a store: published as assembled.
 */
export async function persist(
  persister: Persister | undefined,
  exceptions: CanonicalException[],
): Promise<CanonicalException[]> {
  return persister ? Promise.all(exceptions.map((e) => persister(e))) : exceptions;
}
