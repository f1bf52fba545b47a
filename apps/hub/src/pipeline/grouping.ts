import { v5 as uuidv5 } from 'uuid';
import type { CanonicalException, ExceptionType } from '@exhub/canonical';
import {
  EXCEPTION_ID_NAMESPACE,
  isExceptionType,
  validateCanonicalException,
} from '@exhub/canonical';
import { formatIssues } from '@exhub/core';
import type { Logger } from '@exhub/observability';
import {
  rootCauseOf,
  ruleOfKey,
  scoringInputOf,
  type PolicyScorer,
  type RootCause,
} from '@exhub/prioritization';
import type { ExceptionStore } from '@exhub/store';

/** Keys longer than the schema's `group.key` maximum are not grouped (logged once per event). */
const MAX_KEY_LENGTH = 500;
/** A parent's `source.objectType`: it stands for a root cause, not a source object. */
export const GROUP_OBJECT_TYPE = 'root_cause_group';
const MAX_TITLE = 300;
const MAX_OBJECT_ID = 256;
const OPEN = new Set<string>(['open', 'in_review']);

/** The parent's id: a UUID v5 over the root-cause key, so every hub process names it alike. */
export function groupParentId(key: string): string {
  return uuidv5(JSON.stringify(['group', key]), EXCEPTION_ID_NAMESPACE);
}

export interface GroupingDeps {
  store: Pick<ExceptionStore, 'openGroupMembers'>;
  scorer: Pick<PolicyScorer, 'policy' | 'score'>;
  logger: Logger;
}

/**
 * Root-cause grouping, the pipeline's `group` step. Each exception gets its root-cause key (from
 * the mapping, or the policy's `grouping.keys`) as `group.key`. When the open exceptions sharing
 * the key, this one included, reach the policy's `grouping.threshold`, the exception carries its
 * parent's id (`group.parentId`) and the parent is built — same domain, the entry's `parentType`
 * or the child's type, `group.role: parent`, `group.size` open children, `links` to them, scored
 * with the recurrence as context — to be stored and published with the children. Exceptions
 * without a key pass unchanged.
 */
export class RootCauseGrouper {
  constructor(private readonly deps: GroupingDeps) {}

  /** The exceptions of one event with their group, followed by the parents to publish. */
  async group(exceptions: CanonicalException[], now: Date): Promise<CanonicalException[]> {
    const policy = this.deps.scorer.policy.policy;
    const out: CanonicalException[] = [];
    const parents = new Map<string, CanonicalException>();
    for (const e of exceptions) {
      const cause = e.group?.role === 'parent' ? undefined : rootCauseOf(e, policy);
      if (!cause) {
        out.push(e);
        continue;
      }
      if (cause.key.length > MAX_KEY_LENGTH) {
        this.deps.logger.warn(
          { exceptionId: e.id, keyLength: cause.key.length },
          `root-cause key longer than ${MAX_KEY_LENGTH} characters: not grouped (shorten the mapping's group.key or the policy's grouping key parts)`,
        );
        out.push(e);
        continue;
      }
      const threshold = policy.grouping?.threshold;
      // This exception counts once, as it is now: it may be stored already (a redelivery).
      const members = await this.deps.store.openGroupMembers(cause.key, e.id);
      const open = members.open + (OPEN.has(e.status) ? 1 : 0);
      if (threshold === undefined || open < threshold) {
        out.push({ ...e, group: { key: cause.key, role: 'child' } });
        continue;
      }
      const parentId = groupParentId(cause.key);
      out.push({ ...e, group: { key: cause.key, role: 'child', parentId } });
      const parent = this.parentOf(e, cause, parentId, open, [e.id, ...members.ids], now);
      if (parent) parents.set(parentId, parent);
    }
    return [...out, ...parents.values()];
  }

  private parentOf(
    child: CanonicalException,
    cause: RootCause,
    id: string,
    open: number,
    members: string[],
    now: Date,
  ): CanonicalException | undefined {
    const rule = ruleOfKey(cause.key, this.deps.scorer.policy.policy);
    const type = cause.parentType ?? child.type;
    if (!isExceptionType(type)) {
      this.deps.logger.warn(
        { rule, parentType: type },
        `policy grouping entry "${rule}" names parentType "${type}", which is not an exception type of the canonical schema: no parent published`,
      );
      return undefined;
    }
    const reasonCode = child.signals?.reasonCode;
    const title = `${open} open exceptions share one root cause: ${cause.key}`;
    const parent = {
      schemaVersion: '1',
      id,
      version: 1,
      correlationId: child.correlationId,
      causationId: child.causationId,
      domain: child.domain,
      process: child.process,
      type: type as ExceptionType,
      status: 'open',
      title: title.length <= MAX_TITLE ? title : `${title.slice(0, MAX_TITLE - 1)}…`,
      summary: `Grouped by ${rule === 'mapping' ? 'the key the mapping set' : `the policy's grouping rule "${rule}"`}. Fix the root cause once; its exceptions are listed in links and carry this id in group.parentId.`,
      source: {
        system: child.source.system,
        connector: child.source.connector,
        objectType: GROUP_OBJECT_TYPE,
        objectId: cause.key.slice(0, MAX_OBJECT_ID),
        receivedAt: child.source.receivedAt,
      },
      occurredAt: child.occurredAt,
      detectedAt: now.toISOString(),
      ...(child.dueAt ? { dueAt: child.dueAt } : {}),
      ...(child.parties?.length ? { parties: child.parties } : {}),
      ...(reasonCode === undefined ? {} : { signals: { reasonCode } }),
      lineage: {
        mapping: child.lineage.mapping,
        ...(child.lineage.connectorVersion
          ? { connectorVersion: child.lineage.connectorVersion }
          : {}),
      },
      links: [...new Set(members)].slice(0, 100),
      group: { key: cause.key, role: 'parent', size: open },
    } as Omit<CanonicalException, 'priority'>;
    // The other open occurrences are what makes the root cause matter.
    const context = { recurrenceCount: open - 1 };
    const priority = this.deps.scorer.score(scoringInputOf(parent, context), now);
    const result = validateCanonicalException({ ...parent, priority });
    if (!result.ok) {
      this.deps.logger.warn(
        { rule, parentId: id },
        `root-cause parent not published, it would be invalid: ${formatIssues(result.issues)}`,
      );
      return undefined;
    }
    return result.value;
  }
}
