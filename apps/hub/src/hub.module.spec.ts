import type { DynamicModule, Provider } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { API_OPTIONS } from './api/api.options';
import { CONNECTORS_OPTIONS } from './connectors/connectors.options';
import { HubModule } from './hub.module';
import type { HubRuntime } from './hub-runtime';
import { INGRESS_OPTIONS } from './ingest/ingress.options';
import { OPS_OPTIONS } from './ops/ops.options';
import { PIPELINE_OPTIONS } from './pipeline/pipeline.options';

const RETRY_AFTER_SECONDS = 7;
const WORKER_PREFETCH = 48;
const WORKER_CHANNELS = 3;

/** The feature modules HubModule imports for these roles, by options token, with their options. */
function featuresFor(roles: string[]): Map<unknown, unknown> {
  const infra = {
    env: {
      roles: new Set(roles),
      workerPrefetch: WORKER_PREFETCH,
      workerChannels: WORKER_CHANNELS,
    },
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  } as unknown as HubRuntime;
  const features = new Map<unknown, unknown>();
  for (const imported of HubModule.forRoot(infra).imports as DynamicModule[]) {
    for (const p of (imported.providers ?? []) as Provider[]) {
      const token = (p as { provide?: unknown }).provide;
      if (
        [API_OPTIONS, CONNECTORS_OPTIONS, INGRESS_OPTIONS, OPS_OPTIONS, PIPELINE_OPTIONS].includes(
          token as string,
        )
      )
        features.set(token, (p as { useValue?: unknown }).useValue);
    }
  }
  return features;
}

describe('HubModule picks the feature modules from EXHUB_ROLES', () => {
  it('runs everything with both roles (EXHUB_ROLES=all)', () => {
    const f = featuresFor(['ingress', 'pipeline']);
    expect(f.get(INGRESS_OPTIONS)).toEqual({ retryAfterSeconds: RETRY_AFTER_SECONDS });
    expect(f.get(CONNECTORS_OPTIONS)).toEqual({ poll: true });
    expect(f.get(PIPELINE_OPTIONS)).toEqual({
      worker: true,
      lookupConnectors: false,
      prefetch: WORKER_PREFETCH,
      channels: WORKER_CHANNELS,
    });
    expect(f.get(OPS_OPTIONS)).toEqual({ dlqLedger: true });
    expect(f.has(API_OPTIONS)).toBe(true);
  });

  it('an ingress process takes webhooks and polls, and runs no worker and no DLQ ledger', () => {
    const f = featuresFor(['ingress']);
    expect(f.has(INGRESS_OPTIONS)).toBe(true);
    expect(f.get(CONNECTORS_OPTIONS)).toEqual({ poll: true });
    expect(f.get(PIPELINE_OPTIONS)).toMatchObject({ worker: false, lookupConnectors: false });
    expect(f.get(OPS_OPTIONS)).toEqual({ dlqLedger: false });
  });

  it('a pipeline process has no webhook route, polls nothing, and builds its lookup connectors', () => {
    const f = featuresFor(['pipeline']);
    expect(f.has(INGRESS_OPTIONS)).toBe(false);
    expect(f.get(CONNECTORS_OPTIONS)).toEqual({ poll: false });
    expect(f.get(PIPELINE_OPTIONS)).toMatchObject({ worker: true, lookupConnectors: true });
    expect(f.get(OPS_OPTIONS)).toEqual({ dlqLedger: true });
    // The API (dry-runs, connector status) answers on every process.
    expect(f.has(API_OPTIONS)).toBe(true);
  });
});
