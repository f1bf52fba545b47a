import { randomUUID } from 'node:crypto';
import type { CanonicalException } from '../../../../libs/canonical/src';
import { validateCanonicalExceptionAll } from '../../../../libs/canonical/src';
import type { Issue } from '../../../../libs/connector-sdk/src/errors';
import type { SourceEventMeta } from '../../../../libs/connector-sdk/src/source-event';
import {
  evaluateMapping,
  MappingError,
  type CompiledMapping,
  type MappedException,
  type MappingRegistry,
} from '../../../../libs/mapping/src';
import { assemble, type PipelineDeps } from '../pipeline/process-event';

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
  /** Every schema problem of every exception; pointers are into `exceptions[i]`, prefixed `/exceptions/<i>`. */
  issues: Issue[];
  /** A mapping failed on the payload: pointers are into the payload, prefixed `/payload`. */
  mappingError?: { message: string; mapping: string; location: string; issues: Issue[] };
}

export type DryRunDeps = Pick<PipelineDeps, 'scorer' | 'connectorVersion'> & {
  registry: MappingRegistry;
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
 * Maps a payload exactly as the pipeline would (same mappings, same `assemble`, same scorer),
 * validates every resulting exception reporting all issues, and publishes nothing. Mapping
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
    issues: [],
  };
  for (const mapping of mappings) {
    try {
      result.mapped.push(...(await evaluateMapping(mapping, payload)));
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
  }
  for (const [index, mapped] of result.mapped.entries()) {
    const mapping = deps.registry.get(mapped.mapping.id);
    const meta: SourceEventMeta = {
      eventId: randomUUID(),
      correlationId: `dry-run-${randomUUID()}`,
      connectorId: options.connector ?? DRY_RUN_CONNECTOR,
      system: mapping?.source.system ?? '',
      objectType: mapping?.source.objectType ?? '',
      receivedAt: now.toISOString(),
      contentType: 'application/json',
    };
    const exception = assemble(meta, mapped, deps, now);
    result.exceptions.push(exception);
    const validation = validateCanonicalExceptionAll(exception);
    if (!validation.ok) {
      result.issues.push(
        ...validation.issues.map((i) => ({
          ...i,
          pointer: `/exceptions/${index}${i.pointer}`,
          message: `mapping ${mapped.mapping.id} (${mapping?.file ?? '?'}): ${i.message}`,
        })),
      );
    }
  }
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
