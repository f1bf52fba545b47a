import { v5 as uuidv5 } from 'uuid';
import type { CanonicalException, ExceptionType } from './canonical-exception.types';
import { EXCEPTION_ID_NAMESPACE, MESSAGE_ID_SEPARATOR } from './constants';

/** The natural key of an exception: one source object seen as one exception type. */
export interface NaturalKey {
  /** `source.system`, e.g. `stripe`. */
  system: string;
  /** `source.objectType`, e.g. `dispute`. */
  objectType: string;
  /** `source.objectId`, exactly as the source writes it (ids are compared case-sensitively). */
  objectId: string;
  type: ExceptionType;
}

/**
 * The exception id: a UUID v5 in EXCEPTION_ID_NAMESPACE over the natural key encoded as a JSON
 * array, so that no choice of component values can make two different keys encode alike (as
 * `a|b` + `c` and `a` + `b|c` would with a separator). The same source fact always gets the same id.
 */
export function exceptionId(key: NaturalKey): string {
  const name = JSON.stringify([key.system, key.objectType, key.objectId, key.type]);
  return uuidv5(name, EXCEPTION_ID_NAMESPACE);
}

/** The AMQP message-id of one version of an exception: `<id>:<version>`. */
export function messageId(exception: Pick<CanonicalException, 'id' | 'version'>): string {
  return `${exception.id}${MESSAGE_ID_SEPARATOR}${exception.version}`;
}
