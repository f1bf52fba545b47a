import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { join, resolve } from 'node:path';
import { PriorityMetrics, type HubMetrics, type Logger } from '@exhub/observability';
import {
  DriftMonitor,
  PolicyReloader,
  type Explanation,
  type PolicyReloadResult,
  type PolicyScorer,
} from '@exhub/prioritization';
import { reportSlaTargets } from '../hub-runtime';
import type { EnvSettings } from '@exhub/config';
import { HUB_ENV, LOGGER, METRICS, SCORER } from '../core/core.tokens';

/** `EXHUB_POLICIES_WATCH=false` turns policy hot reload off (the policy loaded at start serves). */
export const POLICIES_WATCH_ENV = 'EXHUB_POLICIES_WATCH';
/** `EXHUB_POLICIES_RELOAD_DEBOUNCE_MS`: quiet time after the last file event before reloading. */
export const POLICIES_DEBOUNCE_ENV = 'EXHUB_POLICIES_RELOAD_DEBOUNCE_MS';
/** How often `exhub_score_psi` is computed from the rolling window of live scores. */
export const PSI_REFRESH_MS = 30_000;
const PRIORITY_POLICY_FILE = 'priority.yaml';
const FALSE_VALUES = new Set(['false', '0', 'no', 'off']);

/**
 * Watches the prioritization at run time: hot reload of policies/priority.yaml (and the model file
 * it names) with validation — an invalid change is refused, logged and counted, the last good
 * policy keeps scoring —, the shadow model's agreement with the policy
 * (`exhub_model_shadow_predictions_total`), and drift of the live scores against the model's
 * training window (`exhub_score_psi`).
 */
@Injectable()
export class PriorityMonitorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private reloader?: PolicyReloader;
  private stopObserving?: () => void;
  private psiTimer?: NodeJS.Timeout;
  private readonly drift = new DriftMonitor();
  private readonly metrics: PriorityMetrics;

  constructor(
    @Inject(HUB_ENV) private readonly env: EnvSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly hubMetrics: HubMetrics,
    @Inject(SCORER) private readonly scorer: PolicyScorer,
  ) {
    this.metrics = PriorityMetrics.for(hubMetrics);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.stopObserving = this.scorer.observe((e) => this.record(e));
    this.psiTimer = setInterval(() => this.refreshPsi(), PSI_REFRESH_MS);
    this.psiTimer.unref();

    const file = resolve(join(this.env.policiesDir, PRIORITY_POLICY_FILE));
    const setting = (process.env[POLICIES_WATCH_ENV] ?? '').trim().toLowerCase();
    if (FALSE_VALUES.has(setting)) {
      this.logger.info({ file }, `policy hot reload is off (${POLICIES_WATCH_ENV}=${setting})`);
      return;
    }
    const debounce = Number(process.env[POLICIES_DEBOUNCE_ENV]);
    this.reloader = new PolicyReloader(this.scorer, file, {
      debounceMs: Number.isFinite(debounce) && debounce >= 0 ? debounce : undefined,
      onResult: (r) => this.report(r),
    });
    await this.reloader.start();
    this.logger.info(
      { file, policy: this.scorer.version },
      'watching the priority policy for changes (hot reload)',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopObserving?.();
    clearInterval(this.psiTimer);
    await this.reloader?.stop();
  }

  /** Sets `exhub_score_psi` for the model now loaded (also called by tests). */
  refreshPsi(): void {
    const model = this.scorer.policy.model;
    this.drift.retain(model);
    this.metrics.scorePsi.reset();
    if (!model) return;
    const reading = this.drift.reading(model);
    if (!reading) return;
    this.metrics.scorePsi.set({ model_version: model.version, score: 'policy' }, reading.policy);
    this.metrics.scorePsi.set({ model_version: model.version, score: 'model' }, reading.model);
  }

  // A listener of every score: it must never throw into the pipeline.
  private record(e: Explanation): void {
    try {
      this.drift.record(e);
      if (e.shadow) {
        this.metrics.shadowPredictions.inc({
          model_version: e.shadow.version,
          policy_tier: e.shadow.policyTier,
          model_tier: e.shadow.wouldBeTier,
        });
      }
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'recording a score for drift failed');
    }
  }

  private report(r: PolicyReloadResult): void {
    const log = this.logger.child({ component: 'policy' });
    if (r.ok) {
      this.metrics.policyReloads.inc({ result: 'success' });
      log.info(
        {
          event: 'policy_reloaded',
          file: r.file,
          policy: r.hash,
          previous: r.previousHash,
          model: r.model,
          durationMs: r.durationMs,
        },
        `priority policy reloaded: ${r.hash} now scoring (was ${r.previousHash})`,
      );
      reportSlaTargets(this.hubMetrics, this.scorer.policy.policy);
      this.refreshPsi();
      return;
    }
    this.metrics.policyReloads.inc({ result: 'refused' });
    log.error(
      {
        event: 'policy_reload_refused',
        file: r.file,
        policy: r.keptHash,
        durationMs: r.durationMs,
      },
      `priority policy change refused, policy ${r.keptHash} keeps scoring: ${r.error}`,
    );
  }
}
