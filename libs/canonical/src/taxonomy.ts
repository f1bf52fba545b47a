import type {
  Dimension,
  Domain,
  ExceptionType,
  PartyRole,
  Process,
  Status,
  Tier,
} from './canonical-exception.types';
import { canonicalExceptionSchema } from './schema';

// The enums are read from the schema, never written out a second time; the literal types come from
// the same schema through the generated types, which a unit test keeps in step with it.
const { $defs } = canonicalExceptionSchema;

export const DOMAINS = $defs.domain.enum as readonly Domain[];
export const PROCESSES = $defs.process.enum as readonly Process[];
export const EXCEPTION_TYPES = $defs.exceptionType.enum as readonly ExceptionType[];
export const STATUSES = $defs.status.enum as readonly Status[];
export const TIERS = $defs.tier.enum as readonly Tier[];
export const PARTY_ROLES = $defs.partyRole.enum as readonly PartyRole[];
export const DIMENSIONS = $defs.dimension.enum as readonly Dimension[];

function memberOf<T extends string>(values: readonly T[]): (value: unknown) => value is T {
  const known = new Set<unknown>(values);
  return (value: unknown): value is T => known.has(value);
}

export const isDomain = memberOf(DOMAINS);
export const isProcess = memberOf(PROCESSES);
export const isExceptionType = memberOf(EXCEPTION_TYPES);
export const isStatus = memberOf(STATUSES);
export const isTier = memberOf(TIERS);
export const isPartyRole = memberOf(PARTY_ROLES);
export const isDimension = memberOf(DIMENSIONS);
