/** Test data for the store's contract suite and tests: no Jest here, so child processes can use it. */
import type { CanonicalException, Tier } from '@exhub/canonical';

export interface SampleSpec {
  id: string;
  score: number;
  tier?: Tier;
  domain?: 'finance' | 'support';
  type?: CanonicalException['type'];
  parties?: string[];
  title?: string;
}

let seq = 0;
/** A canonical exception as the pipeline would hand it to the store. */
export function sampleException(spec: SampleSpec): CanonicalException {
  seq += 1;
  const domain = spec.domain ?? 'finance';
  return {
    schemaVersion: '1',
    id: spec.id,
    version: 1,
    correlationId: `corr-${seq}`,
    causationId: `evt-${seq}`,
    domain,
    process: domain === 'finance' ? 'order_to_cash' : 'customer_support',
    type: spec.type ?? 'chargeback_dispute',
    status: 'open',
    title: spec.title ?? `Exception ${spec.id}`,
    source: {
      system: 'stripe',
      connector: 'stripe',
      objectType: 'dispute',
      objectId: `dp_${spec.id}`,
      eventId: `evt_${seq}`,
      receivedAt: new Date(1_700_000_000_000 + seq).toISOString(),
    },
    occurredAt: '2026-03-09T16:42:10Z',
    detectedAt: new Date(1_700_000_000_000 + seq).toISOString(),
    amount: { value: '100.00', currency: 'EUR' },
    parties: (spec.parties ?? []).map((id) => ({ role: 'customer' as const, id })),
    references: { payment: `ch_${spec.id}` },
    priority: {
      score: spec.score,
      tier: spec.tier ?? 'p3',
      dimensions: {
        financialExposure: 0.5,
        slaRisk: 0.5,
        customerImpact: 0.5,
        complianceSensitivity: 0.5,
        resolutionEffort: 0.5,
        dependencyRisk: 0.5,
      },
      factors: [],
      rulesFired: [],
      model: { name: 'policy', version: 'test' },
      review: { required: false },
      route: 'default',
      scoredAt: new Date(1_700_000_000_000 + seq).toISOString(),
      degraded: false,
    },
    lineage: {
      mapping: { id: 'stripe/dispute', version: 'sha256:abc' },
      connectorVersion: '0.1.0',
    },
    links: [],
  } as CanonicalException;
}
