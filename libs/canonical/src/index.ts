export type * from './canonical-exception.types';
export { EXCEPTION_ID_NAMESPACE } from './constants';
export { exceptionId, messageId, type NaturalKey } from './ids';
export { minorUnitExponent, minorUnitsToDecimal, normaliseCurrency } from './money';
export {
  CANONICAL_EXCEPTION_SCHEMA_FILE,
  CANONICAL_EXCEPTION_SCHEMA_ID,
  canonicalExceptionSchema,
} from './schema';
export {
  DIMENSIONS,
  DOMAINS,
  EXCEPTION_TYPES,
  isDimension,
  isDomain,
  isExceptionType,
  isPartyRole,
  isProcess,
  isStatus,
  isTier,
  PARTY_ROLES,
  PROCESSES,
  STATUSES,
  TIERS,
} from './taxonomy';
export {
  assertCanonicalException,
  validateCanonicalException,
  validateCanonicalExceptionAll,
  type CanonicalValidationResult,
} from './validate';
export { DEFAULT_MINOR_UNIT_EXPONENT, MINOR_UNIT_EXPONENTS } from './constants';
