import type { Status } from '@exhub/canonical';
import { StoreConflictError } from './errors';
import type { DecisionAction, OutcomeKind } from './types';

/*
 * open → in_review → resolved | dismissed; a new source fact re-opens a closed exception
 * (see upsert). A person's decision on a closed exception is refused: re-opening is the source's
 * call, so the trail never shows a decision on something nobody was looking at.
 */
const CLOSED: ReadonlySet<Status> = new Set(['resolved', 'dismissed']);

export function isClosed(status: Status): boolean {
  return CLOSED.has(status);
}

const DECISION_TARGET: Record<DecisionAction, Status> = {
  approve: 'in_review',
  override: 'in_review',
  resolve: 'resolved',
  dismiss: 'dismissed',
};

export function statusAfterDecision(id: string, current: Status, action: DecisionAction): Status {
  if (isClosed(current)) {
    throw new StoreConflictError(
      `exception ${id} is ${current}: a decision (${action}) needs it open or in review; a new source event re-opens it`,
    );
  }
  return DECISION_TARGET[action];
}

/** Outcomes report what a workflow tool already did, so they are recorded whatever the state. */
export function statusAfterOutcome(current: Status, kind: OutcomeKind): Status {
  switch (kind) {
    case 'resolved':
      return 'resolved';
    case 'dismissed':
      return 'dismissed';
    case 'escalated':
    case 'overridden':
      return isClosed(current) ? current : 'in_review';
  }
}

/**
 * The status after the source itself reports an end (`resolved`) or a re-opening (`open`);
 * undefined when nothing changes: it is already closed (resolved, or dismissed by a person, which
 * the source's end does not overrule), or already open or in review.
 */
export function statusAfterSource(
  current: Status,
  reported: 'resolved' | 'open',
): Status | undefined {
  if (reported === 'resolved') return isClosed(current) ? undefined : 'resolved';
  return isClosed(current) ? 'open' : undefined;
}

/** The outcome a decision is recorded as (for training); `approve` is audited only. */
export function outcomeOfDecision(action: DecisionAction): OutcomeKind | undefined {
  switch (action) {
    case 'override':
      return 'overridden';
    case 'resolve':
      return 'resolved';
    case 'dismiss':
      return 'dismissed';
    case 'approve':
      return undefined;
  }
}
