import type { CanonicalException } from '@exhub/canonical';
import type { SourceEventMeta } from '@exhub/core';

/** Publishes to exhub.exceptions (and review when required); resolves once confirmed. */
export type Publisher = (exception: CanonicalException, meta: SourceEventMeta) => Promise<void>;

/**
 * Stage `publish`: every stored exception, continuing the trace of `traceparent` (the publish
 * span's); the event is acknowledged only once every publish was confirmed.
 */
export async function publish(
  publisher: Publisher,
  exceptions: CanonicalException[],
  meta: SourceEventMeta,
  traceparent: string | undefined,
): Promise<void> {
  await Promise.all(exceptions.map((e) => publisher(e, { ...meta, traceparent })));
}
