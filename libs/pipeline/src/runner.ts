/**
 * The pipeline's one runner: parse → map → assemble → enrich → score → validate → group →
 * persist → publish → after-publish → lifecycle, each stage a small file under ./stages. The worker
 * (process-event.ts) runs every stage; the mapping dry run, the priority dry run and the replay /
 * DLQ recheck run the same stages dry (`stopAfter`) and stop before `group` (nothing is stored
 * or published), so a preview gives the exception and tier the worker would give.
 */
import type { CanonicalException } from '@exhub/canonical';
import { InvalidPayloadError, type Issue } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import type { MappedException } from '@exhub/mapping';
import type { Scorer, ScoringContext } from '@exhub/prioritization';
import { afterPublish, type AfterPublish } from './stages/after-publish';
import { assemble, type AssembledException } from './stages/assemble';
import { enrich, type ContextSource } from './stages/enrich';
import { group, type Grouper } from './stages/group';
import {
  applyLifecycleSignals,
  lifecycleSignalOf,
  type LifecycleDeps,
  type LifecycleSignal,
} from './stages/lifecycle';
import { parsePayload } from './stages/parse';
import { persist, type Persister } from './stages/persist';
import { publish, type Publisher } from './stages/publish';
import { score } from './stages/score';
import { allIssues, validate } from './stages/validate';

export type PipelineStage =
  | 'parse'
  | 'map'
  | 'enrich'
  | 'score'
  | 'validate'
  | 'group'
  | 'persist'
  | 'publish'
  | 'after-publish'
  | 'lifecycle';

export interface PipelineDeps {
  mappings: {
    map(system: string, objectType: string, payload: unknown): Promise<MappedException[]>;
  };
  scorer: Scorer;
  connectorVersion: string;
  /** Context (apps/hub/src/context): absent in the CLI, whose dry runs score without context. */
  context?: ContextSource & AfterPublish;
  /** Root-cause grouping (grouping.ts). Absent: exceptions pass ungrouped. */
  group?: Grouper;
  /** Records the exception before it is published. Absent: published as assembled. */
  persist?: Persister;
  /**
   * Records every exception of the event at once (the worker's group commit, group-commit.ts:
   * the batch's deliveries in one transaction); stands over `persist` when given.
   */
  persistAll?: (exceptions: CanonicalException[]) => Promise<CanonicalException[]>;
  /** The confirmed publish. Required unless the run is dry. */
  publish?: Publisher;
  /**
   * Ends and re-openings the source reports (stages/lifecycle.ts), applied to the store. The
   * worker always has it; without it (no store) the checked results stay in `run.signals` only.
   */
  lifecycle?: LifecycleDeps;
}

/**
 * Runs one stage. The worker times, counts and traces some (observeStage); `span` is the
 * stage's trace context, where there is one.
 */
export type StageRunner = <T>(
  stage: PipelineStage,
  fn: (span?: { traceparent?: string }) => T | Promise<T>,
) => Promise<T>;

const direct: StageRunner = async (_stage, fn) => fn();

/** What enters the pipeline: a raw source event, a payload already parsed, or an exception. */
export type PipelineInput =
  | { meta: SourceEventMeta; body: Buffer }
  | { meta: SourceEventMeta; payload: unknown }
  /**
   * The priority dry run: an exception (or its scoring fields) enters at `enrich`; `context`
   * (given in the request) stands over what the enrich stage found.
   */
  | { exception: AssembledException; context?: ScoringContext };

export interface RunOptions {
  now: Date;
  /**
   * A dry run: stop after `validate` (mapping dry run, recheck) or after `score` (priority dry
   * run, whose input is not a whole exception); nothing is grouped, stored or published.
   */
  stopAfter?: 'score' | 'validate';
  /** Collect every schema issue instead of failing at the first invalid exception (dry only). */
  allIssues?: boolean;
  /** The raw event a replay re-publishes: carried in each exception's lineage. */
  replayOf?: string;
  stage?: StageRunner;
  /** Each exception once assembled (the worker logs its id from then on). */
  onAssembled?(exception: AssembledException): void;
}

export interface PipelineRun {
  /** What the mappings produced (`[]`: no mapping matched, the event is a counted no-op). */
  mapped: MappedException[];
  /** Scored and validated (with `allIssues`, also the invalid ones). */
  exceptions: CanonicalException[];
  /** With `allIssues`: every problem, by exception index (pointers into that exception). */
  issues: { exception: number; mappingId: string; issue: Issue }[];
  /** What was stored and published (with the group parents); `[]` for a dry run. */
  published: CanonicalException[];
  /** The lifecycle results (mappings with `emits: lifecycle`), checked. */
  signals: LifecycleSignal[];
  /** With `allIssues`: every problem of a lifecycle result, by its position among them. */
  signalIssues: { signal: number; mappingId: string; issue: Issue }[];
  /** The exceptions a lifecycle result changed (new version, published); `[]` for a dry run. */
  ended: CanonicalException[];
}

export async function runPipeline(
  deps: PipelineDeps,
  input: PipelineInput,
  options: RunOptions,
): Promise<PipelineRun> {
  const inStage = options.stage ?? direct;
  const { now } = options;
  const run: PipelineRun = {
    mapped: [],
    exceptions: [],
    issues: [],
    published: [],
    signals: [],
    signalIssues: [],
    ended: [],
  };

  let assembled: { exception: AssembledException; mappingId: string }[];
  let meta: SourceEventMeta | undefined;
  if ('exception' in input) {
    const mappingId = input.exception.lineage?.mapping?.id ?? 'none';
    assembled = [{ exception: input.exception, mappingId }];
  } else {
    const source = input.meta;
    meta = source;
    const payload = 'body' in input ? parsePayload(source, input.body) : input.payload;
    run.mapped = await inStage('map', () =>
      deps.mappings.map(source.system, source.objectType, payload),
    );
    // Lifecycle results are checked here with the exceptions, applied after they are published.
    for (const [signal, m] of run.mapped.filter((r) => r.emits === 'lifecycle').entries()) {
      try {
        run.signals.push(lifecycleSignalOf(source, m, now));
      } catch (err) {
        if (!options.allIssues || !(err instanceof InvalidPayloadError)) throw err;
        for (const issue of err.issues) {
          run.signalIssues.push({ signal, mappingId: m.mapping.id, issue });
        }
      }
    }
    assembled = run.mapped
      .filter((r) => r.emits !== 'lifecycle')
      .map((m) => {
        const exception = assemble(source, m, deps.connectorVersion, now);
        if (options.replayOf !== undefined) exception.lineage.replayOf = options.replayOf;
        options.onAssembled?.(exception);
        return { exception, mappingId: m.mapping.id };
      });
  }

  for (const [index, { exception, mappingId }] of assembled.entries()) {
    const found = await inStage('enrich', () => enrich(deps.context, exception));
    const given = 'exception' in input ? input.context : undefined;
    const context = given
      ? {
          links: [],
          factors: [],
          degraded: false,
          ...found,
          scoring: { ...found?.scoring, ...given },
        }
      : found;
    const scored = await inStage('score', () => score(deps.scorer, exception, context, now));
    if (options.stopAfter === 'score') {
      run.exceptions.push(scored);
      continue;
    }
    if (options.allIssues) {
      run.exceptions.push(scored);
      run.issues.push(
        ...allIssues(scored).map((issue) => ({ exception: index, mappingId, issue })),
      );
      continue;
    }
    run.exceptions.push(await inStage('validate', () => validate(scored, mappingId)));
  }
  if (options.stopAfter || !meta) return run;
  if (run.exceptions.length === 0 && run.signals.length === 0) return run;

  const source = meta;
  const publisher = deps.publish;
  if (!publisher) throw new Error('runPipeline: a run that is not dry needs deps.publish');
  if (run.exceptions.length > 0) {
    const grouped = await inStage('group', () => group(deps.group, run.exceptions, now));
    const persistAll = deps.persistAll;
    const stored = await inStage('persist', () =>
      persistAll ? persistAll(grouped) : persist(deps.persist, grouped),
    );
    await inStage('publish', (span) =>
      publish(publisher, stored, source, span?.traceparent ?? source.traceparent),
    );
    await inStage('after-publish', () => afterPublish(deps.context, stored));
    run.published = stored;
  }
  const lifecycle = deps.lifecycle;
  if (run.signals.length > 0 && lifecycle) {
    run.ended = await inStage('lifecycle', (span) =>
      applyLifecycleSignals(
        lifecycle,
        (e, m) => publisher(e, { ...m, traceparent: span?.traceparent ?? source.traceparent }),
        source,
        run.signals,
      ),
    );
  }
  return run;
}
