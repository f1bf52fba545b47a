/**
 * `--filter` / `filter` of an archive replay: a JSONata predicate over the source payload, e.g.
 * `data.object.amount > 10000` or `type = "charge.dispute.created"`. An event matches when the
 * expression yields `true` (or a truthy value); a payload that is not JSON never matches.
 */
import jsonata from 'jsonata';
import type { ArchivedEvent } from '../../../../libs/messaging/src';

export class FilterError extends Error {
  override name = 'FilterError';
}

export function compilePayloadFilter(
  expression: string,
  where = '--filter',
): (event: ArchivedEvent) => Promise<boolean> {
  let compiled: ReturnType<typeof jsonata>;
  try {
    compiled = jsonata(expression);
  } catch (error) {
    const e = error as { message?: string; position?: number };
    throw new FilterError(
      `${where} "${expression}" is not a JSONata expression: ${e.message ?? String(error)}` +
        (e.position !== undefined ? ` (at character ${e.position})` : '') +
        ' — e.g. --filter \'type = "charge.dispute.created"\'',
    );
  }
  return async (event) => {
    let payload: unknown;
    try {
      payload = JSON.parse(event.msg.content.toString('utf8'));
    } catch {
      return false;
    }
    const value: unknown = await compiled.evaluate(payload);
    return Boolean(value);
  };
}
