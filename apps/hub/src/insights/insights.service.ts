import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  DEFAULT_INSIGHTS_POLL_MS,
  ProcessInsightsCollector,
  type HubMetrics,
  type Logger,
} from '@exhub/observability';
import { ruleOfKey, type PolicyScorer } from '@exhub/prioritization';
import type { StatusTransition, ExceptionStore } from '@exhub/store';
import { groupParentId } from '../pipeline/grouping';
import { durations, rootCauseGroups, type Insights } from './insights';
import { LOGGER, METRICS, SCORER, STORE } from '../core/core.tokens';

/** `EXHUB_INSIGHTS_POLL_SECONDS` [30]: how often the process metrics are read from the store. */
export const INSIGHTS_POLL_ENV = 'EXHUB_INSIGHTS_POLL_SECONDS';
/** Status changes one report reads at most; beyond it the report says `truncated`. */
export const MAX_REPORT_TRANSITIONS = 50_000;

/**
 * Process intelligence: the collector behind the root-cause and time-to-triage / resolve
 * metrics, and the report behind GET /v1/insights. Both read the store, so every hub process
 * sharing it reports the same.
 */
@Injectable()
export class InsightsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private collector?: ProcessInsightsCollector;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(STORE) private readonly store: ExceptionStore,
    @Inject(SCORER) private readonly scorer: PolicyScorer,
  ) {}

  private readonly ruleOf = (key: string): string => ruleOfKey(key, this.scorer.policy.policy);

  async onApplicationBootstrap(): Promise<void> {
    this.collector = new ProcessInsightsCollector(
      this.store,
      this.metrics,
      this.logger,
      this.ruleOf,
      pollMs(process.env[INSIGHTS_POLL_ENV]),
    );
    await this.collector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.collector?.stop();
  }

  async report(since: Date, until: Date, top: number): Promise<Insights> {
    const transitions: StatusTransition[] = [];
    let afterSeq: number | undefined;
    let truncated = false;
    for (;;) {
      const page = await this.store.statusTransitions({ since, afterSeq });
      for (const t of page.transitions)
        if (Date.parse(t.at) <= until.getTime()) transitions.push(t);
      if (transitions.length >= MAX_REPORT_TRANSITIONS) {
        truncated = true;
        break;
      }
      if (!page.more) break;
      afterSeq = page.lastSeq;
    }
    const policy = this.scorer.policy.policy;
    return {
      window: {
        since: since.toISOString(),
        until: until.toISOString(),
        statusChanges: transitions.length,
        truncated,
      },
      rootCauses: rootCauseGroups(
        await this.store.rootCauseStats(),
        this.ruleOf,
        groupParentId,
        policy.grouping?.threshold,
        top,
      ),
      ...durations(transitions),
    };
  }
}

function pollMs(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_INSIGHTS_POLL_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`${INSIGHTS_POLL_ENV}="${raw}" must be a positive number of seconds`);
  return seconds * 1000;
}
