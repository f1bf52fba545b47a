import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { ApiKeyRecord, ApiKeyRole } from '@exhub/store';
import { ApiKeyAuth } from '../openapi/decorators';

/**
 * Roles are ordered, each one includes the ones before it:
 * - `viewer` reads (worklist, exception detail);
 * - `steward` also runs the mapping and priority dry-runs;
 * - `operator` also reads dead letters, replays, and records decisions on exceptions;
 * - `admin` everything.
 */
export const ROLE_ORDER: readonly ApiKeyRole[] = ['viewer', 'steward', 'operator', 'admin'];

export const ROLES_METADATA = 'exhub:roles';

/**
 * The least role an endpoint needs (any role at or above it passes). The same decorator documents
 * it in OpenAPI (key schemes, 401/403, `x-exhub-role`), so the document cannot disagree with the
 * guard.
 */
export const Roles = (role: ApiKeyRole) =>
  applyDecorators(SetMetadata(ROLES_METADATA, role), ApiKeyAuth(role));

export function roleAtLeast(held: ApiKeyRole, needed: ApiKeyRole): boolean {
  return ROLE_ORDER.indexOf(held) >= ROLE_ORDER.indexOf(needed);
}

/** What the guard attaches to the request: who called, for the audit trail. */
export interface ApiCaller {
  key: ApiKeyRecord;
  /** `<name> (key <id>)`: what audit entries record as the actor. */
  actor: string;
}

export const CALLER_PROPERTY = 'exhubCaller';

export function actorOf(key: ApiKeyRecord): string {
  return `${key.name} (key ${key.id})`;
}
