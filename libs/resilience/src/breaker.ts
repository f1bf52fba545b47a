import CircuitBreaker from 'opossum';
import { HubError, TransientError } from '@exhub/core';
import {
  DEFAULT_BREAKER_ERROR_PERCENTAGE,
  DEFAULT_BREAKER_RESET_MS,
  DEFAULT_BREAKER_VOLUME_THRESHOLD,
  DEFAULT_BREAKER_WINDOW_MS,
} from './constants';

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** The two breaker metrics (exhub_breaker_state, exhub_breaker_transitions_total), structurally. */
export interface BreakerMetrics {
  breakerState: {
    set(labels: { connector: string; endpoint: string; state: string }, value: number): void;
  };
  breakerTransitions: {
    inc(labels: { connector: string; endpoint: string; from: string; to: string }): void;
  };
}

export interface BreakerOptions {
  /** Share of failures (%) in the window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Calls in the window before the breaker may open. */
  volumeThreshold: number;
  /** Open → half-open after this long; one probe call then decides. */
  resetTimeoutMs: number;
  rollingWindowMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = {
  errorThresholdPercentage: DEFAULT_BREAKER_ERROR_PERCENTAGE,
  volumeThreshold: DEFAULT_BREAKER_VOLUME_THRESHOLD,
  resetTimeoutMs: DEFAULT_BREAKER_RESET_MS,
  rollingWindowMs: DEFAULT_BREAKER_WINDOW_MS,
};

/** Thrown (as the fallback) while the breaker is open: TRANSIENT, and never retried in a loop. */
export class BreakerOpenError extends TransientError {
  readonly breakerOpen = true;
  constructor(
    readonly connector: string,
    readonly endpoint: string,
  ) {
    super(
      'ingress',
      `connector '${connector}': circuit breaker for ${endpoint} is open after repeated failures — ` +
        'calls pause until a half-open probe succeeds',
    );
    this.name = 'BreakerOpenError';
  }
}

/**
 * One opossum breaker per remote endpoint. Only failures that say something about the endpoint's
 * health count: TRANSIENT and RATE_LIMITED; an AUTH failure opens it at once (the credentials
 * will not get better by themselves, so nothing should keep calling). NOT_FOUND and
 * INVALID_PAYLOAD pass through without counting. While open, `fire` rejects with
 * `BreakerOpenError` (the fallback) without calling the endpoint.
 */
export class EndpointBreaker {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private current: BreakerState = 'closed';

  constructor(
    readonly connector: string,
    readonly endpoint: string,
    options: Partial<BreakerOptions> = {},
    private readonly metrics?: BreakerMetrics,
  ) {
    const o = { ...DEFAULT_BREAKER_OPTIONS, ...options };
    this.breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      timeout: false,
      errorThresholdPercentage: o.errorThresholdPercentage,
      volumeThreshold: o.volumeThreshold,
      resetTimeout: o.resetTimeoutMs,
      rollingCountTimeout: o.rollingWindowMs,
      // true = "not a failure" for opossum.
      errorFilter: (err: unknown) =>
        err instanceof HubError &&
        (err.errorClass === 'NOT_FOUND' || err.errorClass === 'INVALID_PAYLOAD'),
    });
    // opossum calls the fallback on every failure: only the open-breaker rejection is replaced.
    this.breaker.fallback((_call: unknown, err: unknown) => {
      if ((err as { code?: string } | undefined)?.code === 'EOPENBREAKER') {
        throw new BreakerOpenError(connector, endpoint);
      }
      throw err;
    });
    this.breaker.on('open', () => this.moveTo('open'));
    this.breaker.on('halfOpen', () => this.moveTo('half_open'));
    this.breaker.on('close', () => this.moveTo('closed'));
    this.publishState();
  }

  get state(): BreakerState {
    return this.current;
  }

  async fire<T>(call: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(call)) as T;
    } catch (err) {
      if (err instanceof HubError && err.errorClass === 'AUTH' && !this.breaker.opened) {
        this.breaker.open();
      }
      throw err;
    }
  }

  /** Stops the reset timer (tests, shutdown). */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private moveTo(next: BreakerState): void {
    if (next === this.current) return;
    const from = this.current;
    this.current = next;
    this.metrics?.breakerTransitions.inc({
      connector: this.connector,
      endpoint: this.endpoint,
      from,
      to: next,
    });
    this.publishState();
  }

  private publishState(): void {
    for (const state of BREAKER_STATES) {
      this.metrics?.breakerState.set(
        { connector: this.connector, endpoint: this.endpoint, state },
        state === this.current ? 1 : 0,
      );
    }
  }
}
