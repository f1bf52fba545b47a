import { canonicalExceptionSchema } from './schema';
import {
  DIMENSIONS,
  DOMAINS,
  EXCEPTION_TYPES,
  isExceptionType,
  isTier,
  PARTY_ROLES,
  PROCESSES,
  STATUSES,
  TIERS,
} from './taxonomy';

describe('taxonomy', () => {
  it('is the schema’s own enums', () => {
    const { $defs, properties } = canonicalExceptionSchema;
    expect(DOMAINS).toEqual(['finance', 'support']);
    expect(TIERS).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(STATUSES).toEqual(['open', 'in_review', 'resolved', 'dismissed']);
    expect(PARTY_ROLES).toEqual(['supplier', 'customer', 'account', 'requester']);
    expect(PROCESSES).toHaveLength(6);
    expect(EXCEPTION_TYPES).toHaveLength(20);
    expect(properties.type.$ref).toBe('#/$defs/exceptionType');
    expect(EXCEPTION_TYPES).toBe($defs.exceptionType.enum);
  });

  it('names the same dimensions in the enum and in priority.dimensions', () => {
    const { dimensions } = canonicalExceptionSchema.$defs.priority.properties;
    expect(Object.keys(dimensions.properties)).toEqual(DIMENSIONS);
    expect(dimensions.required).toEqual(DIMENSIONS);
  });

  it('cannot be changed at run time', () => {
    expect(() => (EXCEPTION_TYPES as string[]).push('made_up')).toThrow(TypeError);
    expect(Object.isFrozen(canonicalExceptionSchema.$defs.money.properties)).toBe(true);
  });

  it('has type guards', () => {
    expect(isExceptionType('invoice_mismatch')).toBe(true);
    expect(isExceptionType('invoice')).toBe(false);
    expect(isExceptionType(undefined)).toBe(false);
    expect(isTier('p1')).toBe(true);
    expect(isTier('P1')).toBe(false);
  });
});
