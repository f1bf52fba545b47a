import type { ConsumeMessage } from 'amqplib';
import type { CanonicalException, ExceptionType } from '../../../../libs/canonical/src';
import { exceptionId, validateCanonicalException } from '../../../../libs/canonical/src';
import {
  HubError,
  InvalidPayloadError,
  formatIssues,
} from '../../../../libs/connector-sdk/src/errors';
import type { SourceEventMeta } from '../../../../libs/connector-sdk/src/source-event';
import {
  isXmlContentType,
  liftBusinessMessage,
  parseXml,
} from '../../../../libs/connector-sdk/src/xml';
import type { MappedException } from '../../../../libs/mapping/src';
import type { HandlerOutcome } from '../../../../libs/messaging/src';
import {
  HEADER,
  headerString,
  outcomeFor,
  sourceEventMetaFrom,
} from '../../../../libs/messaging/src';
import type { HubMetrics, HubSpan, Logger, StageLabel } from '../../../../libs/observability/src';
import { hubTracer, observeStage } from '../../../../libs/observability/src';
import type { Scorer } from '../../../../libs/prioritization/src';

export interface PipelineDeps {
  mappings: {
    map(system: string, objectType: string, payload: unknown): Promise<MappedException[]>;
  };
  scorer: Scorer;
  /** Publishes to exhub.exceptions (and review when required); resolves once confirmed. */
  publish(exception: CanonicalException, meta: SourceEventMeta): Promise<void>;
  /**
   * Records the exception before it is published and returns it with the version and status the
   * store gave it (+1 for new content, unchanged for a redelivery). Absent: published as mapped.
   */
  persist?(exception: CanonicalException): Promise<CanonicalException>;
  /**
   * Context (apps/hub/src/context): `prepare` enriches, links and scores the assembled exception
   * again with its context; `afterPublish` re-scores its related open exceptions. Absent: as mapped.
   */
  context?: {
    prepare(exception: CanonicalException, now: Date): Promise<CanonicalException>;
    afterPublish(exception: CanonicalException): Promise<unknown>;
  };
  /**
   * Root-cause grouping (grouping.ts): returns the exceptions with their `group`, followed by the
   * parents of groups at the policy's threshold, to be stored and published with them.
   */
  group?(exceptions: CanonicalException[], now: Date): Promise<CanonicalException[]>;
  metrics: HubMetrics;
  logger: Logger;
  now(): Date;
  connectorVersion: string;
}

const JSON_TYPES = /^application\/(.+\+)?json\b/i;

/**
 * The body as the connector parsed it at ingress: JSON, or XML through the one safe XML parser
 * (libs/connector-sdk/src/xml.ts: no DOCTYPE or entities, repeating elements as arrays).
 */
export function parsePayload(
  meta: Pick<SourceEventMeta, 'contentType' | 'connectorId'>,
  body: Buffer,
): unknown {
  if (isXmlContentType(meta.contentType)) {
    // An ISO 20022 business message envelope is read as its Document, as the connector read it.
    return liftBusinessMessage(
      parseXml(body, { stage: 'parse', where: `connector '${meta.connectorId}'` }),
    );
  }
  if (!JSON_TYPES.test(meta.contentType)) {
    throw new InvalidPayloadError('parse', `no parser for content type "${meta.contentType}"`, [
      {
        pointer: '',
        rule: 'contentType',
        message: `content type ${meta.contentType} is not supported by the pipeline`,
      },
    ]);
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new InvalidPayloadError('parse', `body is not valid JSON: ${(err as Error).message}`, [
      { pointer: '', rule: 'json', message: (err as Error).message },
    ]);
  }
}

/**
 * Builds the canonical exception from what the mapping produced and what the hub knows: identity
 * from the natural key, correlation and causation from the source event, lineage, priority.
 */
export function assemble(
  meta: SourceEventMeta,
  mapped: MappedException,
  deps: Pick<PipelineDeps, 'scorer' | 'connectorVersion'>,
  now: Date,
): CanonicalException {
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
  const priority = deps.scorer.score(
    {
      domain: String(fields.domain),
      type: String(fields.type),
      amount: fields.amount,
      amountBase: fields.amountBase,
      dueAt: fields.dueAt,
      signals: fields.signals as Record<string, unknown> | undefined,
      parties: fields.parties,
      references: fields.references as Record<string, string> | undefined,
    },
    now,
  );
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
    priority,
    lineage: { mapping: mapped.mapping, connectorVersion: deps.connectorVersion },
    links: [],
  } as CanonicalException;
}

/**
 * The pipeline's work handler: parse → map → assemble and score → validate → publish. It returns
 * an outcome and never touches the channel: every exception of one event is validated before any
 * is published, and the event is acknowledged only after every publish was confirmed.
 */
export async function processSourceEvent(
  deps: PipelineDeps,
  msg: ConsumeMessage,
): Promise<HandlerOutcome> {
  // The pipeline span continues the trace of the ingress publish (the broker hop); every line
  // logged below carries the flow's ids, exceptionId once it is known.
  const incoming = headerString(msg.properties.headers, HEADER.traceparent);
  const work = hubTracer().startSpan('pipeline', {
    parent: incoming,
    kind: 'consumer',
    attributes: {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.source.name': msg.fields.exchange,
    },
  });
  const endTotal = deps.metrics.time('total');
  deps.metrics.stageReceived.inc({ stage: 'total' });
  let meta: SourceEventMeta | undefined;
  let log = deps.logger.child({ traceId: work.traceId });
  let exceptionIdKnown: string | undefined;
  const inStage = <T>(name: StageLabel, fn: (span: HubSpan) => T | Promise<T>) =>
    observeStage(deps.metrics, work.traceparent, name, fn);
  try {
    meta = sourceEventMetaFrom(msg);
    log = log.child({
      correlationId: meta.correlationId,
      connector: meta.connectorId,
      eventId: meta.eventId,
    });
    work.setAttributes({
      'exhub.connector': meta.connectorId,
      'messaging.message.id': meta.eventId,
    });
    const payload = parsePayload(meta, msg.content);

    const source = meta;
    const mapped = await inStage('map', () =>
      deps.mappings.map(source.system, source.objectType, payload),
    );
    if (mapped.length === 0) {
      deps.metrics.eventsUnmapped.inc({ connector: meta.connectorId });
      deps.metrics.stageProcessed.inc({ stage: 'total' });
      log.info(
        { sourceEventId: meta.sourceEventId },
        'no mapping matched; acknowledged (the event stays in the archive)',
      );
      return { kind: 'ack' };
    }

    const now = deps.now();
    const exceptions: CanonicalException[] = [];
    for (const m of mapped) {
      const exception = await inStage('score', () => {
        const assembled = assemble(source, m, deps, now);
        return deps.context ? deps.context.prepare(assembled, now) : assembled;
      });
      exceptionIdKnown = exception.id;
      // A replay (exhub replay, dlq replay) names the original raw event: lineage carries it.
      const replayOf = headerString(msg.properties.headers, HEADER.replayOf);
      if (replayOf !== undefined) exception.lineage.replayOf = replayOf;
      const valid = await inStage('validate', () => {
        const result = validateCanonicalException(exception);
        if (!result.ok) {
          throw new InvalidPayloadError(
            'validate',
            `mapping ${m.mapping.id} produced an invalid exception: ${formatIssues(result.issues)}`,
            result.issues,
          );
        }
        return result.value;
      });
      exceptions.push(valid);
    }

    const grouped = deps.group ? await deps.group(exceptions, now) : exceptions;
    const persist = deps.persist;
    const stored = persist ? await Promise.all(grouped.map((e) => persist(e))) : grouped;
    await inStage('publish', (span) =>
      Promise.all(stored.map((e) => deps.publish(e, { ...source, traceparent: span.traceparent }))),
    );
    // Related open exceptions get the back-link and a new score before this event is acked.
    for (const e of stored) await deps.context?.afterPublish(e);
    for (const e of stored) {
      deps.metrics.exceptionsPublished.inc({ domain: e.domain, tier: e.priority.tier });
      deps.metrics.exceptionScore.observe({ domain: e.domain }, e.priority.score);
      log.info(
        { exceptionId: e.id, type: e.type, tier: e.priority.tier, score: e.priority.score },
        'exception published',
      );
    }
    deps.metrics.stageProcessed.inc({ stage: 'total' });
    return { kind: 'ack' };
  } catch (err) {
    work.fail(err);
    const outcome = outcomeFor(err);
    const stage = err instanceof HubError ? err.stage : 'publish';
    const errorClass = err instanceof HubError ? err.errorClass : 'TRANSIENT';
    deps.metrics.stageFailures.inc({
      stage,
      error_class: errorClass,
      outcome: outcome.kind === 'retry' ? 'retry' : 'dead_letter',
    });
    log.warn(
      {
        exceptionId: exceptionIdKnown,
        stage,
        errorClass,
        outcome: outcome.kind,
        err: (err as Error).message,
      },
      'source event failed',
    );
    return outcome;
  } finally {
    endTotal();
    work.end();
  }
}
