/**
 * Process intelligence from the store, for SREs and process owners: every `intervalMs` the
 * collector reads the status changes recorded since its last round (the audit trail) and observes
 * time to triage and time to resolve, and reads how many open exceptions share each root cause.
 * The first round only learns where the trail ends, so a restart does not observe old changes
 * again. Store-side: every hub process sharing a store observes the same changes (aggregate with
 * max over instances, not sum).
 */
import type { Logger } from 'pino';
import { EXCEPTION_TYPES, TIERS } from '@exhub/canonical';
import type { HubMetrics } from './metrics';
import { PeriodicCollector } from './periodic-collector';
import { PriorityMetrics } from './priority-metrics';

/** Between two reads of the trail and the root causes. */
export const DEFAULT_INSIGHTS_POLL_MS = 30_000;
/** Pages of status changes read in one round at most; the rest waits for the next round. */
const MAX_PAGES_PER_ROUND = 20;
const CLOSED = new Set(['resolved', 'dismissed']);

/** What the collector needs from the store (structural: this lib does not depend on it). */
export interface ProcessInsightsSource {
  statusTransitions(query?: { afterSeq?: number; since?: Date; limit?: number }): Promise<{
    transitions: {
      at: string;
      from: string;
      to: string;
      type: string;
      tier: string;
      openedAt: string;
    }[];
    lastSeq: number;
    more: boolean;
  }>;
  rootCauseStats(): Promise<{ key: string; type: string; open: number }[]>;
}

const KNOWN_TYPES = new Set<string>(EXCEPTION_TYPES);
const KNOWN_TIERS = new Set<string>(TIERS);

/** Seconds between two ISO times, never negative (clock skew between hub processes). */
const secondsBetween = (from: string, to: string): number =>
  Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

export class ProcessInsightsCollector extends PeriodicCollector {
  private readonly m: PriorityMetrics;
  private failing = false;
  /** The audit sequence read up to; undefined before the first round. */
  private cursor?: number;
  private readonly seen = new Set<string>();

  constructor(
    private readonly store: ProcessInsightsSource,
    metrics: HubMetrics,
    private readonly logger: Logger,
    /** The grouping rule a root-cause key came from (a bounded label value). */
    private readonly ruleOf: (key: string) => string,
    intervalMs = DEFAULT_INSIGHTS_POLL_MS,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super(intervalMs);
    this.m = PriorityMetrics.for(metrics);
    this.m.insightsPollErrors.inc(0);
  }

  protected async pollOnce(): Promise<void> {
    try {
      await this.readTransitions();
      if (this.stopped) return;
      this.recordRootCauses(await this.store.rootCauseStats());
      this.failing = false;
    } catch (error) {
      if (this.stopped) return;
      this.m.insightsPollErrors.inc();
      const level = this.failing ? 'debug' : 'warn';
      this.failing = true;
      this.logger[level](
        { err: (error as Error).message },
        'could not read status changes or root causes from the store; process metrics are stale',
      );
    }
  }

  private async readTransitions(): Promise<void> {
    if (this.cursor === undefined) {
      // Baseline: only changes from now on are observed.
      let page = await this.store.statusTransitions({ since: this.clock() });
      this.observe(page.transitions);
      for (let i = 0; page.more && i < MAX_PAGES_PER_ROUND && !this.stopped; i++) {
        page = await this.store.statusTransitions({ since: this.clock(), afterSeq: page.lastSeq });
        this.observe(page.transitions);
      }
      this.cursor = page.lastSeq;
      return;
    }
    for (let i = 0; i < MAX_PAGES_PER_ROUND && !this.stopped; i++) {
      const page = await this.store.statusTransitions({ afterSeq: this.cursor });
      this.observe(page.transitions);
      this.cursor = page.lastSeq;
      if (!page.more) return;
    }
  }

  private observe(
    transitions: Awaited<ReturnType<ProcessInsightsSource['statusTransitions']>>['transitions'],
  ): void {
    for (const t of transitions) {
      if (!KNOWN_TYPES.has(t.type) || !KNOWN_TIERS.has(t.tier)) continue;
      const labels = { type: t.type, tier: t.tier };
      const seconds = secondsBetween(t.openedAt, t.at);
      if (t.from === 'open' && t.to !== 'open') this.m.timeToTriage.observe(labels, seconds);
      if (CLOSED.has(t.to) && !CLOSED.has(t.from)) this.m.timeToResolve.observe(labels, seconds);
    }
  }

  private recordRootCauses(rows: { key: string; type: string; open: number }[]): void {
    const totals = new Map<string, number>();
    for (const r of rows) {
      if (!KNOWN_TYPES.has(r.type)) continue;
      const id = `${this.ruleOf(r.key)}\u0000${r.type}`;
      totals.set(id, (totals.get(id) ?? 0) + r.open);
    }
    for (const id of this.seen) if (!totals.has(id)) totals.set(id, 0);
    for (const [id, open] of totals) {
      const [rule, type] = id.split('\u0000');
      this.m.rootCauseOpen.set({ rule, type }, open);
      this.seen.add(id);
    }
  }
}
