import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { resolve } from 'node:path';
import {
  formatProblem,
  MappingReloader,
  type MappingRegistry,
  type ReloadResult,
} from '@exhub/mapping';
import type { EnvSettings } from '@exhub/config';
import type { HubMetrics, Logger } from '@exhub/observability';
import { HUB_ENV, LOGGER, MAPPINGS, METRICS } from '../core/core.tokens';

/** `EXHUB_MAPPINGS_WATCH=false` turns hot reload off (the mappings loaded at start keep serving). */
export const MAPPINGS_WATCH_ENV = 'EXHUB_MAPPINGS_WATCH';
/** `EXHUB_MAPPINGS_RELOAD_DEBOUNCE_MS`: quiet time after the last file event before reloading. */
export const MAPPINGS_DEBOUNCE_ENV = 'EXHUB_MAPPINGS_RELOAD_DEBOUNCE_MS';
const FALSE_VALUES = new Set(['false', '0', 'no', 'off']);
// Bounded label values of exhub_mapping_failures_total{reason}.
const FAILURE_REASONS = new Set(['timeout', 'depth', 'sequence', 'each_items', 'helper', 'error']);

/**
 * Hot reload of the mappings folder (EXHUB_MAPPINGS_DIR): a change is compiled and validated as a
 * whole and swapped into the registry the pipeline holds; an invalid change is refused, logged
 * with every problem and counted, and the last good version keeps serving. Also counts the
 * payloads each mapping fails on, by reason.
 */
@Injectable()
export class MappingReloadService implements OnApplicationBootstrap, OnApplicationShutdown {
  private reloader?: MappingReloader;

  constructor(
    @Inject(HUB_ENV) private readonly env: EnvSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(MAPPINGS) private readonly mappings: MappingRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { metrics, mappings } = this;
    mappings.onMappingError((err) => {
      const reason = err.rule.startsWith('jsonata:') ? 'jsonata' : err.rule;
      metrics.mappingFailures.inc({
        mapping: err.mappingId,
        reason: FAILURE_REASONS.has(reason) || reason === 'jsonata' ? reason : 'error',
      });
    });
    // Both label values exist from the start, so a dashboard can rate() them before any reload.
    metrics.mappingReloads.inc({ result: 'success' }, 0);
    metrics.mappingReloads.inc({ result: 'refused' }, 0);

    const setting = (process.env[MAPPINGS_WATCH_ENV] ?? '').trim().toLowerCase();
    const dir = resolve(this.env.mappingsDir);
    if (FALSE_VALUES.has(setting)) {
      this.logger.info({ dir }, `mappings hot reload is off (${MAPPINGS_WATCH_ENV}=${setting})`);
      return;
    }
    const debounce = Number(process.env[MAPPINGS_DEBOUNCE_ENV]);
    this.reloader = new MappingReloader(mappings, dir, {
      // The same limits as at start: a reload must not reset what the operator set.
      compile: { limits: this.env.mappingLimits },
      debounceMs: Number.isFinite(debounce) && debounce >= 0 ? debounce : undefined,
      onResult: (result) => this.report(result),
    });
    await this.reloader.start();
    this.logger.info(
      { dir, mappings: mappings.size },
      'watching mappings for changes (hot reload)',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reloader?.stop();
  }

  private report(result: ReloadResult): void {
    const log = this.logger.child({ component: 'mappings' });
    if (result.ok) {
      this.metrics.mappingReloads.inc({ result: 'success' });
      log.info(
        {
          event: 'mappings_reloaded',
          mappings: result.mappings,
          versions: result.versions,
          files: result.files,
          durationMs: result.durationMs,
        },
        `mappings reloaded: ${result.mappings} mapping(s) now serving`,
      );
      return;
    }
    this.metrics.mappingReloads.inc({ result: 'refused' });
    log.error(
      {
        event: 'mappings_reload_refused',
        files: result.files,
        problems: result.problems.map((p) => ({
          file: p.file,
          line: p.line,
          column: p.column,
          field: p.path,
          message: p.message,
          hint: p.hint,
        })),
        errors: result.problems.map(formatProblem),
        durationMs: result.durationMs,
      },
      `mappings change refused, the last good version keeps serving: ${result.problems.length || 1} problem(s)${result.problems.length ? '' : `: ${result.error}`}`,
    );
  }
}
