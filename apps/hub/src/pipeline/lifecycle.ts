import type { CanonicalException, ExceptionType } from '../../../../libs/canonical/src';
import { exceptionId, isExceptionType } from '../../../../libs/canonical/src';
import { InvalidPayloadError, type Issue } from '../../../../libs/connector-sdk/src/errors';
import type { SourceEventMeta } from '../../../../libs/connector-sdk/src/source-event';
import { LIFECYCLE_STATUSES, type MappedException } from '../../../../libs/mapping/src';
import type { HubMetrics, Logger } from '../../../../libs/observability/src';
import type { ExceptionStore } from '../../../../libs/store/src';

/*
 * The lifecycle stage: a source's own end (or re-opening) of an exception it raised, as a mapping
 * with `emits: lifecycle` reads it (mappings/README.md). One unit the pipeline calls after the
 * exceptions of the same event are stored: it finds the exception by its deterministic id (the
 * same natural key the opening mapping used), lets the store apply the transition (new version,
 * audit, outcome `resolvedBy: source`) and publishes the new version on exhub.exceptions.
 */

/** One end or re-opening, checked and ready to apply. */
export interface LifecycleSignal {
  exceptionId: string;
  /** The natural key, for the log line of a signal about an exception the hub never opened. */
  key: { objectType: string; objectId: string; type: string };
  resolution: NonNullable<CanonicalException['resolution']>;
}

export interface LifecycleDeps {
  store: Pick<ExceptionStore, 'applySourceTransition'>;
  publish(exception: CanonicalException, meta: SourceEventMeta): Promise<void>;
  metrics: Pick<HubMetrics, 'lifecycleSignals'>;
  logger: Logger;
}

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
    lifecycle?: { status?: unknown; reason?: unknown };
  };
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
  need(nonEmpty(f.source?.objectType), '/source/objectType', 'must be a non-empty text');
  need(nonEmpty(f.source?.objectId), '/source/objectId', 'must be a non-empty text');
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
  const key = {
    objectType: String(f.source?.objectType),
    objectId: String(f.source?.objectId),
    type: String(f.type),
  };
  const eventId = f.source?.eventId ?? meta.sourceEventId;
  return {
    exceptionId: exceptionId({ system: meta.system, ...key, type: key.type as ExceptionType }),
    key,
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
  meta: SourceEventMeta,
  signals: readonly LifecycleSignal[],
  log: Logger,
): Promise<CanonicalException[]> {
  const published: CanonicalException[] = [];
  for (const s of signals) {
    const result = await deps.store.applySourceTransition({
      exceptionId: s.exceptionId,
      resolution: s.resolution,
      actor: sourceActor(meta),
    });
    const fields = {
      exceptionId: s.exceptionId,
      reported: s.resolution.status,
      reason: s.resolution.reason,
      mapping: s.resolution.mapping,
    };
    if (result.kind === 'unknown') {
      deps.metrics.lifecycleSignals.inc({
        connector: meta.connectorId,
        result: 'unknown_exception',
      });
      log.info(
        { ...fields, ...s.key },
        'lifecycle signal for an exception the hub never opened: nothing to change (acknowledged)',
      );
      continue;
    }
    if (result.kind === 'unchanged') {
      deps.metrics.lifecycleSignals.inc({ connector: meta.connectorId, result: 'unchanged' });
      log.info(
        { ...fields, status: result.exception.status },
        'lifecycle signal: exception already in that state (acknowledged)',
      );
      continue;
    }
    await deps.publish(result.exception, meta);
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
    published.push(result.exception);
  }
  return published;
}
