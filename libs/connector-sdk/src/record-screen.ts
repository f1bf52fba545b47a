import type { RejectedRecord } from './connector';
import type { Issue } from '@exhub/core';

/** A record of a page that passed its connector's checks, with its index in the page. */
export interface ScreenedRecord {
  record: Record<string, unknown>;
  index: number;
}

/** The issues of one record, with JSON pointers relative to that record (`/sys_id`). */
export type RecordCheck = (record: Record<string, unknown>) => Issue[];

export interface ScreenedPage {
  valid: ScreenedRecord[];
  rejected: RejectedRecord[];
  /**
   * Every record whose `keys` pass, valid or set aside, in page order: what a keyset cursor moves
   * past, so a set-aside record is not read again. Empty when no `keys` check is given.
   */
  placed: Record<string, unknown>[];
}

/**
 * Splits a page's records into the ones a connector can turn into events and the ones it sets
 * aside alone. A record is valid when `keys` (the fields that place it in the source's order) and
 * `check` (what the hub reads of it) find nothing; otherwise it becomes a RejectedRecord pointing
 * at `${base}/${index}`. The page's envelope is the connector's to check first: a broken envelope
 * still refuses the whole page.
 */
export function screenRecords(
  records: unknown[],
  objectType: string,
  base: string,
  check: RecordCheck,
  keys?: RecordCheck,
): ScreenedPage {
  const page: ScreenedPage = { valid: [], rejected: [], placed: [] };
  records.forEach((raw, index) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      page.rejected.push({
        objectType,
        record: raw,
        pointer: `${base}/${index}`,
        issues: [{ pointer: '', rule: 'type', message: 'must be a record object' }],
      });
      return;
    }
    const record = raw as Record<string, unknown>;
    const keyIssues = keys?.(record) ?? [];
    if (keys && keyIssues.length === 0) page.placed.push(record);
    const issues = [...keyIssues, ...check(record)];
    if (issues.length)
      page.rejected.push({ objectType, record, pointer: `${base}/${index}`, issues });
    else page.valid.push({ record, index });
  });
  return page;
}

/** One line naming the connector, the record's place, what is wrong with it and the way out. */
export function describeRejection(connectorId: string, r: RejectedRecord): string {
  const what = r.issues.map((i) => `${i.pointer || '(the record)'} ${i.message}`).join('; ');
  return `connector ${connectorId} set aside the record at ${r.pointer}: ${what}; fix it in the source (or the connector's query) and replay this dead letter`;
}
