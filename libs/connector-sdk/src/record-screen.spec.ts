import { describeRejection, screenRecords } from './record-screen';

describe('screenRecords', () => {
  const keys = (r: Record<string, unknown>) =>
    typeof r.at === 'string'
      ? []
      : [{ pointer: '/at', rule: 'required', message: 'must be a time' }];
  const check = (r: Record<string, unknown>) =>
    typeof r.id === 'number' ? [] : [{ pointer: '/id', rule: 'type', message: 'must be a number' }];

  it('keeps the valid records, sets aside the others with pointers, and lists what can be placed', () => {
    const page = screenRecords(
      [{ id: 1, at: 'a' }, { id: 'x', at: 'b' }, { id: 2 }, 'oops', { id: 3, at: 'c' }],
      'thing',
      '/items',
      check,
      keys,
    );
    expect(page.valid.map((v) => [v.index, v.record.id])).toEqual([
      [0, 1],
      [4, 3],
    ]);
    expect(page.rejected.map((r) => [r.pointer, r.issues.map((i) => i.pointer)])).toEqual([
      ['/items/1', ['/id']],
      ['/items/2', ['/at']],
      ['/items/3', ['']],
    ]);
    expect(page.rejected[0]).toMatchObject({ objectType: 'thing', record: { id: 'x', at: 'b' } });
    expect(page.placed.map((r) => r.at)).toEqual(['a', 'b', 'c']);
  });

  it('describes a rejection with the connector, the pointers and the fix', () => {
    const [r] = screenRecords([{ id: 'x' }], 'thing', '/items', check).rejected;
    expect(describeRejection('erp', r)).toBe(
      "connector erp set aside the record at /items/0: /id must be a number; fix it in the source (or the connector's query) and replay this dead letter",
    );
  });
});
