import type { CanonicalException, Tier } from '@exhub/canonical';
import { validateCanonicalException } from '@exhub/canonical';
import { formatIssues } from '@exhub/core';
import type { Logger } from '@exhub/observability';
import type { Scorer } from '@exhub/prioritization';
import type { ExceptionContext } from '@exhub/pipeline';
import { score } from '@exhub/pipeline';
import { PARTY_KEY, linkKeysOf, type ExceptionStore, type OpenLink } from '@exhub/store';
import {
  FACTOR_CONTEXT,
  FACTOR_CONTEXT_MISSING,
  MAX_BACKLINK_FANOUT,
  MAX_LINKS,
  MS_PER_HOUR,
  RESCORE_ACTOR,
  RESCORED_ACTION,
} from './context.constants';
import type { Enrichment, EnrichmentService, LookupKind } from './enrichment.service';

/** Why an open exception is scored again. */
export type RescoreTrigger =
  /** A new exception shares a party or reference with it: it gets the back-link. */
  | 'link'
  /** A linked exception changed (a new signal for the same party or reference). */
  | 'signal'
  /** A connector whose context was missing answers again. */
  | 'dependency_recovered'
  /** Its due date came near. */
  | 'due_date_sweep';

export interface ContextEngineDeps {
  scorer: Scorer;
  store: ExceptionStore;
  enrichment: EnrichmentService;
  /** The pipeline's publish: exhub.exceptions (and review), resolves once the broker confirmed. */
  publish(exception: CanonicalException): Promise<void>;
  logger: Logger;
  now(): Date;
}

const OPEN = new Set(['open', 'in_review']);
const missingCode = (kind: LookupKind) => `${FACTOR_CONTEXT_MISSING}:${kind}`;

/** The lookup kinds an exception was scored without (from its `context_missing:<kind>` factors). */
export function missingKindsOf(e: CanonicalException): LookupKind[] {
  return e.priority.factors
    .filter((f) => f.code.startsWith(`${FACTOR_CONTEXT_MISSING}:`))
    .map((f) => f.code.slice(FACTOR_CONTEXT_MISSING.length + 1) as LookupKind)
    .sort();
}

/**
 * Context, links and scores in one place: the pipeline's `enrich` stage calls `contextOf` before
 * it scores, validates, persists and publishes a new exception and `afterPublish` once it is confirmed; the background
 * loops call `recheckDegraded` and `sweepDue`. Every re-score goes the pipeline's way — validate,
 * persist (version + 1, history, audit) and the confirmed publish — and is audited with its trigger.
 */
export class ContextEngine {
  constructor(private readonly deps: ContextEngineDeps) {}

  /**
   * The context of an exception (the pipeline's `enrich` stage): what the connectors and lookup
   * tables know of its parties, and its related open exceptions — `links` lists them,
   * `linkedOpenExceptions` feeds the dependency and customer features. Context a connector could
   * not give makes it `degraded`, with a 0-point factor per missing lookup saying what and why.
   */
  async contextOf(e: Omit<CanonicalException, 'priority'>): Promise<ExceptionContext> {
    const enrichment = await this.deps.enrichment.enrich(e);
    const keys = linkKeysOf(e as CanonicalException);
    // Summaries, not documents: an account with a hundred open exceptions would otherwise cost a
    // hundred documents parsed for every new one.
    const related = await this.deps.store.findOpenLinks({
      keys,
      excludeId: e.id,
      limit: MAX_LINKS,
    });
    const references = new Set(
      keys.filter((k) => k.kind !== PARTY_KEY).map((k) => `${k.kind}\u0000${k.value}`),
    );
    // A shared reference (the same invoice, payment, order) means one item waits on the other; a
    // shared party alone is the same account's or supplier's other work (the dependency feature
    // tells them apart).
    const via = (r: OpenLink): 'reference' | 'party' =>
      r.keys.some((k) => k.kind !== PARTY_KEY && references.has(`${k.kind}\u0000${k.value}`))
        ? 'reference'
        : 'party';
    return {
      scoring: {
        ...enrichment.context,
        linkedOpenExceptions: related.map((r) => ({
          id: r.id,
          domain: r.domain,
          type: r.type,
          tier: r.tier as Tier,
          via: via(r),
        })),
      },
      links: related.map((r) => r.id).sort(),
      factors: contextFactors(enrichment),
      degraded: enrichment.missing.length > 0,
    };
  }

  /** Scores an exception again with its context (the pipeline's `enrich` and `score` stages). */
  async prepare(e: CanonicalException, now: Date = this.deps.now()): Promise<CanonicalException> {
    return score(this.deps.scorer, e, await this.contextOf(e), now);
  }

  /**
   * An exception was published: its related open exceptions are scored again — all of them for a
   * new version (a new signal), only those still without the back-link for a redelivery (`changed`
   * false: a crash may have come between the first publish and the back-links). The exception
   * itself is scored again when it misses one of them (it was prepared before that one was stored).
   */
  async afterPublish(
    e: CanonicalException,
    changed: boolean = true,
  ): Promise<CanonicalException[]> {
    const query = { keys: linkKeysOf(e), excludeId: e.id };
    // Documents only while there are few enough to re-score (one more says "too many"); beyond
    // that, only their ids (summaries), which is all the check below needs.
    const few = await this.deps.store.findOpenExceptions({
      ...query,
      limit: MAX_BACKLINK_FANOUT + 1,
    });
    const related: { id: string }[] =
      few.length <= MAX_BACKLINK_FANOUT
        ? few
        : await this.deps.store.findOpenLinks({ ...query, limit: MAX_LINKS });
    const republished: CanonicalException[] = [];
    const fanOut = few.length <= MAX_BACKLINK_FANOUT ? few : [];
    if (fanOut.length < related.length) {
      this.deps.logger.debug(
        { exceptionId: e.id, related: related.length, limit: MAX_BACKLINK_FANOUT },
        'a key shared by many open exceptions: they are not re-scored for this one',
      );
    }
    for (const r of fanOut) {
      const linked = r.links.includes(e.id);
      if (linked && !changed) continue;
      const trigger: RescoreTrigger = linked ? 'signal' : 'link';
      const done = await this.rescore(r.id, trigger, { cause: e.id });
      if (done) republished.push(done);
    }
    // Prepared while a related exception was not stored yet (two workers at once, each before
    // the other's upsert): its own links miss it, and no other afterPublish would add them.
    const unlinked = related.filter((r) => !e.links.includes(r.id)).map((r) => r.id);
    if (unlinked.length > 0) {
      const self = await this.rescore(e.id, 'link', { cause: unlinked });
      if (self) republished.push(self);
    }
    return republished;
  }

  /**
   * Scores a stored open exception again and, when that changes it, stores version + 1 and
   * publishes it. A sweep publishes only a higher score or another tier; a recovery only when some
   * missing context was found. Returns what was published, or undefined.
   */
  async rescore(
    id: string,
    trigger: RescoreTrigger,
    audit: Record<string, unknown> = {},
  ): Promise<CanonicalException | undefined> {
    const current = await this.deps.store.getException(id);
    if (!current || !OPEN.has(current.status)) return undefined;
    const next = await this.prepare(current);
    if (trigger === 'due_date_sweep') {
      const before = current.priority;
      if (next.priority.score <= before.score && next.priority.tier === before.tier)
        return undefined;
    }
    if (trigger === 'dependency_recovered') {
      const still = missingKindsOf(next);
      const was = missingKindsOf(current);
      if (still.length >= was.length && still.every((k) => was.includes(k))) return undefined;
    }
    const valid = validateCanonicalException(next);
    if (!valid.ok) {
      this.deps.logger.error(
        { exceptionId: id, trigger, issues: formatIssues(valid.issues) },
        're-scored exception is not valid; the stored version stands',
      );
      return undefined;
    }
    const { exception: stored, changed } = await this.deps.store.upsertException(valid.value, {
      actor: RESCORE_ACTOR,
    });
    if (!changed) return undefined;
    await this.deps.store.appendAudit({
      actor: RESCORE_ACTOR,
      action: RESCORED_ACTION,
      exceptionId: id,
      details: {
        trigger,
        ...audit,
        version: stored.version,
        previousVersion: current.version,
        scoreBefore: current.priority.score,
        score: stored.priority.score,
        tierBefore: current.priority.tier,
        tier: stored.priority.tier,
        degradedBefore: current.priority.degraded,
        degraded: stored.priority.degraded,
        links: stored.links,
      },
    });
    await this.deps.publish(stored);
    this.deps.logger.info(
      {
        exceptionId: id,
        trigger,
        version: stored.version,
        score: stored.priority.score,
        tier: stored.priority.tier,
        degraded: stored.priority.degraded,
      },
      'exception re-scored and published',
    );
    return stored;
  }

  /**
   * Degraded open exceptions whose missing context comes from a connector that is available again
   * (breaker not open) are re-scored; one whose lookups still fail stays as it is.
   */
  async recheckDegraded(): Promise<number> {
    let published = 0;
    for await (const e of this.pages({ degraded: true })) {
      const waiting = missingKindsOf(e);
      if (!waiting.some((k) => this.deps.enrichment.available(k))) continue;
      if (await this.rescore(e.id, 'dependency_recovered')) published++;
    }
    return published;
  }

  /** Open exceptions due within `withinHours` (or past due) are re-scored; higher scores published. */
  async sweepDue(withinHours: number): Promise<number> {
    const dueBefore = new Date(this.deps.now().getTime() + withinHours * MS_PER_HOUR).toISOString();
    let published = 0;
    for await (const e of this.pages({ dueBefore })) {
      if (await this.rescore(e.id, 'due_date_sweep')) published++;
    }
    return published;
  }

  private async *pages(query: { degraded?: true; dueBefore?: string }) {
    let afterId: string | undefined;
    for (;;) {
      const page = await this.deps.store.findOpenExceptions({ ...query, afterId });
      if (page.length === 0) return;
      yield* page;
      afterId = page[page.length - 1].id;
    }
  }
}

/** 0-point factors: which context was used (and from where) and which is missing and why. */
export function contextFactors(enrichment: Enrichment): CanonicalException['priority']['factors'] {
  return [
    ...enrichment.missing.map((m) => ({
      code: missingCode(m.kind),
      points: 0,
      detail: clip(
        `No ${m.kind} context for ${m.partyId}: ${m.reason}. Scored without it; re-scored when '${m.connector}' answers again.`,
      ),
    })),
    ...enrichment.found.map((f) => ({
      code: `${FACTOR_CONTEXT}:${f.kind}`,
      points: 0,
      detail: clip(f.detail),
    })),
  ];
}

const MAX_DETAIL = 500;
const clip = (s: string): string => (s.length <= MAX_DETAIL ? s : `${s.slice(0, MAX_DETAIL - 1)}…`);
