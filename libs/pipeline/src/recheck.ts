/**
 * The pipeline, dry: the runner's stages parse → map → assemble → enrich → score → validate for one
 * raw event with the CURRENT mappings (and, in the hub, the same context as the worker), storing
 * and publishing nothing. The replay and DLQ tools (HTTP and CLI) use it to say what a replay
 * would produce and to re-validate dead letters before re-publishing them.
 */
import { HubError } from '@exhub/core';
import {
  HEADER,
  headerString,
  sourceEventMetaFrom,
  type Recheck,
  type RecheckResult,
} from '@exhub/messaging';
import { runPipeline, type PipelineDeps, type PipelineStage } from './runner';

export type RecheckDeps = Pick<PipelineDeps, 'mappings' | 'scorer' | 'connectorVersion'> & {
  /** The hub's context (enrichment, links); the CLI has none and scores without context. */
  context?: PipelineDeps['context'];
  now?: () => Date;
};

export function pipelineRecheck(deps: RecheckDeps): Recheck {
  return async (msg): Promise<RecheckResult> => {
    let stage: PipelineStage = 'parse';
    try {
      const meta = sourceEventMetaFrom(msg);
      const run = await runPipeline(
        deps,
        { meta, body: msg.content },
        {
          now: (deps.now ?? (() => new Date()))(),
          stopAfter: 'validate',
          replayOf:
            headerString(msg.properties.headers as Record<string, unknown>, HEADER.replayOf) ??
            meta.eventId,
          stage: (name, fn) => {
            stage = name;
            return Promise.resolve(fn());
          },
        },
      );
      if (run.mapped.length === 0) return { status: 'unmapped' };
      return {
        status: 'valid',
        exceptions: run.exceptions.map((e) => ({
          id: e.id,
          domain: e.domain,
          type: e.type,
          tier: e.priority?.tier,
          mappingId: e.lineage.mapping.id,
        })),
      };
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
