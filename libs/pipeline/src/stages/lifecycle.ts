import type { CanonicalException, ExceptionType } from '@exhub/canonical';
import { exceptionId, isExceptionType } from '@exhub/canonical';
import { InvalidPayloadError, type Issue } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import { LIFECYCLE_STATUSES, type MappedException } from '@exhub/mapping';
import type { HubMetrics, Logger } from '@exhub/observability';
import type { ExceptionStore } from '@exhub/store';

/*
 * Stage `lifecycle`: a source's own end (or re-opening) of an exception it raised, as a mapping
 * with `emits: lifecycle` reads it (mappings/README.md). Runs after the exceptions of the same
 * event are published: it finds the exception by its deterministic id (the natural key the opening
 * mapping used) or its references, lets the store apply the transition (new version, audit,
 * outcome `resolvedBy: source`) and publishes the new version on exhub.exceptions.
 */

/** One end or re-opening, checked and ready to apply. */
export interface LifecycleSignal {
  /** By natural key: the one exception it is about. */
  exceptionId?: string;
  /** By natural key; by references the type (and system) every open exception found must have. */
  key: { type: string; objectType?: string; objectId?: string };
  /** By references: every open exception of this system and type carrying one of them. */
  references?: { kind: string; value: string }[];
  resolution: NonNullable<CanonicalException['resolution']>;
}

/** Most open exceptions one signal by references ends (the store's findOpenExceptions maximum). */
export const MAX_ENDED_BY_REFERENCE = 100;

export interface LifecycleDeps {
  store: Pick<ExceptionStore, 'applySourceTransition' | 'findOpenExceptions'>;
  metrics: Pick<HubMetrics, 'lifecycleSignals'>;
  logger: Logger;
}

/** Publishes a changed exception (the pipeline's confirmed publish). */
type Publish = (exception: CanonicalException, meta: SourceEventMeta) => Promise<void>;

/** The actor of the audit entry and outcome: the connector instance that delivered the signal. */
export const sourceActor = (meta: SourceEventMeta): string => `source:${meta.connectorId}`;

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * A lifecycle mapping's result as a signal, or an INVALID_PAYLOAD error (dead letter) naming the
 * mapping and every field it got wrong, e.g. `/lifecycle/status`.
 */
export function lifecycleSignalOf(
  meta: SourceEventMeta,
  mapped: MappedException,
  now: Date,
): LifecycleSignal {
  const f = mapped.fields as {
    type?: unknown;
    occurredAt?: unknown;
    source?: { objectType?: unknown; objectId?: unknown; eventId?: unknown };
    references?: Record<string, unknown>;
    lifecycle?: { status?: unknown; reason?: unknown };
  };
  const references = Object.entries(f.references ?? {})
    .filter((e): e is [string, string] => nonEmpty(e[1]))
    .map(([kind, value]) => ({ kind, value }));
  const byKey = f.source?.objectId !== undefined || references.length === 0;
  const issues: Issue[] = [];
  const need = (ok: boolean, pointer: string, message: string) => {
    if (!ok) issues.push({ pointer, rule: 'lifecycle', message });
  };
  const status = f.lifecycle?.status;
  need(
    (LIFECYCLE_STATUSES as readonly unknown[]).includes(status),
    '/lifecycle/status',
    `must be one of ${LIFECYCLE_STATUSES.join(', ')} (got ${JSON.stringify(status)})`,
  );
  need(nonEmpty(f.lifecycle?.reason), '/lifecycle/reason', 'must be a non-empty text');
  need(
    typeof f.type === 'string' && isExceptionType(f.type),
    '/type',
    `must be the exception type the opening mapping sets (got ${JSON.stringify(f.type)})`,
  );
  if (byKey) {
    need(nonEmpty(f.source?.objectType), '/source/objectType', 'must be a non-empty text');
    need(
      nonEmpty(f.source?.objectId),
      '/source/objectId',
      'must be a non-empty text (or leave it out and name references.<kind>)',
    );
  } else {
    need(
      status === 'resolved',
      '/lifecycle/status',
      're-opening needs the natural key (source.objectType and source.objectId): references find open exceptions only',
    );
  }
  const occurredAt = f.occurredAt;
  need(
    occurredAt === undefined ||
      (typeof occurredAt === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(occurredAt)),
    '/occurredAt',
    'must be ISO 8601 UTC with Z',
  );
  if (issues.length > 0) {
    throw new InvalidPayloadError(
      'validate',
      `lifecycle mapping ${mapped.mapping.id} produced an invalid signal: ${issues
        .map((i) => `${i.pointer} ${i.message}`)
        .join('; ')}`,
      issues,
    );
  }
  const type = String(f.type) as ExceptionType;
  const eventId = f.source?.eventId ?? meta.sourceEventId;
  const key = {
    type,
    objectType: String(f.source?.objectType),
    objectId: String(f.source?.objectId),
  };
  const target = byKey
    ? { key, exceptionId: exceptionId({ system: meta.system, ...key }) }
    : { key: { type }, references };
  return {
    ...target,
    resolution: {
      by: 'source',
      status: status as 'resolved' | 'open',
      reason: String(f.lifecycle?.reason).trim(),
      at: typeof occurredAt === 'string' ? occurredAt : now.toISOString(),
      ...(nonEmpty(eventId) ? { eventId } : {}),
      mapping: `${mapped.mapping.id}@${mapped.mapping.version}`,
    },
  };
}

/**
 * Applies each signal and publishes what changed. An end for an exception the hub never opened
 * (or one already in that state) is a counted, logged no-op: the event stays in the archive.
 */
export async function applyLifecycleSignals(
  deps: LifecycleDeps,
  publish: Publish,
  meta: SourceEventMeta,
  signals: readonly LifecycleSignal[],
): Promise<CanonicalException[]> {
  const log = deps.logger.child({
    correlationId: meta.correlationId,
    connector: meta.connectorId,
    eventId: meta.eventId,
  });
  const published: CanonicalException[] = [];
  for (const s of signals) {
    const ids = s.exceptionId !== undefined ? [s.exceptionId] : await idsByReference(deps, meta, s);
    if (ids.length === 0) {
      unknown(deps, meta, s, log);
      continue;
    }
    for (const id of ids) {
      const changed = await applyOne(deps, publish, meta, s, id, log);
      if (changed) published.push(changed);
    }
  }
  return published;
}

/** The open exceptions of this system and type carrying one of the signal's references. */
async function idsByReference(
  deps: LifecycleDeps,
  meta: SourceEventMeta,
  s: LifecycleSignal,
): Promise<string[]> {
  const found = await deps.store.findOpenExceptions({
    keys: s.references ?? [],
    limit: MAX_ENDED_BY_REFERENCE,
  });
  return found
    .filter((e) => e.source.system === meta.system && e.type === s.key.type)
    .map((e) => e.id);
}

function unknown(deps: LifecycleDeps, meta: SourceEventMeta, s: LifecycleSignal, log: Logger) {
  deps.metrics.lifecycleSignals.inc({ connector: meta.connectorId, result: 'unknown_exception' });
  log.info(
    {
      exceptionId: s.exceptionId,
      ...s.key,
      references: s.references,
      reported: s.resolution.status,
      mapping: s.resolution.mapping,
    },
    'lifecycle signal for an exception the hub never opened (or no open one carries its references): nothing to change (acknowledged)',
  );
}

/** Applies one signal to one exception; returns the new version when it changed (published). */
async function applyOne(
  deps: LifecycleDeps,
  publish: Publish,
  meta: SourceEventMeta,
  s: LifecycleSignal,
  exceptionId: string,
  log: Logger,
): Promise<CanonicalException | undefined> {
  const result = await deps.store.applySourceTransition({
    exceptionId,
    resolution: s.resolution,
    actor: sourceActor(meta),
  });
  const fields = {
    exceptionId,
    reported: s.resolution.status,
    reason: s.resolution.reason,
    mapping: s.resolution.mapping,
  };
  if (result.kind === 'unknown') {
    unknown(deps, meta, s, log);
    return undefined;
  }
  if (result.kind === 'unchanged') {
    deps.metrics.lifecycleSignals.inc({ connector: meta.connectorId, result: 'unchanged' });
    log.info(
      { ...fields, status: result.exception.status },
      'lifecycle signal: exception already in that state (acknowledged)',
    );
    return undefined;
  }
  await publish(result.exception, meta);
  const outcome = result.exception.status === 'resolved' ? 'resolved' : 'reopened';
  deps.metrics.lifecycleSignals.inc({ connector: meta.connectorId, result: outcome });
  log.info(
    {
      ...fields,
      statusBefore: result.statusBefore,
      status: result.exception.status,
      version: result.exception.version,
    },
    outcome === 'resolved'
      ? 'exception resolved by its source'
      : 'exception re-opened by its source',
  );
  return result.exception;
}
