import * as canonical from './index';

describe('libs/canonical public surface', () => {
  it('exports exactly the runtime API', () => {
    expect(Object.keys(canonical).sort()).toEqual([
      'CANONICAL_EXCEPTION_SCHEMA_FILE',
      'CANONICAL_EXCEPTION_SCHEMA_ID',
      'DEFAULT_MINOR_UNIT_EXPONENT',
      'DIMENSIONS',
      'DOMAINS',
      'EXCEPTION_ID_NAMESPACE',
      'EXCEPTION_TYPES',
      'MINOR_UNIT_EXPONENTS',
      'PARTY_ROLES',
      'PROCESSES',
      'STATUSES',
      'TIERS',
      'assertCanonicalException',
      'canonicalExceptionSchema',
      'exceptionId',
      'isDimension',
      'isDomain',
      'isExceptionType',
      'isPartyRole',
      'isProcess',
      'isStatus',
      'isTier',
      'messageId',
      'minorUnitExponent',
      'minorUnitsToDecimal',
      'normaliseCurrency',
      'validateCanonicalException',
      'validateCanonicalExceptionAll',
    ]);
    expect(canonical.CANONICAL_EXCEPTION_SCHEMA_ID).toBe(
      'https://exhub.dev/schemas/canonical-exception.v1.schema.json',
    );
  });
});
