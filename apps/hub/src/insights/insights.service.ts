import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DEFAULT_INSIGHTS_POLL_MS, ProcessInsightsCollector } from '@exhub/observability';
import { ruleOfKey } from '@exhub/prioritization';
import type { StatusTransition } from '@exhub/store';
import { HUB_RUNTIME, type HubRuntime } from '../hub-runtime';
import { groupParentId } from '../pipeline/grouping';
import { durations, rootCauseGroups, type Insights } from './insights';

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

  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  private readonly ruleOf = (key: string): string => ruleOfKey(key, this.rt.scorer.policy.policy);

  async onApplicationBootstrap(): Promise<void> {
    this.collector = new ProcessInsightsCollector(
      this.rt.store,
      this.rt.metrics,
      this.rt.logger,
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
      const page = await this.rt.store.statusTransitions({ since, afterSeq });
      for (const t of page.transitions)
        if (Date.parse(t.at) <= until.getTime()) transitions.push(t);
      if (transitions.length >= MAX_REPORT_TRANSITIONS) {
        truncated = true;
        break;
      }
      if (!page.more) break;
      afterSeq = page.lastSeq;
    }
    const policy = this.rt.scorer.policy.policy;
    return {
      window: {
        since: since.toISOString(),
        until: until.toISOString(),
        statusChanges: transitions.length,
        truncated,
      },
      rootCauses: rootCauseGroups(
        await this.rt.store.rootCauseStats(),
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
