import { StoreInputError } from './errors';

/**
 * What an id in a cursor this server issued looks like: printable, bounded. Checked before any
 * store sees it, so both stores answer the same (PostgreSQL text cannot hold NUL: it raised a 500
 * where SQLite answered 200).
 */
// eslint-disable-next-line no-control-regex
const ISSUED_ID = /^[^\u0000-\u001f\u007f]{1,400}$/u;

/** Where a worklist page ended: the last item's score and id (the sort key). */
export interface WorklistPosition {
  score: number;
  id: string;
}

/** Opaque to callers: base64url of the sort key, so a page boundary never shifts under inserts. */
export function encodeWorklistCursor(position: WorklistPosition): string {
  return Buffer.from(JSON.stringify([position.score, position.id]), 'utf8').toString('base64url');
}

export function decodeWorklistCursor(cursor: string): WorklistPosition {
  const invalid = () =>
    new StoreInputError(
      'cursor is not one this server issued: pass the nextCursor of the previous page unchanged',
      'cursor',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'number' ||
    !Number.isFinite(parsed[0]) ||
    typeof parsed[1] !== 'string' ||
    !ISSUED_ID.test(parsed[1])
  ) {
    throw invalid();
  }
  return { score: parsed[0], id: parsed[1] };
}
