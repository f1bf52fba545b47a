// The shapes the console reads from the hub's API (schemas/canonical-exception.v1.schema.json and
// the OpenAPI document at /docs/json); only the fields the console shows.

export interface Money {
  value: string;
  currency: string;
}
export interface Factor {
  code: string;
  dimension?: string;
  points: number;
  detail: string;
}
export interface Exception {
  id: string;
  version: number;
  domain: string;
  type: string;
  status: string;
  title: string;
  summary?: string;
  dueAt?: string;
  amount?: Money;
  parties?: { role: string; id: string; name?: string }[];
  source: { system: string; connector: string; objectType: string; objectId: string; url?: string };
  occurredAt: string;
  detectedAt: string;
  priority: {
    score: number;
    tier: string;
    factors: Factor[];
    rulesFired: string[];
    review: { required: boolean; reason?: string };
    route: string;
    degraded: boolean;
  };
  lineage: { mapping: { id: string; version: string }; replayOf?: string };
  links: string[];
}
export interface WorklistPage {
  items: Exception[];
  nextCursor?: string;
}
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  details: string;
}
export interface ExceptionDetail {
  exception: Exception;
  audit: AuditEntry[];
}
export interface Difference {
  path: string;
  kind: 'changed' | 'missing' | 'unexpected';
  expected?: unknown;
  actual?: unknown;
}
export interface VersionChanges {
  version: number;
  recordedAt: string;
  contentHash: string;
  changes: Difference[];
}
export interface Session {
  actor: string;
  name: string;
  role: 'viewer' | 'steward' | 'operator' | 'admin';
}

declare const __EXHUB_ENUMS__: {
  domains: string[];
  types: string[];
  tiers: string[];
  statuses: string[];
};
/** From schemas/canonical-exception.v1.schema.json, injected at build time (vite.config.mts). */
export const ENUMS = __EXHUB_ENUMS__;
