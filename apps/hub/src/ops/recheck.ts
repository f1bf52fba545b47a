/**
 * The pipeline, dry: parse → map → assemble and score → validate one raw event with the CURRENT
 * mappings, publishing nothing. The replay and DLQ tools (HTTP and CLI) use it to say what a
 * replay would produce and to re-validate dead letters before re-publishing them.
 */
import { validateCanonicalException } from '../../../../libs/canonical/src';
import { formatIssues, HubError } from '../../../../libs/connector-sdk/src/errors';
import type { MappedException } from '../../../../libs/mapping/src';
import {
  HEADER,
  headerString,
  sourceEventMetaFrom,
  type ExceptionPreview,
  type Recheck,
  type RecheckResult,
} from '../../../../libs/messaging/src';
import type { Scorer } from '../../../../libs/prioritization/src';
import { assemble, parsePayload } from '../pipeline/process-event';

export interface RecheckDeps {
  mappings: {
    map(system: string, objectType: string, payload: unknown): Promise<MappedException[]>;
  };
  scorer: Scorer;
  connectorVersion: string;
  now?: () => Date;
}

export function pipelineRecheck(deps: RecheckDeps): Recheck {
  return async (msg): Promise<RecheckResult> => {
    let stage = 'parse';
    try {
      const meta = sourceEventMetaFrom(msg);
      const payload = parsePayload(meta, msg.content);
      stage = 'map';
      const mapped = await deps.mappings.map(meta.system, meta.objectType, payload);
      if (mapped.length === 0) return { status: 'unmapped' };
      const now = (deps.now ?? (() => new Date()))();
      const replayOf =
        headerString(msg.properties.headers as Record<string, unknown>, HEADER.replayOf) ??
        meta.eventId;
      const exceptions: ExceptionPreview[] = [];
      for (const m of mapped) {
        stage = 'score';
        const exception = assemble(meta, m, deps, now);
        exception.lineage.replayOf = replayOf;
        stage = 'validate';
        const result = validateCanonicalException(exception);
        if (!result.ok) {
          return {
            status: 'invalid',
            stage: 'validate',
            errorClass: 'INVALID_PAYLOAD',
            message: `mapping ${m.mapping.id} produced an invalid exception: ${formatIssues(result.issues)}`,
          };
        }
        exceptions.push({
          id: exception.id,
          domain: exception.domain,
          type: exception.type,
          tier: exception.priority?.tier,
          mappingId: m.mapping.id,
        });
      }
      return { status: 'valid', exceptions };
    } catch (error) {
      if (error instanceof HubError) {
        return {
          status: 'invalid',
          stage: error.stage,
          errorClass: error.errorClass,
          message: error.message,
        };
      }
      return {
        status: 'invalid',
        stage,
        errorClass: 'TRANSIENT',
        message: error instanceof Error ? error.message : String(error),
      };
    }
  };
}
