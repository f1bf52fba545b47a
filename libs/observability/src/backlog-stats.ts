/**
 * The exception backlog from the store, for SREs: every `intervalMs` the collector reads how many
 * exceptions are open (`open` or `in_review`) per domain and tier, how old the oldest is, and which
 * are past their `dueAt`; an open exception seen passing its `dueAt` between two polls counts one
 * SLA breach. Store-side, so every hub process sharing a store reports the same values: aggregate
 * with max(), not sum().
 */
import type { Logger } from 'pino';
import { DOMAINS, TIERS } from '@exhub/canonical';
import type { HubMetrics } from './metrics';
import { PeriodicCollector } from './periodic-collector';

/** Between two polls of the backlog. */
export const DEFAULT_BACKLOG_POLL_MS = 30_000;
/**
 * Most past-due ids remembered between polls. Beyond it, newly past-due exceptions are not
 * counted as breaches (rather than counted again at every poll) and a warning is logged.
 */
export const MAX_TRACKED_PAST_DUE = 50_000;

/** What the collector needs from the store (structural: this lib does not depend on it). */
export interface BacklogSource {
  backlogStats(now?: Date): Promise<{
    groups: { domain: string; tier: string; open: number; oldestAgeSeconds: number }[];
    pastDueByTier: Record<string, number>;
    pastDue: { id: string; tier: string }[];
  }>;
}

const KNOWN_DOMAINS = new Set<string>(DOMAINS);
const KNOWN_TIERS = new Set<string>(TIERS);

export class BacklogCollector extends PeriodicCollector {
  private failing = false;
  /** Ids of open exceptions already past due at the last poll; undefined before the first one. */
  private pastDue?: Set<string>;
  /** Label sets with a sample, so groups that empty out go back to 0 / disappear. */
  private readonly seen = new Set<string>();
  private overflowWarned = false;

  constructor(
    private readonly store: BacklogSource,
    private readonly metrics: HubMetrics,
    private readonly logger: Logger,
    intervalMs = DEFAULT_BACKLOG_POLL_MS,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super(intervalMs);
    // Series from the start, so alert rules and rate() see them before anything is past due.
    for (const tier of TIERS) {
      this.metrics.exceptionsPastDue.set({ tier }, 0);
      this.metrics.slaBreaches.inc({ tier }, 0);
    }
  }

  protected async pollOnce(): Promise<void> {
    try {
      const stats = await this.store.backlogStats(this.clock());
      if (this.stopped) return;
      this.record(stats);
      this.failing = false;
    } catch (error) {
      if (this.stopped) return;
      this.metrics.backlogPollErrors.inc();
      const level = this.failing ? 'debug' : 'warn';
      this.failing = true;
      this.logger[level](
        { err: (error as Error).message },
        'could not read the backlog from the store; exhub_open_exceptions is stale',
      );
    }
  }

  private record(stats: Awaited<ReturnType<BacklogSource['backlogStats']>>): void {
    const now = new Set<string>();
    for (const g of stats.groups) {
      if (!KNOWN_DOMAINS.has(g.domain) || !KNOWN_TIERS.has(g.tier)) continue;
      const labels = { domain: g.domain, tier: g.tier };
      this.metrics.openExceptions.set(labels, g.open);
      this.metrics.openExceptionOldestAge.set(labels, g.oldestAgeSeconds);
      now.add(`${g.domain}\u0000${g.tier}`);
    }
    for (const key of this.seen) {
      if (now.has(key)) continue;
      const [domain, tier] = key.split('\u0000');
      // Nothing open any more: 0 open, and no oldest age (there is no oldest).
      this.metrics.openExceptions.set({ domain, tier }, 0);
      this.metrics.openExceptionOldestAge.remove({ domain, tier });
    }
    for (const key of now) this.seen.add(key);

    for (const tier of TIERS) {
      this.metrics.exceptionsPastDue.set({ tier }, stats.pastDueByTier[tier] ?? 0);
    }
    this.countBreaches(stats.pastDue);
  }

  /**
   * New breaches: ids past due now that were not past due (or not open) at the last poll. The
   * first poll only learns the baseline, so a restart does not count old breaches again.
   */
  private countBreaches(pastDue: { id: string; tier: string }[]): void {
    const previous = this.pastDue;
    const next = new Set<string>();
    for (const { id, tier } of pastDue) {
      if (next.size >= MAX_TRACKED_PAST_DUE) {
        if (!this.overflowWarned) {
          this.overflowWarned = true;
          this.logger.warn(
            { limit: MAX_TRACKED_PAST_DUE },
            'too many open past-due exceptions to track; exhub_sla_breaches_total undercounts',
          );
        }
        break;
      }
      next.add(id);
      if (previous && !previous.has(id) && KNOWN_TIERS.has(tier)) {
        this.metrics.slaBreaches.inc({ tier });
      }
    }
    this.pastDue = next;
  }
}
