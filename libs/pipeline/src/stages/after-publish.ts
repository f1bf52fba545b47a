import type { CanonicalException } from '@exhub/canonical';

/** What follows a confirmed publish (apps/hub/src/context: back-links and re-scores). */
export interface AfterPublish {
  afterPublish?(exception: CanonicalException): Promise<unknown>;
}

/**
 * Stage `after-publish`: related open exceptions get the back-link and a new score, one exception
 * after the other, before the event is acknowledged.
 */
export async function afterPublish(
  after: AfterPublish | undefined,
  exceptions: CanonicalException[],
): Promise<void> {
  for (const e of exceptions) await after?.afterPublish?.(e);
}
