import { randomUUID } from 'node:crypto';
import type { CanonicalException } from '@exhub/canonical';
import type { Issue } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import {
  evaluateMapping,
  MappingError,
  type CompiledMapping,
  type MappedException,
  type MappingRegistry,
} from '@exhub/mapping';
import { runPipeline, type PipelineDeps } from './runner';
import type { LifecycleSignal } from './stages/lifecycle';

/** Connector id recorded in a dry run's `source.connector` when the request names none. */
export const DRY_RUN_CONNECTOR = 'dry-run';

/** What to map: one mapping by id, or every mapping of a source (as the pipeline does). */
export type DryRunTarget = { mapping: string } | { system: string; objectType: string };

export interface DryRunResult {
  /** Mappings applied, in order (id and content hash). */
  mappings: { id: string; version: string; file: string }[];
  /** The mapping's output before the hub completes it. */
  mapped: MappedException[];
  /** The canonical exceptions the pipeline would publish (also when invalid, to show why). */
  exceptions: CanonicalException[];
  /** Ends and re-openings (mappings with `emits: lifecycle`): which exception, what the source said. */
  lifecycle: LifecycleSignal[];
  /**
   * Every schema problem of every exception; pointers are into `exceptions[i]`, prefixed
   * `/exceptions/<i>`; those of the i-th lifecycle result under `/lifecycle/<i>`.
   */
  issues: Issue[];
  /** A mapping failed on the payload: pointers are into the payload, prefixed `/payload`. */
  mappingError?: { message: string; mapping: string; location: string; issues: Issue[] };
}

export type DryRunDeps = Pick<PipelineDeps, 'scorer' | 'connectorVersion'> & {
  registry: MappingRegistry;
  /** The hub's context (enrichment, links): the dry run scores as the worker would. */
  context?: PipelineDeps['context'];
  now?: () => Date;
};

/** Thrown when the request names no mapping that is loaded. */
export class UnknownMappingError extends Error {
  constructor(
    message: string,
    readonly known: string[],
  ) {
    super(message);
    this.name = 'UnknownMappingError';
  }
}

/**
 * Maps a payload exactly as the pipeline would (the runner's stages, the same mappings, scorer and,
 * in the hub, context), validates every resulting exception reporting all issues, and publishes nothing. Mapping
 * failures are not counted in the hub's metrics: a dry run is a steward's experiment.
 */
export async function dryRun(
  deps: DryRunDeps,
  target: DryRunTarget,
  payload: unknown,
  options: { connector?: string } = {},
): Promise<DryRunResult> {
  const mappings = selectMappings(deps.registry, target);
  const now = deps.now?.() ?? new Date();
  const result: DryRunResult = {
    mappings: mappings.map((m) => ({ id: m.id, version: m.version, file: m.file })),
    mapped: [],
    exceptions: [],
    lifecycle: [],
    issues: [],
  };
  // Every selected mapping applies to one source (by id: one mapping; by source: that source's).
  const meta: SourceEventMeta = {
    eventId: randomUUID(),
    correlationId: `dry-run-${randomUUID()}`,
    connectorId: options.connector ?? DRY_RUN_CONNECTOR,
    system: mappings[0]?.source.system ?? '',
    objectType: mappings[0]?.source.objectType ?? '',
    receivedAt: now.toISOString(),
    contentType: 'application/json',
  };
  // The runner's map stage, with the selected mappings; each one's output is kept as it comes.
  const selected = {
    map: async (_system: string, _objectType: string, data: unknown) => {
      for (const mapping of mappings) result.mapped.push(...(await evaluateMapping(mapping, data)));
      return result.mapped;
    },
  };
  let run;
  try {
    run = await runPipeline(
      { ...deps, mappings: selected },
      { meta, payload },
      { now, stopAfter: 'validate', allIssues: true },
    );
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
    result.mappingError = {
      message: err.message,
      mapping: err.mappingId,
      location: err.location,
      issues: err.issues.map((i) => ({ ...i, pointer: `/payload${i.pointer}` })),
    };
    return result;
  }
  result.exceptions = run.exceptions;
  result.lifecycle = run.signals;
  const where = (mappingId: string) =>
    `mapping ${mappingId} (${deps.registry.get(mappingId)?.file ?? '?'})`;
  result.issues = [
    ...run.issues.map(({ exception, mappingId, issue }) => ({
      ...issue,
      pointer: `/exceptions/${exception}${issue.pointer}`,
      message: `${where(mappingId)}: ${issue.message}`,
    })),
    ...run.signalIssues.map(({ signal, mappingId, issue }) => ({
      ...issue,
      pointer: `/lifecycle/${signal}${issue.pointer}`,
      message: `${where(mappingId)}: ${issue.message}`,
    })),
  ];
  return result;
}

function selectMappings(registry: MappingRegistry, target: DryRunTarget): CompiledMapping[] {
  const known = () => registry.list().map((m) => m.id);
  if ('mapping' in target) {
    const mapping = registry.get(target.mapping);
    if (!mapping) {
      throw new UnknownMappingError(
        `no mapping with id "${target.mapping}" is loaded; loaded: ${known().join(', ') || 'none'}`,
        known(),
      );
    }
    return [mapping];
  }
  const mappings = registry.forSource(target.system, target.objectType);
  if (mappings.length === 0) {
    throw new UnknownMappingError(
      `no mapping applies to system "${target.system}", objectType "${target.objectType}"; loaded: ${registry
        .list()
        .map((m) => `${m.id} (${m.system}/${m.objectType})`)
        .join(', ')}`,
      known(),
    );
  }
  return mappings;
}
