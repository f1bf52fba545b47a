import type { CanonicalException, ExceptionType } from '@exhub/canonical';
import { exceptionId } from '@exhub/canonical';
import type { SourceEventMeta } from '@exhub/core';
import type { MappedException } from '@exhub/mapping';

/** A canonical exception before the `score` stage gives it its priority. */
export type AssembledException = Omit<CanonicalException, 'priority'>;

/**
 * Stage `assemble`: the canonical exception from what the mapping produced and what the hub
 * knows: identity from the natural key, correlation and causation from the source event, lineage.
 * The priority comes next, from the `score` stage.
 */
export function assemble(
  meta: SourceEventMeta,
  mapped: MappedException,
  connectorVersion: string,
  now: Date,
): AssembledException {
  const fields = mapped.fields as Partial<CanonicalException> & {
    source?: Partial<CanonicalException['source']>;
  };
  const source = {
    ...fields.source,
    system: meta.system,
    connector: meta.connectorId,
    eventId: fields.source?.eventId ?? meta.sourceEventId,
    receivedAt: meta.receivedAt,
  } as CanonicalException['source'];
  const id = exceptionId({
    system: meta.system,
    objectType: String(source.objectType ?? ''),
    objectId: String(source.objectId ?? ''),
    // Not narrowed here: an unknown type fails validation right after, naming /type.
    type: String(fields.type ?? '') as ExceptionType,
  });
  return {
    schemaVersion: '1',
    id,
    version: 1,
    correlationId: meta.correlationId,
    causationId: meta.eventId,
    status: 'open',
    ...fields,
    source,
    detectedAt: now.toISOString(),
    lineage: { mapping: mapped.mapping, connectorVersion },
    links: [],
  } as AssembledException;
}
