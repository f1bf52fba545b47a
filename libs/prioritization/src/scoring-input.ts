import type { Money, ScoringContext, ScoringInput } from './input';

/**
 * What the scorer reads of an exception-shaped object: the canonical exception (or the part of it
 * the hub has built so far) — its fields are a superset of these. Kept structural so that this
 * library does not depend on libs/canonical.
 */
export interface ScorableException {
  domain: string;
  type: string;
  amount?: Money;
  amountBase?: Money;
  dueAt?: string;
  occurredAt?: string;
  signals?: object;
  parties?: ScoringInput['parties'];
  references?: object;
}

/**
 * The one scoring input of an exception: the pipeline's score stage, the context engine's
 * re-scores, root-cause parents and the priority dry run all build it here, so every score of
 * the same exception and context reads the same fields.
 */
export function scoringInputOf(
  exception: ScorableException,
  context?: ScoringContext,
): ScoringInput {
  return {
    domain: String(exception.domain),
    type: String(exception.type),
    amount: exception.amount,
    amountBase: exception.amountBase,
    dueAt: exception.dueAt,
    ...(exception.occurredAt === undefined ? {} : { occurredAt: exception.occurredAt }),
    signals: exception.signals as Record<string, unknown> | undefined,
    parties: exception.parties,
    references: exception.references as Record<string, string> | undefined,
    ...(context === undefined ? {} : { context }),
  };
}
