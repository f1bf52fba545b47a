import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { CanonicalException } from '@exhub/canonical';
import { type Connector, CONNECTORS, type ConnectorRegistry } from '@exhub/connector-sdk';
import type { ConfirmPublisher, Topology } from '@exhub/messaging';
import { POLL_CONNECTOR_TYPES } from '../connectors/connector-types';
import { publishException } from '../pipeline/publish-exception';
import { MS_PER_SECOND } from './context.constants';
import { EnrichmentService } from './enrichment.service';
import { ContextEngine } from './rescore';
import type { HubConfig } from '@exhub/config';
import type { MappingRegistry } from '@exhub/mapping';
import type { HubMetrics, Logger } from '@exhub/observability';
import type { PolicyScorer } from '@exhub/prioritization';
import type { ExceptionStore } from '@exhub/store';
import {
  CONNECTOR_SLOTS,
  HUB_CONFIG,
  LOGGER,
  MAPPINGS,
  METRICS,
  PUBLISHER,
  TOPOLOGY,
  SCORER,
  STORE,
  type ConnectorSlots,
} from '../core/core.tokens';
import { PIPELINE_OPTIONS, type PipelineOptions } from '../pipeline/pipeline.options';

/**
 * Context for the pipeline (enrichment, links) and the two background loops of a `pipeline`
 * process: re-scoring degraded exceptions once their connector is back, and the due-date sweep.
 */
@Injectable()
export class ContextService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly enrichment: EnrichmentService;
  readonly engine: ContextEngine;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<void>>();

  /** Lookup-only instances of a process that does not poll (no `ingress` role). */
  private readonly lookupOnly = new Map<string, Connector>();

  constructor(
    @Inject(PIPELINE_OPTIONS) private readonly options: PipelineOptions,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(CONNECTOR_SLOTS) private readonly connectors: ConnectorSlots,
    @Inject(PUBLISHER) publisher: ConfirmPublisher,
    @Inject(TOPOLOGY) topology: Topology,
    @Inject(STORE) store: ExceptionStore,
    @Inject(MAPPINGS) mappings: MappingRegistry,
    @Inject(SCORER) scorer: PolicyScorer,
    @Inject(CONNECTORS) registry: ConnectorRegistry,
  ) {
    this.enrichment = new EnrichmentService({
      config: config.enrichment,
      // The polled instances register at bootstrap, so the registry is asked at lookup time.
      connector: (id) => registry.get(id) ?? this.lookupOnly.get(id),
      facts: store,
      tables: mappings.lookups,
      logger: logger.child({ component: 'enrichment' }),
    });
    this.engine = new ContextEngine({
      scorer,
      store,
      enrichment: this.enrichment,
      publish: (e: CanonicalException) => publishException({ publisher, topology }, e, undefined),
      logger: logger.child({ component: 'rescore' }),
      now: () => new Date(),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.worker) return;
    if (this.options.lookupConnectors) await this.buildLookupConnectors();
    const { recheckSeconds, dueSweepSeconds, dueWithinHours } = this.config.enrichment;
    this.every('recheck-degraded', recheckSeconds, () => this.engine.recheckDegraded());
    this.every('due-date-sweep', dueSweepSeconds, () => this.engine.sweepDue(dueWithinHours));
  }

  /** Stops the loops and lets a run in progress finish (its publishes are confirmed). */
  async beforeApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await Promise.all(this.running.values());
    await Promise.all([...this.lookupOnly.values()].map((c) => c.close?.().catch(() => undefined)));
  }

  /**
   * A pipeline-only process runs no pollers, so it builds the connectors enrichment names itself,
   * for their `lookup` only (each with its own breaker).
   */
  private async buildLookupConnectors(): Promise<void> {
    const { account, credit, supplier } = this.config.enrichment;
    for (const id of new Set([account, credit, supplier].filter((x): x is string => !!x))) {
      const slot = this.connectors.get(id);
      const factory = slot && !slot.unavailable && POLL_CONNECTOR_TYPES[slot.instance.type];
      if (!slot || !factory) continue;
      try {
        this.lookupOnly.set(id, await factory(slot.instance, this.metrics));
      } catch (err) {
        this.logger.warn(
          { connector: id, err: (err as Error).message },
          `connector ${id} cannot be built for enrichment lookups; its context will be missing`,
        );
      }
    }
  }

  /** One run at a time per loop; a failed run is logged and the next tick tries again. */
  private every(name: string, seconds: number, run: () => Promise<number>): void {
    const log = this.logger.child({ component: 'rescore', loop: name });
    const timer = setInterval(() => {
      if (this.running.has(name)) return;
      const done = run()
        .then((n) => {
          if (n > 0) log.info({ republished: n }, `${name}: exceptions re-scored and published`);
        })
        .catch((err: Error) => log.warn({ err: err.message }, `${name} failed; next run retries`))
        .finally(() => this.running.delete(name));
      this.running.set(name, done);
    }, seconds * MS_PER_SECOND);
    timer.unref();
    this.timers.push(timer);
  }
}
