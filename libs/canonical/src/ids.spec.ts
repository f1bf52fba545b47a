import { EXCEPTION_ID_NAMESPACE } from './constants';
import { exceptionId, messageId, type NaturalKey } from './ids';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const key: NaturalKey = {
  system: 'stripe',
  objectType: 'dispute',
  objectId: 'dp_1PxYz2AbCdEf',
  type: 'chargeback_dispute',
};

describe('exceptionId', () => {
  it('gives the same source fact the same id, every time', () => {
    expect(exceptionId(key)).toBe(exceptionId({ ...key }));
    expect(exceptionId(key)).toMatch(UUID_V5);
  });

  // Computed independently: Python uuid.uuid5(namespace, json.dumps(key, separators=(',', ':'))).
  it('is pinned: a change of namespace or encoding would re-key every stored exception', () => {
    expect(EXCEPTION_ID_NAMESPACE).toBe('cb172c70-f1c1-4e7a-b6f7-ee9c886da419');
    expect(exceptionId(key)).toBe('7c40185f-e332-5865-8b6a-c1e48251d0aa');
  });

  it.each<[string, Partial<NaturalKey>]>([
    ['system', { system: 'zendesk' }],
    ['object type', { objectType: 'charge' }],
    ['object id', { objectId: 'dp_1PxYz2AbCdEg' }],
    ['object id case', { objectId: 'DP_1PXYZ2ABCDEF' }],
    ['exception type', { type: 'refund_outside_policy' }],
  ])('changes when the %s changes', (_what, change) => {
    expect(exceptionId({ ...key, ...change })).not.toBe(exceptionId(key));
  });

  it('cannot be made to collide by moving a separator between components', () => {
    const a = exceptionId({ ...key, objectType: 'a|b', objectId: 'c' });
    const b = exceptionId({ ...key, objectType: 'a', objectId: 'b|c' });
    const c = exceptionId({ ...key, objectType: 'a","b', objectId: 'c' });
    const d = exceptionId({ ...key, objectType: 'a', objectId: 'b","c' });
    expect(new Set([a, b, c, d]).size).toBe(4);
  });
});

describe('messageId', () => {
  it('is <id>:<version>', () => {
    const id = exceptionId(key);
    expect(messageId({ id, version: 3 })).toBe(`${id}:3`);
  });
});
