/**
 * The store's own outcomes as training records for `exhub model train --from-store`: every
 * exception with an outcome — a person's decision (resolvedBy `person`), a workflow tool's report
 * on exhub.outcomes (`workflow`) or the source's own resolution through a lifecycle mapping
 * (`source`) — becomes one {exception, outcome} record, the exception as first detected (its
 * first stored version, what the policy scored then).
 */
import type { Tier } from '@exhub/canonical';
import { scoringInputOf } from '@exhub/prioritization';
import type { Outcome, OutcomeRecord } from '@exhub/prioritization';
import type { ExceptionStore, OutcomeRecord as StoredOutcome } from '@exhub/store';
import { MS_PER_HOUR } from '@exhub/core';

export interface StoreRecords {
  records: OutcomeRecord[];
  /** Outcomes by who reported them (person, workflow, source; `unknown` for older rows). */
  byResolvedBy: Record<string, number>;
  /** Exceptions with outcomes whose stored history is gone (counted, not trained on). */
  missingHistory: number;
}

/** What the outcomes of one exception say, as the trainer's label reads it. */
export function outcomeOf(
  outcomes: readonly StoredOutcome[],
  detectedAt: string,
  dueAt: string | undefined,
): Outcome {
  const o: Outcome = {};
  if (outcomes.some((x) => x.kind === 'escalated')) o.escalated = true;
  const override = outcomes.find((x) => x.kind === 'overridden');
  if (override)
    o.priorityOverridden =
      override.tierBefore && override.tierAfter
        ? { from: override.tierBefore as Tier, to: override.tierAfter as Tier }
        : true;
  const ended = outcomes.find((x) => x.kind === 'resolved' || x.kind === 'dismissed');
  if (ended) {
    o.timeToResolveHours = (Date.parse(ended.at) - Date.parse(detectedAt)) / MS_PER_HOUR;
    if (dueAt !== undefined) o.slaBreached = Date.parse(ended.at) > Date.parse(dueAt);
  }
  return o;
}

/** Reads every outcome of the store and the first version of each exception it is about. */
export async function recordsFromStore(
  store: Pick<ExceptionStore, 'listOutcomes' | 'exceptionHistory'>,
): Promise<StoreRecords> {
  const outcomes = await store.listOutcomes();
  const byException = new Map<string, StoredOutcome[]>();
  const byResolvedBy: Record<string, number> = {};
  for (const o of [...outcomes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    byException.set(o.exceptionId, [...(byException.get(o.exceptionId) ?? []), o]);
    const who = o.resolvedBy ?? 'unknown';
    byResolvedBy[who] = (byResolvedBy[who] ?? 0) + 1;
  }
  const records: OutcomeRecord[] = [];
  let missingHistory = 0;
  for (const [id, list] of byException) {
    const first = (await store.exceptionHistory(id))[0]?.exception;
    if (!first) {
      missingHistory++;
      continue;
    }
    records.push({
      exception: { ...scoringInputOf(first), detectedAt: first.detectedAt },
      outcome: outcomeOf(list, first.detectedAt, first.dueAt),
    });
  }
  records.sort((a, b) => Date.parse(a.exception.detectedAt) - Date.parse(b.exception.detectedAt));
  return { records, byResolvedBy, missingHistory };
}
