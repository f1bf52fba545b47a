import { createHash } from 'node:crypto';
import type { CanonicalException } from '@exhub/canonical';
import { canonicalJson } from './canonical-json';

/**
 * Fields that differ between deliveries of the same fact, or that the store itself owns.
 * `lineage.replayOf` is not one of them: a replayed exception is a new version that records the
 * replay, so the message (`message-id` `<id>:<version>`, body with `lineage.replayOf`) and the
 * stored version agree, and a subscriber deduplicating by message-id does not drop the replay.
 * A second replay of the same raw event names the same original, so it is a redelivery of that
 * version, not another one.
 */
const VOLATILE = {
  top: ['version', 'status', 'correlationId', 'causationId', 'detectedAt'],
  source: ['receivedAt', 'eventId'],
  priority: ['scoredAt'],
  lineage: ['archiveOffset'],
} as const;

function omit(value: object, keys: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}

/**
 * The hash of what an exception says, without when and through which raw event it was seen, when
 * it was scored, and its version and status (the store's). Equal hashes = an idempotent
 * redelivery: no new version.
 */
export function exceptionContentHash(exception: CanonicalException): string {
  const content = {
    ...omit(exception, VOLATILE.top),
    source: omit(exception.source, VOLATILE.source),
    priority: omit(exception.priority, VOLATILE.priority),
    lineage: omit(exception.lineage, VOLATILE.lineage),
  };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}
