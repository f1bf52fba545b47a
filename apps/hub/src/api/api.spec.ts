import { ApiError } from '../http/api-error';
import { parseWorklistQuery } from './exceptions.controller';
import { roleAtLeast } from './roles';

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as ApiError).body;
  }
  throw new Error('expected an ApiError');
};

describe('roles', () => {
  it('orders admin ⊇ operator ⊇ steward ⊇ viewer', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('operator', 'steward')).toBe(true);
    expect(roleAtLeast('steward', 'viewer')).toBe(true);
    expect(roleAtLeast('viewer', 'steward')).toBe(false);
    expect(roleAtLeast('steward', 'operator')).toBe(false);
    expect(roleAtLeast('operator', 'admin')).toBe(false);
  });
});

describe('parseWorklistQuery', () => {
  it('maps known filters, party to partyId, limit to a number', () => {
    expect(
      parseWorklistQuery({ domain: 'finance', tier: 'p1', party: 'cus_1', limit: '20' }),
    ).toEqual({ domain: 'finance', tier: 'p1', partyId: 'cus_1', limit: 20 });
  });

  it('names every bad parameter with a /query pointer', () => {
    const body = issuesOf(() =>
      parseWorklistQuery({
        domain: "' OR 1=1 --",
        limit: '201',
        sort: 'x',
        tier: ['p1', 'p2'],
      }),
    );
    expect(body.statusCode).toBe(400);
    expect(body.issues?.map((i) => i.pointer).sort()).toEqual([
      '/query/domain',
      '/query/limit',
      '/query/sort',
      '/query/tier',
    ]);
  });
});
