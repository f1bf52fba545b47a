/**
 * `--filter` / `filter` of an archive replay: a JSONata predicate over the source payload, e.g.
 * `data.object.amount > 10000` or `type = "charge.dispute.created"`. An event matches when the
 * expression yields `true` (or a truthy value); a payload that is not JSON never matches.
 *
 * Compiled like a mapping expression, with the same limits (time per event, depth, sequence
 * length, string length) and the same load-time refusals (catastrophic regexes, `$eval`): an
 * operator's filter over a range of millions froze the hub's event loop for minutes.
 */
import type { ArchivedEvent } from '@exhub/messaging';
import { compileExpression, HelperError, resolveLimits, type JsonataFailure } from '@exhub/mapping';

export class FilterError extends Error {
  override name = 'FilterError';
}

const LIMITS = resolveLimits();
const EXAMPLE = ' — e.g. --filter \'type = "charge.dispute.created"\'';

export function compilePayloadFilter(
  expression: string,
  where = '--filter',
): (event: ArchivedEvent) => Promise<boolean> {
  const compiled = compileExpression(expression, LIMITS, []);
  if ('problem' in compiled) {
    const { message, hint } = compiled.problem;
    throw new FilterError(
      `${where} "${expression}" is not a usable JSONata expression: ${message}` +
        (hint ? ` (${hint})` : '') +
        EXAMPLE,
    );
  }
  return async (event) => {
    let payload: unknown;
    try {
      payload = JSON.parse(event.msg.content.toString('utf8'));
    } catch {
      return false;
    }
    try {
      return Boolean(await compiled.expression.evaluate(payload));
    } catch (error) {
      throw new FilterError(
        `${where} "${expression}" failed on archived event ${event.meta.eventId} (offset ${event.offset}): ${limitBroken(error)}; the replay stopped there`,
      );
    }
  };
}

/** What a failed evaluation ran into, in words. */
function limitBroken(error: unknown): string {
  if (error instanceof HelperError) return error.message;
  const failure = (error ?? {}) as JsonataFailure;
  switch (failure.code) {
    case 'D1012':
      return `took longer than ${LIMITS.expressionTimeoutMs} ms on one event; narrow the expression`;
    case 'D1011':
      return `nested deeper than ${LIMITS.maxEvaluationDepth} evaluation frames`;
    case 'D2014':
    case 'D2015':
      return `built a sequence longer than ${LIMITS.maxSequenceLength} items`;
    default:
      return `JSONata error ${failure.code ?? ''}: ${failure.message ?? String(error)}`;
  }
}
