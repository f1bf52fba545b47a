/**
 * The `POST /v1/replay` body and the time flags of `exhub replay`, checked with errors that name
 * the field (a JSON pointer) or flag, what was wrong and what is expected.
 */
import type { Issue } from '@exhub/core';

/** ISO 8601: a date, or a date and time with `Z` or an offset. */
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
export const ISO_TIME_EXAMPLE = '2026-03-14T09:30:00Z';

/** A valid ISO 8601 time as a Date, or undefined. */
export function parseIsoTime(text: string): Date | undefined {
  if (!ISO_TIME.test(text)) return undefined;
  // Date.parse rolls 2026-02-30 over to March: refuse days the month does not have.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

export interface ArchiveReplayRequest {
  source: 'archive';
  from: Date;
  to?: Date;
  connector?: string;
  objectType?: string;
  sourceEventId?: string;
  filter?: string;
  rate?: number;
  dryRun: boolean;
}

export interface DlqReplayRequest {
  source: 'dlq';
  errorClass?: string;
  ids?: string[];
  dryRun: boolean;
}

export type ReplayApiRequest = ArchiveReplayRequest | DlqReplayRequest;

export class RequestError extends Error {
  constructor(
    message: string,
    readonly issues: Issue[],
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

const ARCHIVE_FIELDS = [
  'source',
  'from',
  'to',
  'connector',
  'objectType',
  'sourceEventId',
  'filter',
  'rate',
  'dryRun',
];
const DLQ_FIELDS = ['source', 'errorClass', 'ids', 'dryRun'];

/** Parse and check a replay request body (raw bytes, as the hub keeps bodies). */
export function parseReplayRequest(raw: Buffer | string | undefined): ReplayApiRequest {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : (raw ?? '');
  if (text.trim() === '') {
    throw new RequestError(
      'the request has no body; send JSON like {"source":"archive","from":"…"}',
      [{ pointer: '', rule: 'required', message: 'a JSON object is required' }],
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new RequestError(`the body is not valid JSON: ${(error as Error).message}`, [
      { pointer: '', rule: 'json', message: (error as Error).message },
    ]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError('the body must be a JSON object', [
      { pointer: '', rule: 'type', message: 'must be an object' },
    ]);
  }
  const b = body as Record<string, unknown>;
  const issues: Issue[] = [];
  const str = (name: string): string | undefined => {
    const v = b[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') {
      issues.push({ pointer: `/${name}`, rule: 'type', message: 'must be a non-empty string' });
      return undefined;
    }
    return v;
  };
  const time = (name: string, required: boolean): Date | undefined => {
    const v = str(name);
    if (v === undefined) {
      if (required && b[name] === undefined) {
        issues.push({
          pointer: `/${name}`,
          rule: 'required',
          message: `is required for source "archive": an ISO 8601 time such as ${ISO_TIME_EXAMPLE}`,
        });
      }
      return undefined;
    }
    const parsed = parseIsoTime(v);
    if (!parsed) {
      issues.push({
        pointer: `/${name}`,
        rule: 'format',
        message: `"${v}" is not an ISO 8601 time; expected e.g. ${ISO_TIME_EXAMPLE}`,
      });
    }
    return parsed;
  };
  let dryRun = false;
  if (b.dryRun !== undefined) {
    if (typeof b.dryRun !== 'boolean') {
      issues.push({ pointer: '/dryRun', rule: 'type', message: 'must be true or false' });
    } else dryRun = b.dryRun;
  }
  const unknownFields = (allowed: string[]): void => {
    for (const key of Object.keys(b)) {
      if (!allowed.includes(key)) {
        issues.push({
          pointer: `/${key}`,
          rule: 'additionalProperties',
          message: `is not a field of a "${String(b.source)}" replay; allowed: ${allowed.join(', ')}`,
        });
      }
    }
  };
  const fail = (): never => {
    throw new RequestError(
      `invalid replay request: ${issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`,
      issues,
    );
  };

  if (b.source === 'archive') {
    unknownFields(ARCHIVE_FIELDS);
    const request: ArchiveReplayRequest = { source: 'archive', from: new Date(0), dryRun };
    const from = time('from', true);
    const to = time('to', false);
    if (from && to && from > to) {
      issues.push({ pointer: '/to', rule: 'range', message: 'must not be before /from' });
    }
    for (const name of ['connector', 'objectType', 'sourceEventId', 'filter'] as const) {
      const v = str(name);
      if (v !== undefined) request[name] = v;
    }
    if (b.rate !== undefined) {
      if (typeof b.rate !== 'number' || !(b.rate > 0) || !Number.isFinite(b.rate)) {
        issues.push({
          pointer: '/rate',
          rule: 'minimum',
          message: 'must be a number > 0 (events per second)',
        });
      } else request.rate = b.rate;
    }
    if (issues.length > 0 || !from) fail();
    request.from = from as Date;
    if (to) request.to = to;
    return request;
  }
  if (b.source === 'dlq') {
    unknownFields(DLQ_FIELDS);
    const request: DlqReplayRequest = { source: 'dlq', dryRun };
    const errorClass = str('errorClass');
    if (errorClass !== undefined) request.errorClass = errorClass;
    if (b.ids !== undefined) {
      if (
        !Array.isArray(b.ids) ||
        b.ids.length === 0 ||
        !b.ids.every((id) => typeof id === 'string' && id !== '')
      ) {
        issues.push({
          pointer: '/ids',
          rule: 'type',
          message: 'must be a non-empty array of message ids',
        });
      } else request.ids = b.ids as string[];
    }
    if (b.errorClass === undefined && b.ids === undefined) {
      issues.push({
        pointer: '/errorClass',
        rule: 'required',
        message: 'source "dlq" needs errorClass (e.g. "INVALID_PAYLOAD", see GET /v1/dlq) or ids',
      });
    }
    if (issues.length > 0) fail();
    return request;
  }
  issues.push({
    pointer: '/source',
    rule: 'enum',
    message: `must be "archive" or "dlq", got ${JSON.stringify(b.source ?? null)}`,
  });
  return fail();
}
